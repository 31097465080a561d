"""Conversation tests with Rasa's own runner, as a Rasa user would run them.

`--e2e` makes Rasa parse each user line with the trained NLU model and compare the predicted
intent and entities with the story; without it Rasa trusts the story's labels and only checks the
dialogue policy.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot import ROOT

STORIES = ROOT / "tests" / "stories"


def test_conversation_stories_pass_end_to_end(tmp_path: Path):
    expected = sum(len(yaml.safe_load(p.read_text())["stories"]) for p in STORIES.glob("test_*.yml"))
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [
            str(rasa),
            "test",
            "core",
            "--e2e",
            "--stories",
            str(STORIES),
            "--model",
            "models",
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "LOG_LEVEL": "INFO"},  # the counts below are INFO lines
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert f"Evaluating {expected} stories" in output
    assert re.search(rf"Correct:\s+{expected} / {expected}", output)
