"""The multilingual immigrant-services assistant: everything that is not Rasa's own file format."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The project root: where config.yml, domain.yml, data/ and knowledge/ live."""
