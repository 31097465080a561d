"""Scratch stores for the system tests: a PostgreSQL database that disappears afterwards, queries
into it (or into a SQLite file), and endpoints files that point at them."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import yaml

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
"""The local PostgreSQL server (trust authentication on loopback)."""


@contextmanager
def postgres_database(prefix: str = "bot_test") -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped (connections and all) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')  # in production the operator creates it
    try:
        yield name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def query(database: str | Path, sql: str) -> list[tuple]:
    """Rows of `sql` in a scratch PostgreSQL database (its name) or SQLite database (its path)."""
    if isinstance(database, Path):
        with sqlite3.connect(database) as db:
            return db.execute(sql).fetchall()
    with psycopg2.connect(dbname=database, **PG) as db, db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def endpoints_file(directory: Path, database: str | Path) -> Path:
    """An endpoints file whose redacting SQL tracker store is `database`: a SQLite file (a path)
    or a scratch PostgreSQL database (a name)."""
    store: dict[str, object] = {"type": "bot.privacy.store.RedactingSQLTrackerStore"}
    if isinstance(database, Path):
        store |= {"dialect": "sqlite", "db": str(database)}
    else:
        store |= {"dialect": "postgresql", "url": PG["host"], "port": PG["port"], "db": database, "username": PG["user"]}
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump({"tracker_store": store}))
    return path


def production_environment(database: str) -> dict[str, str]:
    """What endpoints.production.yml reads from the environment, for a scratch database."""
    return {
        "DB_HOST": PG["host"], "DB_PORT": str(PG["port"]), "DB_NAME": database, "DB_USER": PG["user"], "DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "ACTION_SERVER_URL": "http://localhost:5055/webhook",
    }  # fmt: skip
