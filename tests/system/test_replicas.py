"""Three Rasa instances behind a load balancer, sharing PostgreSQL, Redis and the action server,
as deploy/kubernetes runs them (here as processes on loopback). People send several messages in quick succession, every webhook goes to
a random instance, and Twilio's retries of it reach other instances at nearly the same moment: no
message is lost, none is processed twice, and each conversation keeps the order its messages were
sent in."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import ROOT
from tools.local_server import running_assistant
from tools.scratch import ScratchRedis, postgres_database, production_environment, query
from tools.waiting import wait_for
from tools.webhooks import channel_environment, sms

RASA_PORTS, ACTIONS_PORT, REDIS_PORT = (5121, 5122, 5123), 5171, 6393
QUESTIONS = [
    "cuanto cuesta la ciudadania",
    "necesito clases de ingles",
    "como renuevo mi green card",
    "necesito un abogado",
    "como pido permiso de trabajo",
    "que hago si me para la policia",
]


@contextmanager
def another_instance(workdir: Path, port: int, env: dict[str, str]) -> Iterator[str]:
    """One more Rasa instance on the endpoints the first one wrote (same database, Redis, actions)."""
    log = (workdir / f"rasa-{port}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.rasa_launcher", "run", "--interface", "127.0.0.1", "--port", str(port),
         "--endpoints", str(workdir / "endpoints.yml"), "--credentials", "credentials.production.yml", "--model", "models"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        assert process.poll() is None, f"the instance on port {port} stopped while starting"
        try:
            return sms(SimpleNamespace(url=url), "", sign=False)[0] == 403  # up, and refusing what Twilio did not sign
        except OSError:
            return False

    try:
        wait_for(answering, timeout=300, what=f"the instance on port {port}", interval=0.5)
        yield url
    finally:
        process.terminate()
        process.wait(30)
        log.close()


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("replicas")
    with postgres_database("bot_replicas") as database, ScratchRedis(REDIS_PORT):
        public = f"http://127.0.0.1:{RASA_PORTS[0]}"  # the load balancer's address, which Twilio signs
        env = channel_environment(public, "http://127.0.0.1:9") | production_environment(database)
        env |= {"REDIS_PORT": str(REDIS_PORT), "CREDENTIALS": "credentials.production.yml"}
        with (
            running_assistant(workdir, RASA_PORTS[0], ACTIONS_PORT, ROOT / "endpoints.production.yml", env) as first,
            ExitStack() as others,
        ):
            urls = [first.url] + [others.enter_context(another_instance(workdir, port, env)) for port in RASA_PORTS[1:]]
            yield SimpleNamespace(urls=urls, public=public, store=database)


def conversation(instances, person: int) -> list[set[str | None]]:
    """One person's questions, each delivered three times (Twilio's retries) to random instances,
    the copies up to 200 ms apart. Even-numbered people wait for each answer before the next
    question; odd-numbered ones send all of them 10 ms apart without waiting. The distinct replies
    each question got."""
    chance = random.Random(person)
    phone, waits = f"+1617555{person:04d}", person % 2 == 0

    def deliveries(number: int, question: str) -> list[tuple[float, str, partial]]:
        send = partial(sms, body=f"{question} ({person})", sid=f"SM{uuid.uuid4().hex}", phone=phone,
                       public_url=f"{instances.public}/webhooks/sms/webhook")  # fmt: skip
        first = 0 if waits else number * 0.01
        return [(first + (copy and chance.uniform(0, 0.2)), chance.choice(instances.urls), send) for copy in range(3)]

    def deliver(started: float, delivery: tuple[float, str, partial]) -> tuple[str, tuple[int, str | None]]:
        at, url, send = delivery
        time.sleep(max(0.0, started + at - time.monotonic()))  # a schedule to keep, not a condition to wait for
        return send.keywords["body"], send(SimpleNamespace(url=url))

    batches = [deliveries(n, q) for n, q in enumerate(QUESTIONS)] if waits else [
        [d for n, q in enumerate(QUESTIONS) for d in deliveries(n, q)]
    ]  # fmt: skip
    results = []
    for batch in batches:
        with ThreadPoolExecutor(len(batch)) as pool:
            results += pool.map(partial(deliver, time.monotonic()), batch)
    assert {status for _, (status, _) in results} == {200}, results
    return [{reply for body, (_, reply) in results if body == f"{question} ({person})"} for question in QUESTIONS]


def turns_overlap(events: list[tuple[str, dict]]) -> bool:
    """Whether a message of the conversation was taken before the turn of the one before ended
    (Rasa ends each turn by listening again)."""
    listening = True
    for kind, data in events:
        if kind == "user":
            if not listening:
                return True
            listening = False
        elif kind == "action" and data.get("name") == "action_listen":
            listening = True
    return False


def test_three_instances_lose_nothing_process_nothing_twice_and_keep_each_conversations_order(instances):
    people = range(8)
    with ThreadPoolExecutor(len(people)) as pool:
        replies = list(pool.map(partial(conversation, instances), people))
    for person_replies in replies:  # one answer, the same to every delivery of a message
        assert all(len(distinct) == 1 and None not in distinct for distinct in person_replies), [
            [text[:60] if text else text for text in distinct] for distinct in person_replies
        ]
    conversations: dict[str, list[tuple[str, dict]]] = {}
    for sender, kind, data in query(instances.store, "SELECT sender_id, type_name, data FROM events ORDER BY id"):
        conversations.setdefault(sender, []).append((kind, json.loads(data)))
    assert len(conversations) == len(people)
    for events in conversations.values():
        texts = [data["text"] for kind, data in events if kind == "user"]
        person = texts[0].rsplit("(", 1)[1].rstrip(")")
        sent = [f"{question} ({person})" for question in QUESTIONS]
        assert sorted(texts) == sorted(sent)  # none lost, none processed twice
        assert not turns_overlap(events)
        if int(person) % 2 == 0:
            assert texts == sent  # sent one after the other: taken in that order
