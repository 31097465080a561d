"""`python -m bot run`: train if the data changed, then run Rasa and the action server together.

The processes are in `Procfile` and supervised by honcho, so one Ctrl-C stops both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot import ROOT


def serve() -> int:
    from bot.quiet import quiet

    quiet()
    from bot.training import train

    print("Checking the model (trains only if config, domain or data changed)…", flush=True)
    train(ROOT)
    bin_dir = Path(sys.executable).parent
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    print(
        "\nStarting the assistant. When 'Rasa server is up and running' appears, talk to it from a\n"
        "second terminal with:  .venv/bin/python -m bot chat\n"
        "Staff console: http://127.0.0.1:5002 (create an account first:\n"
        "  .venv/bin/python -m bot users add NAME --role admin)\n",
        flush=True,
    )
    os.chdir(ROOT)
    os.execv(bin_dir / "honcho", ["honcho", "start", "-f", str(ROOT / "Procfile")])
