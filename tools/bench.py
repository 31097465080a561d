"""`make bench`: this assistant against stock Rasa's starter bot, on the same machine, in one run.

The anchor is what `rasa init` creates (its TensorFlow pipeline and policies, in-memory tracker
store), trained with this project's venv in a folder of its own and kept there between runs
(`results/bench/stock-<rasa version>`; delete it to train again). Each system is started, timed
to ready, then driven by the same closed-loop load generator over its REST channel on 127.0.0.1:
1, 10 and 50 conversations at once, each conversation sending real held-out questions
(`tests/heldout/`) one after another, a bounded number in all. Ours runs as `make run` runs it
(`python -m bot run`: SQLite tracker store, actions inside Rasa, the console beside it).

Also measured for ours: whether a turn costs more late in a long conversation (200 turns) and
with a big tracker store (`--stored N` conversations written into the SQLite file first).

Timings on a shared 2-core machine are noisy; compare the ratios of one run, not runs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import rasa

from bot import ROOT
from tools.evaluation import load_heldout
from tools.local_server import process_tree_megabytes, running_assistant
from tools.waiting import wait_for

STOCK_PORT, OURS_PORT, OURS_ACTIONS_PORT = 5109, 5111, 5161
LOADS = ((1, 100), (10, 300), (50, 500))
"""(conversations at once, messages in all)."""


@dataclass
class Row:
    name: str
    ready_seconds: float
    rss_mb: float = 0.0
    results: dict[int, tuple[float, float, float]] | None = None
    """conversations at once -> (turns/s, p50 ms, p95 ms)."""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def send(url: str, sender: str, text: str) -> float:
    """One REST message; the seconds until the whole reply arrived."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        replies = json.load(response)
    assert replies, f"no reply to {text!r}"
    return time.perf_counter() - started


def load(url: str, texts: list[str], conversations: int, messages: int, tag: str) -> tuple[float, float, float]:
    """Closed loop: `conversations` senders, each waiting for its reply before its next message,
    `messages` in all. (turns/s, p50 ms, p95 ms)."""
    share = messages // conversations

    def conversation(number: int) -> list[float]:
        own = [texts[(number * 7 + i) % len(texts)] for i in range(share)]
        return [send(url, f"{tag}-{conversations}-{number}", text) for text in own]

    started = time.perf_counter()
    with ThreadPoolExecutor(conversations) as pool:
        latencies = [seconds for done in pool.map(conversation, range(conversations)) for seconds in done]
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, percentile(latencies, 0.95) * 1000


def measure(name: str, url: str, ready: float, rss: Callable[[], float], texts: list[str]) -> Row:
    send(url, "warm-up", "hello")
    row = Row(name, ready, results={})
    for conversations, messages in LOADS:
        row.results[conversations] = load(url, texts, conversations, messages, name)  # type: ignore[index]
        print(f"  {name}: {conversations} at once: {row.results[conversations][0]:.1f} turns/s", flush=True)  # type: ignore[index]
    row.rss_mb = rss()
    return row


def stock_bot() -> Path:
    """`rasa init`'s starter bot, trained, in a folder kept between runs."""
    directory = ROOT / "results" / "bench" / f"stock-{rasa.__version__}"
    if not list((directory / "models").glob("*.tar.gz")):
        directory.mkdir(parents=True, exist_ok=True)
        print(f"Training stock Rasa's starter bot in {directory} (once; a few minutes)…", flush=True)
        subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(directory)],
                       cwd=directory, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return directory


@contextmanager
def running_stock(directory: Path) -> Iterator[tuple[str, float, int]]:
    """`rasa run` on the starter bot: (url, seconds to ready, pid)."""
    url = f"http://127.0.0.1:{STOCK_PORT}"
    started = time.monotonic()
    log = (directory / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--interface", "127.0.0.1", "--port", str(STOCK_PORT)],
        cwd=directory, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def up() -> bool:
        assert process.poll() is None, f"stock Rasa stopped; see {log.name}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(up, timeout=300, what="stock Rasa to start", interval=0.1)
        yield url, time.monotonic() - started, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()


def turn_cost_over_a_long_conversation(url: str, texts: list[str], turns: int = 200) -> tuple[float, float]:
    """Median ms of the first and the last 20 turns of one `turns`-turn conversation."""
    latencies = [send(url, "long-conversation", texts[i % len(texts)]) * 1000 for i in range(turns)]
    return statistics.median(latencies[:20]), statistics.median(latencies[-20:])


def fill_store(database: Path, conversations: int) -> None:
    """`conversations` stored conversations of 12 events each, written straight into the SQLite
    tracker store (through Rasa it would take hours)."""
    events = [("user", '{"event": "user", "text": "hola"}'), ("action", '{"event": "action", "name": "action_listen"}')] * 6
    with sqlite3.connect(database) as db:
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, NULL, NULL, ?)",
            ((f"filler-{n}", kind, time.time() - 86_400, data) for n in range(conversations) for kind, data in events),
        )


def table(rows: list[Row]) -> str:
    stock, ours = rows
    assert stock.results and ours.results
    lines = [
        "| | stock starter bot | this project | ratio |",
        "|---|---|---|---|",
    ]
    for conversations, _ in LOADS:
        s, o = stock.results[conversations], ours.results[conversations]
        lines.append(f"| {conversations} at once: turns/s | {s[0]:.1f} | {o[0]:.1f} | {o[0] / s[0]:.1f}× |")
        lines.append(f"| {conversations} at once: p50 / p95 ms | {s[1]:.0f} / {s[2]:.0f} | {o[1]:.0f} / {o[2]:.0f} | "
                     f"{s[1] / o[1]:.1f}× / {s[2] / o[2]:.1f}× faster |")  # fmt: skip
    lines.append(
        f"| start to ready | {stock.ready_seconds:.1f} s | {ours.ready_seconds:.1f} s | {stock.ready_seconds / ours.ready_seconds:.1f}× faster |"
    )
    lines.append(
        f"| resident memory, all processes | {stock.rss_mb:.0f} MB | {ours.rss_mb:.0f} MB | {stock.rss_mb / ours.rss_mb:.1f}× less |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000, help="conversations in the tracker store for the size test")
    args = parser.parse_args(argv)
    texts = [m["text"] for messages in load_heldout().values() for m in messages]
    rows = []
    with running_stock(stock_bot()) as (url, ready, pid):
        print(f"stock starter bot ready in {ready:.1f} s", flush=True)
        rows.append(measure("stock", url, ready, lambda: process_tree_megabytes(pid), texts))
    with tempfile.TemporaryDirectory() as scratch, running_assistant(Path(scratch), OURS_PORT, OURS_ACTIONS_PORT) as server:
        print(f"this project ready in {server.seconds_to_ready:.1f} s", flush=True)
        rows.append(measure("ours", server.url, server.seconds_to_ready, server.rss_megabytes, texts))
        first, last = turn_cost_over_a_long_conversation(server.url, texts)
        fill_store(server.database, args.stored)
        _, with_store, _ = load(server.url, texts, 1, 100, f"after-{args.stored}")
    print("\n" + table(rows))
    print(f"\none conversation of 200 turns: median of the first 20 turns {first:.0f} ms, of the last 20 {last:.0f} ms")
    print(f"one at a time with {args.stored:,} more conversations stored: p50 {with_store:.0f} ms "
          f"(before: {rows[1].results[1][1]:.0f} ms)")  # type: ignore[index]  # fmt: skip
    return 0
