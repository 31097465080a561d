"""The console's tables, in the tracker store's database (bot.database)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.database import metadata

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # admin | reviewer
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # the cookie holds the token; we keep its hash
    sa.Column("user", sa.String(80), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)
audit = sa.Table(
    "console_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("user", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(255), nullable=False, default=""),
)
reviews = sa.Table(
    "console_reviews",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed", sa.Boolean, nullable=False, default=False),
    sa.Column("tags", sa.String(255), nullable=False, default=""),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("updated_by", sa.String(80)),
    sa.Column("updated_at", sa.Float),
)
corrections = sa.Table(
    "console_corrections",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True),  # one correction per user message
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("language", sa.String(8)),
    sa.Column("predicted", sa.String(80)),
    sa.Column("intent", sa.String(80), nullable=False),
    sa.Column("by", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)
# The index: what the list and search need, derived from `events` by bot.console.index.
conversations = sa.Table(
    "console_conversations",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(32)),
    sa.Column("language", sa.String(8)),
    sa.Column("first_at", sa.Float),
    sa.Column("last_at", sa.Float, index=True),
    sa.Column("messages", sa.Integer, nullable=False, default=0),
    sa.Column("unsure", sa.Boolean, nullable=False, default=False),
    sa.Column("asked_person", sa.Boolean, nullable=False, default=False),
    sa.Column("opted_out", sa.Boolean, nullable=False, default=False),
    sa.Column("intents", sa.Text, nullable=False, default=""),  # " a b c " for LIKE '% b %'
)
messages = sa.Table(
    "console_messages",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(80)),
    sa.Column("confidence", sa.Float),
    sa.Column("language", sa.String(8)),
    sa.Column("article", sa.String(80)),
)
state = sa.Table(
    "console_state",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)
