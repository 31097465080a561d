"""`make soak`: ten people texting the production profile for a while, with Twilio's retries,
hostile and odd input, and the action server, PostgreSQL and Redis each taken away midway.

The assistant runs as `make run` runs it, on the production profile (credentials.production.yml,
PostgreSQL, Redis, a separate action server under the supervisor), against a PostgreSQL and a
Redis of its own that the soak can crash. Ten simulated people send real held-out questions in
their languages, and now and then an empty message, emoji, a picture, a message far too long,
HTML, another language; 30% of deliveries arrive two or three times at nearly the same moment
(Twilio's retries); someone forges, tampers with or floods the webhook. A person who is asked to
try again does, a little later, as people do. At 25%, 45% and 65% of the run the action server
is killed (the supervisor restarts it), PostgreSQL is down, then Redis is down.

Every delivery is counted by its MessageSid against the user events stored with that id:
answered, apologised, refused, stored, duplicated (stored twice), lost (answered as if processed
but never stored), silenced (no reply at all), server errors. The report goes to stdout and
results/soak.json; the exit status is 1 when anything was lost, duplicated, silenced, answered
twice differently, accepted unsigned, or answered with a 5xx.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import ROOT
from bot.knowledge.loader import knowledge
from tools.evaluation import load_heldout
from tools.local_server import RunningAssistant, running_assistant
from tools.scratch import Database, ScratchPostgres, ScratchRedis, postgres_database, production_environment, query
from tools.waiting import wait_for
from tools.webhooks import channel_environment, sms

RASA_PORT, ACTIONS_PORT, POSTGRES_PORT, REDIS_PORT = 5131, 5181, 5451, 6395
PEOPLE = 10
RETRIED_SHARE = 0.3
ODD_SHARE, HOSTILE_SHARE = 0.12, 0.04
TRIES = 7
"""How often a person who is asked to try again does (after 1, 2, 4 … 32 s) before giving up."""

ODD_INPUT = {
    "empty": {"body": ""},
    "emoji": {"body": "🙏🙏😢"},
    "picture": {"body": "", "NumMedia": "1", "MediaContentType0": "image/jpeg", "MediaUrl0": "https://api.twilio.com/m/1"},
    "too_long": {"body": "ayuda " * 420},
    "html": {"body": "<script>alert(1)</script><b>citizenship</b> help"},
    "other_language": {"body": "Wie beantrage ich die Staatsbürgerschaft?"},
}
NOT_A_TURN = {"too_long"}
"""Answered before any turn (nothing is stored for them)."""


@dataclass
class Delivery:
    """One message (one MessageSid) and what each copy of it got back."""

    sid: str
    person: int
    kind: str  # "question", a key of ODD_INPUT, or a hostile kind
    sent_at: float
    copies: list[tuple[int, str | None]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Fault:
    name: str
    started: float
    ended: float = 0.0
    recovered_seconds: float | None = None
    """From the end of the fault to the first question answered that was sent after it."""


class Soak:
    def __init__(self, server: RunningAssistant, seconds: float, seed: int = 7) -> None:
        self.server, self.seconds = server, seconds
        self.deadline = time.monotonic() + seconds
        self.random = random.Random(seed)
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        self.heldout = {language: [m["text"] for m in messages] for language, messages in load_heldout().items()}
        kb = knowledge()
        self.apologies = {kb.say(language, key) for language in kb.languages for key in ("try_again", "delete_failed")}

    # -- the people ---------------------------------------------------------------------------
    def person(self, number: int) -> None:
        chance = random.Random(number)
        language = sorted(self.heldout)[number % len(self.heldout)]
        phone = f"+1617555{9000 + number}"
        while time.monotonic() < self.deadline:
            roll = chance.random()
            if roll < HOSTILE_SHARE:
                self.hostile(number, chance)
            elif roll < HOSTILE_SHARE + ODD_SHARE:
                kind = chance.choice(sorted(ODD_INPUT))
                self.until_answered(number, phone, kind, dict(ODD_INPUT[kind]), chance)
            else:
                self.until_answered(number, phone, "question", {"body": chance.choice(self.heldout[language])}, chance)
            time.sleep(chance.uniform(0.2, 2.0))  # a person reading the answer: a pace, not a condition

    def until_answered(self, number: int, phone: str, kind: str, fields: dict[str, str], chance: random.Random) -> None:
        """Send; when asked to try again, send again later (a new message: a new MessageSid)."""
        for attempt in range(TRIES):
            delivery = self.deliver(number, phone, kind, fields, chance)
            if not any(reply in self.apologies for _, reply in delivery.copies):
                return
            if time.monotonic() + 2**attempt > self.deadline:
                return
            time.sleep(2**attempt)  # the person's patience, not a condition

    def deliver(self, number: int, phone: str, kind: str, fields: dict[str, str], chance: random.Random) -> Delivery:
        """One message, delivered once or (Twilio retrying) two or three times at nearly once."""
        extra: dict[str, Any] = {key: value for key, value in fields.items() if key != "body"}  # Twilio's other fields
        delivery = Delivery(f"SM{uuid.uuid4().hex}", number, kind, time.monotonic())
        copies = chance.choice([2, 3]) if chance.random() < RETRIED_SHARE else 1
        offsets = [0.0] + [chance.uniform(0, 0.2) for _ in range(copies - 1)]

        def copy(offset: float) -> tuple[int, str | None]:
            time.sleep(offset)  # the retry's schedule
            try:
                return sms(self.server, fields["body"], sid=delivery.sid, phone=phone, **extra)
            except OSError:  # no answer within a minute, or the connection dropped: status 0
                return 0, None

        with ThreadPoolExecutor(copies) as pool:
            delivery.copies = list(pool.map(copy, offsets))
        delivery.seconds = time.monotonic() - delivery.sent_at
        with self.lock:
            self.deliveries.append(delivery)
        return delivery

    def hostile(self, number: int, chance: random.Random) -> None:
        """A forged, tampered, garbled or oversized webhook: it must be refused and change nothing."""
        kind = chance.choice(["unsigned", "tampered", "garbage", "oversized"])
        delivery = Delivery(f"SM{uuid.uuid4().hex}", number, kind, time.monotonic())
        if kind == "unsigned":
            delivery.copies = [sms(self.server, "necesito ayuda", sid=delivery.sid, sign=False)]
        elif kind == "tampered":
            delivery.copies = [sms(self.server, "hola", sid=delivery.sid, tamper={"Body": "STOP"})]
        else:
            body = b"%%\xff\xfe&&=" * 40 if kind == "garbage" else b"a=" + b"x" * 1_200_000
            delivery.copies = [self.raw_post(body)]
        delivery.seconds = time.monotonic() - delivery.sent_at
        with self.lock:
            self.deliveries.append(delivery)

    def raw_post(self, body: bytes) -> tuple[int, str | None]:
        request = urllib.request.Request(f"{self.server.url}/webhooks/sms/webhook", body, {"X-Twilio-Signature": "forged"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, None
        except OSError:  # the server may close an oversized upload before reading it all
            return 413, None

    # -- the faults ---------------------------------------------------------------------------
    def faults(self, postgres: ScratchPostgres, redis: ScratchRedis) -> list[Fault]:
        """The action server killed, PostgreSQL down, Redis down, in turn."""
        outage = min(60.0, max(8.0, self.seconds * 0.05))
        start = self.deadline - self.seconds
        happened = []
        for share, name in ((0.25, "action server killed"), (0.45, "PostgreSQL down"), (0.65, "Redis down")):
            time.sleep(max(0.0, start + share * self.seconds - time.monotonic()))  # the schedule
            fault = Fault(name, time.monotonic())
            if name == "action server killed":
                self.server.kill_action_server()
                wait_for(self.server.action_server_up, timeout=120, what="the supervisor to restart the action server")
            else:
                with (postgres if name.startswith("PostgreSQL") else redis).outage():
                    time.sleep(outage)  # the outage's length is the point
            fault.ended = time.monotonic()
            happened.append(fault)
        return happened

    # -- the count ----------------------------------------------------------------------------
    def report(self, stored: Counter[str], faults: list[Fault]) -> dict:
        hostile = [d for d in self.deliveries if d.kind in {"unsigned", "tampered", "garbage", "oversized"}]
        messages = [d for d in self.deliveries if d not in hostile]
        statuses = Counter(status for d in self.deliveries for status, _ in d.copies)

        def answers(d: Delivery) -> set[str]:
            return {reply for status, reply in d.copies if status == 200 and reply and reply not in self.apologies}

        answered = [d for d in messages if answers(d)]
        apologised = [d for d in messages if not answers(d) and any(r in self.apologies for _, r in d.copies)]
        silenced = [d for d in messages if not answers(d) and d not in apologised]
        for fault in faults:
            after = [d.sent_at for d in answered if d.kind == "question" and d.sent_at >= fault.ended]
            fault.recovered_seconds = round(min(after) - fault.ended, 1) if after else None
        lost = [d for d in answered if d.kind not in NOT_A_TURN and stored[d.sid] == 0]
        started = self.deadline - self.seconds
        latencies = sorted(d.seconds for d in answered)
        return {
            "seconds": round(self.seconds),
            "people": PEOPLE,
            "webhooks_sent": sum(len(d.copies) for d in self.deliveries),
            "messages": len(messages),
            "retried_messages": sum(len(d.copies) > 1 for d in messages),
            "odd_input": dict(Counter(d.kind for d in messages if d.kind != "question")),
            "answered": len(answered),
            "apologised": len(apologised),
            "apologised_then_answered_later": "counted in answered: the person's new message has a new MessageSid",
            "stored_turns": sum(stored[d.sid] for d in messages),
            "hostile_sent": len(hostile),
            "hostile_refused": sum(all(status in (400, 403, 413) for status, _ in d.copies) for d in hostile),
            "hostile_stored": sum(stored[d.sid] for d in hostile),
            "duplicated": sum(stored[d.sid] > 1 for d in self.deliveries),
            "lost": len(lost),
            "lost_examples": [
                {
                    "kind": d.kind,
                    "at_second": round(d.sent_at - started),
                    "copies": len(d.copies),
                    "reply": str(next(iter(answers(d))))[:80],
                }
                for d in lost[:8]
            ],
            "silenced": len(silenced),
            "different_answers_to_one_message": sum(len(answers(d)) > 1 for d in messages),
            "server_errors": sum(count for status, count in statuses.items() if status >= 500),
            "statuses": {str(status): count for status, count in sorted(statuses.items())},
            "latency_ms": {
                "p50": round(statistics.median(latencies) * 1000) if latencies else None,
                "p95": round(latencies[int(len(latencies) * 0.95)] * 1000) if latencies else None,
            },
            "faults": [
                {"fault": f.name, "seconds": round(f.ended - f.started, 1), "answering_again_after_seconds": f.recovered_seconds}
                for f in faults
            ],
        }


def stored_turns(store: Database) -> Counter[str]:
    """How many user events each MessageSid left in the tracker store."""
    rows = query(store, "SELECT data FROM events WHERE type_name = 'user'")
    return Counter(json.loads(data).get("message_id") for (data,) in rows)


def failed(report: dict) -> list[str]:
    checks = ("lost", "duplicated", "silenced", "server_errors", "different_answers_to_one_message", "hostile_stored")
    problems = [f"{name}: {report[name]}" for name in checks if report[name]]
    if report["hostile_refused"] != report["hostile_sent"]:
        problems.append(f"hostile requests not refused: {report['hostile_sent'] - report['hostile_refused']}")
    return problems


def soak(minutes: float, workdir: Path) -> dict:
    """Run the soak for `minutes` against a fresh production-profile assistant; the report."""
    with (
        ScratchPostgres(POSTGRES_PORT) as postgres,
        postgres_database("bot_soak", postgres.server) as database,
        ScratchRedis(REDIS_PORT) as redis,
    ):
        env = channel_environment(f"http://127.0.0.1:{RASA_PORT}", "http://127.0.0.1:9") | production_environment(database)
        env |= {"REDIS_PORT": str(REDIS_PORT), "CREDENTIALS": "credentials.production.yml"}
        with running_assistant(workdir, RASA_PORT, ACTIONS_PORT, ROOT / "endpoints.production.yml", env) as server:
            run = Soak(server, minutes * 60)
            with ThreadPoolExecutor(PEOPLE + 1) as pool:
                people = [pool.submit(run.person, number) for number in range(PEOPLE)]
                faults = pool.submit(run.faults, postgres, redis)
                for person in people:
                    person.result()
                report = run.report(stored_turns(database), faults.result())
            report["rss_mb_at_end"] = round(server.rss_megabytes())
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--output", type=Path, default=ROOT / "results" / "soak.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        report = soak(args.minutes, Path(scratch))
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    problems = failed(report)
    print("soak:", "FAILED: " + "; ".join(problems) if problems else "0 lost, 0 duplicated, 0 silenced, 0 server errors")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
