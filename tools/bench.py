"""`make bench`: the running assistant measured from outside, over its REST channel.

Starts it as `make run` does (scratch SQLite database, ports 5105/5155), then reports the time
from start to ready, resident memory, latency one message at a time, and throughput with several
conversations at once. Traffic goes to 127.0.0.1 only, and every loop is bounded.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.evaluation import load_heldout
from tools.local_server import RunningAssistant, running_assistant


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def timed(server: RunningAssistant, sender: str, text: str) -> float:
    started = time.perf_counter()
    server.send(sender, text)
    return time.perf_counter() - started


def main(messages_per_run: int = 120, concurrency: int = 10) -> int:
    texts = [m["text"] for messages in load_heldout().values() for m in messages][:messages_per_run]
    with tempfile.TemporaryDirectory() as scratch, running_assistant(Path(scratch)) as server:
        print(f"start to ready (python -m bot run, model already trained): {server.seconds_to_ready:.1f} s")
        timed(server, "warm-up", "hello")
        print(f"resident memory, all processes, idle: {server.rss_megabytes():.0f} MB")
        sequential = [timed(server, f"seq-{i}", text) for i, text in enumerate(texts)]
        print(
            f"one at a time, {len(texts)} messages: p50 {statistics.median(sequential) * 1000:.0f} ms, "
            f"p95 {percentile(sequential, 0.95) * 1000:.0f} ms"
        )
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            concurrent = list(pool.map(lambda job: timed(server, f"conc-{job[0] % concurrency}", job[1]), enumerate(texts)))
        elapsed = time.perf_counter() - started
        print(
            f"{concurrency} conversations at once, {len(texts)} messages: {len(texts) / elapsed:.1f} turns/s, "
            f"p50 {statistics.median(concurrent) * 1000:.0f} ms, p95 {percentile(concurrent, 0.95) * 1000:.0f} ms"
        )
        print(f"resident memory after load: {server.rss_megabytes():.0f} MB")
    return 0
