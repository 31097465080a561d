"""`python -m bot run`: train if the inputs changed, then run the Procfile's processes (Rasa, the
action server, the staff console) under our supervisor, which restarts any that stops. With the
embedded profile the actions run inside Rasa, so no action server is started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot import IN_PROCESS_ACTIONS, ROOT
from bot.supervisor import supervise
from bot.training import model_is_current


def serve() -> int:
    if not model_is_current(ROOT):
        print("Training the model (config, domain, data or NLU code changed)…", flush=True)
        # In a process of its own: this one stays small while it supervises.
        subprocess.run([sys.executable, "-m", "bot", "train"], cwd=ROOT, check=True)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    print(
        "\nStarting the assistant. When 'Rasa server is up and running' appears, talk to it from a\n"
        "second terminal with:  .venv/bin/python -m bot chat\n"
        "Staff console: http://127.0.0.1:5002 (create an account first:\n"
        "  .venv/bin/python -m bot users add NAME --role admin)\n",
        flush=True,
    )
    os.chdir(ROOT)
    endpoints = yaml.safe_load((ROOT / os.environ.get("ENDPOINTS", "endpoints.yml")).read_text())
    in_process = (endpoints.get("action_endpoint") or {}).get("url") == IN_PROCESS_ACTIONS
    return supervise(ROOT / "Procfile", skip={"actions"} if in_process else set())
