"""Our own tables (handoff requests, the console's), kept in the tracker store's database.

The database is the one the deployment's Rasa endpoints file names, so a deployment configures one
database, not two. This module reads that file itself, with SQLAlchemy and YAML only: the action
server, which stores handoff requests, does not need Rasa core to find it.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import yaml

metadata = sa.MetaData()
"""Every table of ours; each module that owns tables defines them on this."""


def tracker_store_config(endpoints: Path) -> dict[str, Any]:
    """The `tracker_store` section of a Rasa endpoints file, ${VARIABLES} filled in as Rasa does."""
    text = os.path.expandvars(endpoints.read_text(encoding="utf-8"))
    return (yaml.safe_load(text) or {}).get("tracker_store") or {}


def database_url(config: dict[str, Any]) -> sa.engine.URL | str:
    """The SQLAlchemy URL of a SQL tracker store's settings (the same rules as Rasa's SQLTrackerStore:
    `url` may be a host, host:port or a complete URL; SQLite by default)."""
    dialect, host, port = config.get("dialect", "sqlite"), config.get("url"), config.get("port")
    if host and "://" in str(host):
        return str(host)
    if host:
        parsed = urlsplit(f"scheme://{host}")
        host, port = parsed.hostname or host, parsed.port or port
    return sa.engine.URL.create(
        dialect,
        config.get("username"),
        config.get("password"),
        host,
        int(port) if port else None,
        database=config.get("db", "rasa.db"),
    )


@cache
def engine_for(endpoints: Path) -> sa.engine.Engine:
    """An engine on the tracker store's database, with our tables created."""
    # pre-ping: after a database outage the pool holds dead connections; it swaps them for live ones.
    engine = sa.create_engine(database_url(tracker_store_config(endpoints)), hide_parameters=True, pool_pre_ping=True)
    create_tables(engine)
    return engine


def create_tables(engine: sa.engine.Engine, tables: list[sa.Table] | None = None) -> None:
    """Create our tables that do not exist yet. Several instances starting at once may race to
    create the same table, and PostgreSQL then refuses the loser with a unique violation in its
    catalogue; looking again finds the winner's table."""
    try:
        metadata.create_all(engine, tables=tables)
    except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
        metadata.create_all(engine, tables=tables)
    add_new_columns(engine, tables or list(metadata.tables.values()))


def add_new_columns(engine: sa.engine.Engine, tables: list[sa.Table]) -> None:
    """Columns added to a table after a deployment created it (always nullable): ALTER TABLE ADD
    COLUMN, the one migration SQLite and PostgreSQL both do in place."""
    inspector = sa.inspect(engine)
    for table in tables:
        existing = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in existing:
                kind = column.type.compile(engine.dialect)
                try:
                    with engine.begin() as db:
                        db.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
                except sa.exc.DBAPIError:  # another instance starting at the same time added it
                    if column.name not in {c["name"] for c in sa.inspect(engine).get_columns(table.name)}:
                        raise
