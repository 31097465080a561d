"""Starting the assistant exactly as `make run` does, on chosen ports and a scratch database.

The server tests, `make bench` and `make soak` use it, so what they measure is the real run
command: the supervisor (bot/supervisor.py), the Rasa server (with the actions inside it in the
embedded profile), the action server (production profile) and the console.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import IN_PROCESS_ACTIONS, ROOT, chat
from tools.waiting import wait_for


@dataclass
class RunningAssistant:
    url: str
    database: Path
    process: subprocess.Popen
    seconds_to_ready: float
    log: Path
    actions_port: int

    def send(self, sender: str, text: str) -> str:
        """One message over the REST channel; the reply as a person reads it.

        Rasa's output channels send each paragraph of a text as its own message; they are joined
        back here with the blank line between them.
        """
        return "\n\n".join(chat.send(f"{self.url}/webhooks/rest/webhook", sender, text))

    def processes(self) -> list[tuple[int, int, str]]:
        """(pid, resident kB, command line) of every process of the assistant: the supervisor, the
        shells it starts, Rasa, the action server and the console."""
        return process_tree(self.process.pid)

    def rss_megabytes(self) -> float:
        """Resident memory of the whole process tree."""
        return process_tree_megabytes(self.process.pid)

    def action_server_up(self) -> bool:
        return _ready(f"http://127.0.0.1:{self.actions_port}/health")

    def kill_action_server(self) -> None:
        """Kill the action server as a crash would (SIGKILL); the supervisor starts it again."""
        for pid, _, command in self.processes():
            if f"bot actions --port {self.actions_port}" in command and not command.startswith("/bin/sh"):
                os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not self.action_server_up(), timeout=10, what="the action server to stop")


def process_tree(root: int) -> list[tuple[int, int, str]]:
    """(pid, resident kB, command line) of `root` and its descendants."""
    table = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,rss=,args="], capture_output=True, text=True).stdout
    rows = [line.split(maxsplit=3) for line in table.splitlines() if line.strip()]
    tree = {root}
    for _ in range(5):  # supervisor -> shell -> python: a few generations are enough
        tree |= {int(pid) for pid, parent, *_ in rows if int(parent) in tree}
    return [(int(pid), int(rss), args[0] if args else "") for pid, _, rss, *args in rows if int(pid) in tree]


def process_tree_megabytes(root: int) -> float:
    return sum(rss for _, rss, _ in process_tree(root)) / 1024


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def running_assistant(
    workdir: Path,
    rasa_port: int = 5105,
    actions_port: int = 5155,
    profile: Path = ROOT / "endpoints.yml",
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> Iterator[RunningAssistant]:
    """`python -m bot run` with the endpoints of `profile` (a SQLite database moves into `workdir`)
    and extra environment `env`; stopped (whole process group) on exit."""
    database = workdir / "rasa.db"
    endpoints = workdir / "endpoints.yml"
    configured = yaml.safe_load(profile.read_text())  # the real profile, with the action server's port
    separate_actions = configured["action_endpoint"]["url"] != IN_PROCESS_ACTIONS
    if separate_actions:
        configured["action_endpoint"]["url"] = f"http://localhost:{actions_port}/webhook"
    if configured["tracker_store"].get("dialect") == "sqlite":
        configured["tracker_store"]["db"] = str(database)
    endpoints.write_text(yaml.safe_dump(configured))
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",  # the log shows each line as it happens, not when a buffer fills
        **(env or {}),
        "RASA_PORT": str(rasa_port),
        "ACTIONS_PORT": str(actions_port),
        "CONSOLE_PORT": str(rasa_port + 100),
        "ENDPOINTS": str(endpoints),
    }
    log = workdir / "server.log"
    started = time.monotonic()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{rasa_port}"

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the assistant stopped while starting; see {log}:\n{log.read_text()[-3000:]}")
        return _ready(url) and (not separate_actions or _ready(f"http://127.0.0.1:{actions_port}/health"))

    try:
        wait_for(up, timeout=timeout, what=f"the assistant to start (log: {log})", interval=0.2)
        yield RunningAssistant(url, database, process, time.monotonic() - started, log, actions_port)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
