"""Requests to be contacted by a person: stored apart from conversations, the contact encrypted
with the deployment key, deleted when resolved or after the retention period.

The action server writes them and the console reads them, so this module needs only SQLAlchemy
and the deployment's settings, never Rasa core.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from bot.database import engine_for, metadata
from bot.privacy.crypto import decrypt, encrypt
from bot.settings import settings

handoffs = sa.Table(
    "console_handoffs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("language", sa.String(8)),
    sa.Column("channel", sa.String(32)),
    sa.Column("contact", sa.Text, nullable=False),  # encrypted (bot.privacy.crypto)
    sa.Column("status", sa.String(16), nullable=False, default="open"),  # open | contacted
    sa.Column("created_at", sa.Float, nullable=False),
)  # fmt: skip


def add(sender: str, language: str, channel: str | None, contact: str) -> None:
    with engine_for(settings().endpoints).begin() as db:
        db.execute(
            handoffs.insert().values(
                sender_id=sender,
                language=language,
                channel=channel,
                contact=encrypt(contact),
                status="open",
                created_at=time.time(),
            )
        )


def queue(engine: sa.engine.Engine) -> list[dict]:
    with engine.connect() as db:
        rows = db.execute(sa.select(handoffs).order_by(handoffs.c.created_at)).fetchall()
    return [{**row._asdict(), "contact": decrypt(row.contact)} for row in rows]


def mark_contacted(engine: sa.engine.Engine, request_id: int) -> None:
    with engine.begin() as db:
        db.execute(handoffs.update().where(handoffs.c.id == request_id).values(status="contacted"))


def resolve(engine: sa.engine.Engine, request_id: int) -> None:
    """Resolved requests are deleted, contact and all."""
    with engine.begin() as db:
        db.execute(handoffs.delete().where(handoffs.c.id == request_id))


def forget(senders: list[str], engine: sa.engine.Engine | None = None) -> int:
    """Delete every request (contact included) of these conversations: DELETE and retention erase
    a person entirely, not only their messages. How many requests were deleted."""
    if not senders:
        return 0
    with (engine or engine_for(settings().endpoints)).begin() as db:
        return db.execute(handoffs.delete().where(handoffs.c.sender_id.in_(senders))).rowcount


def purge(engine: sa.engine.Engine, older_than_days: float) -> int:
    with engine.begin() as db:
        return db.execute(handoffs.delete().where(handoffs.c.created_at < time.time() - older_than_days * 86400)).rowcount
