"""The production profile (endpoints.production.yml) against the real local PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json
import uuid

import psycopg2
import pytest
import redis

from bot import ROOT

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


@pytest.fixture
def production_env(monkeypatch):
    """Environment for endpoints.production.yml, with a scratch database dropped afterwards."""
    name = f"bot_test_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')  # in production the operator creates it
    for key, value in {"DB_HOST": PG["host"], "DB_PORT": str(PG["port"]), "DB_NAME": name, "DB_USER": PG["user"],
                       "DB_PASSWORD": "", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
                       "ACTION_SERVER_URL": "http://localhost:5055/webhook"}.items():
        monkeypatch.setenv(key, value)
    yield name
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_conversations_go_to_postgresql_through_a_redis_lock_store(production_env):
    from rasa.core.lock_store import RedisLockStore
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.assistant import Assistant

    assert redis.Redis(host="127.0.0.1", port=6379).ping()
    assistant = Assistant(endpoints=ROOT / "endpoints.production.yml")
    # Rasa wraps the store in a FailSafeTrackerStore that would quietly fall back to memory:
    # the query at the end proves the events really reached PostgreSQL.
    assert isinstance(assistant.agent.tracker_store._tracker_store, SQLTrackerStore)
    assert isinstance(assistant.agent.lock_store, RedisLockStore)

    async def conversation() -> list:
        return [await assistant.ask(text, "pg-user") for text in ("cuánto cuesta la ciudadanía", "1")]

    first, second = asyncio.new_event_loop().run_until_complete(conversation())
    assert (first.language, first.article) == ("es", "citizenship.fees")
    assert second.language == "es" and second.article == "citizenship.apply"

    with psycopg2.connect(dbname=production_env, **PG) as db, db.cursor() as cursor:
        cursor.execute("SELECT type_name, data FROM events WHERE sender_id = 'pg-user' ORDER BY id")
        rows = cursor.fetchall()
    texts = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
    assert texts == ["cuánto cuesta la ciudadanía", "1"]
