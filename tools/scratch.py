"""Scratch stores for the system tests and `make soak`: PostgreSQL databases that disappear
afterwards (on the machine's server, or on a PostgreSQL and a Redis of our own that can be stopped
the way a crash would stop them), queries into them (or into a SQLite file), and endpoints files
and environments that point at them."""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import yaml
from typing_extensions import Self

from tools.waiting import wait_for


@dataclass(frozen=True)
class Postgres:
    """A PostgreSQL server on loopback with trust authentication."""

    port: int = 5432
    host: str = "127.0.0.1"
    user: str = "postgres"

    def connect(self, database: str = "postgres") -> psycopg2.extensions.connection:
        return psycopg2.connect(dbname=database, host=self.host, port=self.port, user=self.user, connect_timeout=5)


MACHINE_POSTGRES = Postgres()
"""The machine's PostgreSQL (started before the session, shared: never stopped by a test)."""


@dataclass(frozen=True)
class Database:
    """A scratch database: its name, on its server."""

    name: str
    server: Postgres = MACHINE_POSTGRES


@contextmanager
def postgres_database(prefix: str = "bot_test", server: Postgres = MACHINE_POSTGRES) -> Iterator[Database]:
    """A new, empty PostgreSQL database, dropped (connections and all) afterwards."""
    database = Database(f"{prefix}_{uuid.uuid4().hex[:8]}", server)
    admin = server.connect()
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{database.name}"')  # in production the operator creates it
    try:
        yield database
    finally:
        admin.close()
        admin = server.connect()  # afresh: the server may have been restarted meanwhile
        admin.autocommit = True
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
        admin.close()


def query(database: Database | Path, sql: str) -> list[tuple]:
    """Rows of `sql` in a scratch PostgreSQL database or a SQLite database (its path); a statement
    that changes rows is committed and returns none."""
    if isinstance(database, Path):
        with sqlite3.connect(database) as db:
            return db.execute(sql).fetchall()
    connection = database.server.connect(database.name)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall() if cursor.description else []
        connection.commit()
        return rows
    finally:
        connection.close()


def everything_in(database: Database | Path) -> str:
    """Every row of every table of a scratch database as one string, JSON cells decoded (so "王"
    is found as written, not as a \\u escape)."""
    if isinstance(database, Path):
        tables = [name for (name,) in query(database, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    else:
        tables = [
            name for (name,) in query(database, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        ]

    def readable(cell: object) -> str:
        try:
            return json.dumps(json.loads(cell), ensure_ascii=False) if isinstance(cell, str) else str(cell)
        except ValueError:
            return str(cell)

    return "\n".join(" ".join(map(readable, row)) for table in tables for row in query(database, f'SELECT * FROM "{table}"'))


def endpoints_file(directory: Path, database: Database | Path) -> Path:
    """An endpoints file whose redacting SQL tracker store is `database`: a SQLite file (a path)
    or a scratch PostgreSQL database."""
    store: dict[str, object] = {"type": "bot.privacy.store.RedactingSQLTrackerStore"}
    if isinstance(database, Path):
        store |= {"dialect": "sqlite", "db": str(database)}
    else:
        server = database.server
        store |= {"dialect": "postgresql", "url": server.host, "port": server.port, "db": database.name, "username": server.user}
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump({"tracker_store": store}))
    return path


def production_environment(database: Database) -> dict[str, str]:
    """What endpoints.production.yml reads from the environment, for a scratch database."""
    server = database.server
    return {
        "DB_HOST": server.host, "DB_PORT": str(server.port), "DB_NAME": database.name, "DB_USER": server.user, "DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "ACTION_SERVER_URL": "http://localhost:5055/webhook",
        "ACTION_SERVER_TOKEN": "test-action-server-token",
    }  # fmt: skip


class ScratchServer:
    """A server of our own that a test may crash and bring back; used as a context manager, it
    runs for the block and leaves nothing behind."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop at once, as a crash would: clients are cut off without a goodbye."""
        raise NotImplementedError

    def remove(self) -> None:
        self.stop()

    @contextmanager
    def outage(self) -> Iterator[None]:
        """While inside, the server is down; afterwards it is back."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.remove()


class ScratchPostgres(ScratchServer):
    """A PostgreSQL server of our own in a temporary directory (trust authentication, loopback,
    no fsync), so that a test can stop it as a crash would without touching the machine's server.
    PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user."""

    def __init__(self, port: int) -> None:
        self.server = Postgres(port)
        self.directory = Path(tempfile.mkdtemp(prefix="scratch-postgres-"))
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.directory, "postgres")
        self.running = False

    @staticmethod
    def _program(name: str) -> str:
        installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(path.split("/")[4]))
        return installed[-1] if installed else name  # Debian keeps them off PATH; elsewhere, on PATH

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_owner, *command], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        data = self.directory / "data"
        if not data.exists():
            self._run(self._program("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = f"-p {self.server.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self._program("pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.directory / "log"), "-w", "start")
        self.running = True

    def stop(self) -> None:
        """Stop at once, as a crash would: clients are cut off, the next start recovers."""
        if self.running:
            self._run(self._program("pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")
            self.running = False

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class ScratchRedis(ScratchServer):
    """A Redis server of our own on `port`, nothing kept on disk: after an outage it is empty."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.up, timeout=10, what=f"Redis on port {self.port}")

    def stop(self) -> None:
        if self.process:
            self.process.kill()  # as a crash would: no goodbye to the clients
            self.process.wait(10)
            self.process = None

    def up(self) -> bool:
        import redis

        assert self.process is None or self.process.poll() is None, f"redis-server exited: is port {self.port} taken?"
        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2).ping())
        except redis.ConnectionError:
            return False
