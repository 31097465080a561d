"""The production profile (endpoints.production.yml) against the real local PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis

from bot import ROOT
from tools.scratch import postgres_database, production_environment, query


@pytest.fixture
def production_env(environment):
    """Environment for endpoints.production.yml, with a scratch database dropped afterwards."""
    with postgres_database() as name:
        environment(**production_environment(name))
        yield name


def test_conversations_go_to_postgresql_through_a_redis_lock_store(production_env):
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.assistant import Assistant
    from bot.locks import AtomicRedisLockStore

    assert redis.Redis(host="127.0.0.1", port=6379).ping()
    assistant = Assistant(endpoints=ROOT / "endpoints.production.yml")
    # Rasa wraps the store in a FailSafeTrackerStore that would quietly fall back to memory:
    # the query at the end proves the events really reached PostgreSQL.
    assert isinstance(assistant.agent.tracker_store, SQLTrackerStore)  # not wrapped: a store error is not hidden
    assert isinstance(assistant.agent.lock_store, AtomicRedisLockStore)

    async def conversation() -> list:
        return [await assistant.ask(text, "pg-user") for text in ("cuánto cuesta la ciudadanía", "1")]

    first, second = asyncio.new_event_loop().run_until_complete(conversation())
    assert (first.language, first.article) == ("es", "citizenship.fees")
    assert second.language == "es" and second.article == "citizenship.apply"

    rows = query(production_env, "SELECT type_name, data FROM events WHERE sender_id = 'pg-user' ORDER BY id")
    texts = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
    assert texts == ["cuánto cuesta la ciudadanía", "1"]
