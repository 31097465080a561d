"""The multilingual immigrant-services assistant: everything that is not Rasa's own file format."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The project root: where config.yml, domain.yml, data/ and knowledge/ live."""

IN_PROCESS_ACTIONS = "in-process://actions"
"""The action endpoint URL that runs `actions/` inside the Rasa process (bot/rasa_runtime.py): the
embedded profile's. Here, not there, so that `python -m bot run` can read it without Rasa."""
