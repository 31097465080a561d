"""`make run`'s processes, kept running.

Each Procfile line is started in a shell (so `${PORT:-5005}` works), its output prefixed with its
name. Honcho stops everything when one process stops: a crashed action server took the whole
assistant down. Here a process that stops is started again after a growing pause (1 s, 2 s, 4 s …
at most 30 s; back to 1 s once it has run for a minute), and the others keep serving. Ctrl-C or
SIGTERM stops them all: SIGTERM to each process group, SIGKILL to whatever is left after 10 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from honcho.environ import parse_procfile

MAX_PAUSE = 30.0
HEALTHY_AFTER = 60.0
STOP_GRACE = 10.0


@dataclass
class Supervised:
    name: str
    command: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    pause: float = 1.0
    restart_at: float | None = None
    output: threading.Thread | None = field(default=None, repr=False)


def say(name: str, line: str) -> None:
    sys.stdout.write(f"{time.strftime('%H:%M:%S')} {name:<8} | {line}")
    sys.stdout.flush()


def _copy(name: str, stream: IO[str]) -> None:
    for line in stream:
        say(name, line)


def start(service: Supervised) -> None:
    service.process = subprocess.Popen(
        service.command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
        start_new_session=True,  # its own process group: a stop reaches the shell's children too
    )  # fmt: skip
    service.started_at, service.restart_at = time.monotonic(), None
    service.output = threading.Thread(target=_copy, args=(service.name, service.process.stdout), daemon=True)
    service.output.start()
    say("system", f"{service.name} started (pid={service.process.pid})\n")


def signal_group(service: Supervised, signum: int) -> None:
    if service.process and service.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.process.pid, signum)


def supervise(procfile: Path, skip: set[str]) -> int:
    """Run the Procfile's processes but those named in `skip` until SIGTERM or Ctrl-C."""
    processes = parse_procfile(procfile.read_text()).processes.items()
    services = [Supervised(name, command) for name, command in processes if name not in skip]
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for service in services:
        start(service)
    while not stopping.wait(0.2):
        now = time.monotonic()
        for service in services:
            if service.restart_at is not None:
                if now >= service.restart_at:
                    start(service)
            elif service.process and service.process.poll() is not None:
                if now - service.started_at > HEALTHY_AFTER:
                    service.pause = 1.0
                say(
                    "system",
                    f"{service.name} stopped (rc={service.process.returncode}); starting it again in {service.pause:.0f} s\n",
                )
                service.restart_at = now + service.pause
                service.pause = min(service.pause * 2, MAX_PAUSE)
    say("system", "stopping\n")
    for service in services:
        signal_group(service, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for service in services:
        if service.process:
            try:
                service.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                signal_group(service, signal.SIGKILL)
                service.process.wait()
    return 0
