"""`make profile`: where the Rasa process of `make run` spends its time under load.

Starts the assistant as `make bench` does, warms it up, then samples the Rasa process with py-spy
(`pip install py-spy`; not a dependency) while 10 conversations send held-out questions, and
prints the functions with the largest inclusive share of samples. The raw folded stacks go to
results/profile.txt (feed them to a flame-graph viewer for the full picture).
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bot import ROOT
from tools.bench import load
from tools.evaluation import load_heldout
from tools.local_server import running_assistant

FOCUS = re.compile(r"rasa/|bot/|actions/|sklearn/pipeline|sqlalchemy/orm/session")


def inclusive_shares(folded: Path) -> list[tuple[float, str]]:
    """(share of samples, function) for every function on a sampled stack, largest first."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        total += int(samples)
        for frame in {re.sub(r":\d+\)", ")", frame) for frame in stack.split(";")}:
            counts[frame] += int(samples)
    return [(count / total, frame) for frame, count in counts.most_common()]


def main(seconds: int = 25, top: int = 40) -> int:
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    if spy is None:
        print("py-spy is not installed: .venv/bin/pip install py-spy")
        return 2
    output = ROOT / "results" / "profile.txt"
    output.parent.mkdir(exist_ok=True)
    texts = [m["text"] for messages in load_heldout().values() for m in messages]
    with tempfile.TemporaryDirectory() as scratch, running_assistant(Path(scratch), 5115, 5165) as server:
        rasa = next(
            pid for pid, _, command in server.processes() if "rasa_launcher" in command and not command.startswith("/bin/sh")
        )
        load(server.url, texts, 10, 100, "warm-up")
        sampling = subprocess.Popen(
            [spy, "record", "-p", str(rasa), "-d", str(seconds), "-r", "200", "-f", "raw", "-o", str(output)]
        )
        turns, p50, p95 = load(server.url, texts, 10, 400, "profiled")
        sampling.wait()
    print(f"under load: {turns:.1f} turns/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms; raw stacks in {output}")
    shown = [(share, frame) for share, frame in inclusive_shares(output) if FOCUS.search(frame)]
    for share, frame in shown[:top]:
        print(f"{share:6.1%}  {frame}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
