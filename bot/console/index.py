"""Keeping the console's index up to date with the tracker store.

Rasa keeps one row per event with the event as JSON; listing 10,000 conversations from that on
every page view would parse every event each time. The index is updated from the events added
since the last refresh, so a page view costs a few indexed queries. Conversations that a person
deleted (DELETE) or that retention purged disappear from the index too.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from bot.console.db import conversations, messages, state
from bot.console.events import user_message
from bot.dialogue import Intent, Slot

EVENTS = sa.table(
    "events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"), sa.column("timestamp"), sa.column("data")
)
UNSURE = {Intent.FALLBACK, Intent.OUT_OF_SCOPE}
LAST_EVENT = "last_event_id"


def _channel(sender: str, data: dict[str, Any]) -> str:
    return data.get("input_channel") or sender.split("-", 1)[0]


def refresh(engine: sa.engine.Engine) -> int:
    """Index the events added since the last refresh; returns how many were read."""
    with engine.begin() as db:
        last = db.execute(sa.select(state.c.value).where(state.c.key == LAST_EVENT)).scalar() or 0
        rows = db.execute(
            sa.select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.id > last, EVENTS.c.type_name.in_(["user", "slot"]))
            .order_by(EVENTS.c.id)
        ).fetchall()
        changed: dict[str, dict[str, Any]] = {}
        new_messages: list[dict[str, Any]] = []
        latest: dict[str, dict[str, Any]] = {}  # sender -> their latest message in this batch
        articles: dict[str, str] = {}  # sender -> article answered after a message indexed earlier
        for row in rows:
            data = json.loads(row.data)
            summary = changed.setdefault(row.sender_id, {"messages": 0, "intents": set()})
            if row.type_name == "user":
                seen = user_message(data)
                intent = seen.intent
                latest[row.sender_id] = {
                    "event_id": row.id,
                    "sender_id": row.sender_id,
                    "at": row.timestamp,
                    "text": seen.text,
                    "intent": intent,
                    "confidence": seen.confidence,
                    "language": seen.language,
                    "article": None,
                }
                new_messages.append(latest[row.sender_id])
                summary["messages"] += 1
                summary.setdefault("first_at", row.timestamp)
                summary["last_at"] = row.timestamp
                summary["channel"] = _channel(row.sender_id, data)
                summary["intents"].add(intent)
                summary["unsure"] = summary.get("unsure") or intent in UNSURE
                summary["asked_person"] = summary.get("asked_person") or intent == Intent.ASK_HUMAN
            elif data.get("name") == Slot.LANGUAGE and data.get("value"):
                summary["language"] = data["value"]
            elif data.get("name") == Slot.OPTED_OUT and data.get("value") is not None:
                summary["opted_out"] = bool(data["value"])
            elif data.get("name") == Slot.ARTICLE and data.get("value"):
                if row.sender_id in latest:
                    latest[row.sender_id]["article"] = data["value"]
                else:
                    articles[row.sender_id] = data["value"]
        if new_messages:
            db.execute(messages.insert(), new_messages)
        for sender, article in articles.items():
            latest = sa.select(sa.func.max(messages.c.event_id)).where(messages.c.sender_id == sender).scalar_subquery()
            db.execute(messages.update().where(messages.c.event_id == latest).values(article=article))
        _merge_conversations(db, changed)
        _forget_deleted(db)
        if rows:
            _set_last(db, rows[-1].id)
    return len(rows)


def _merge_conversations(db: sa.engine.Connection, changed: dict[str, dict[str, Any]]) -> None:
    existing: dict[str, dict[str, Any]] = {}
    senders = list(changed)
    for start in range(0, len(senders), 500):
        chunk = senders[start : start + 500]
        existing |= {
            r.sender_id: r._asdict() for r in db.execute(sa.select(conversations).where(conversations.c.sender_id.in_(chunk)))
        }
    inserts = []
    for sender, summary in changed.items():
        old = existing.get(sender)
        intents = set(filter(None, (old["intents"].split() if old else []))) | set(filter(None, summary["intents"]))
        row = {
            "channel": summary.get("channel") or (old and old["channel"]),
            "language": summary.get("language") or (old and old["language"]),
            "first_at": (old and old["first_at"]) or summary.get("first_at"),
            "last_at": summary.get("last_at") or (old and old["last_at"]),
            "messages": (old["messages"] if old else 0) + summary["messages"],
            "unsure": bool((old and old["unsure"]) or summary.get("unsure")),
            "asked_person": bool((old and old["asked_person"]) or summary.get("asked_person")),
            "opted_out": summary["opted_out"] if "opted_out" in summary else bool(old and old["opted_out"]),
            "intents": f" {' '.join(sorted(intents))} ",
        }
        if old:
            db.execute(conversations.update().where(conversations.c.sender_id == sender).values(**row))
        elif row["messages"]:
            inserts.append({"sender_id": sender, **row})
    if inserts:
        db.execute(conversations.insert(), inserts)


def _forget_deleted(db: sa.engine.Connection) -> None:
    """Drop index rows whose conversation is gone from the tracker store (DELETE, purge)."""
    alive = sa.select(EVENTS.c.sender_id)
    db.execute(messages.delete().where(messages.c.sender_id.not_in(alive)))
    db.execute(conversations.delete().where(conversations.c.sender_id.not_in(alive)))


def _set_last(db: sa.engine.Connection, event_id: int) -> None:
    updated = db.execute(state.update().where(state.c.key == LAST_EVENT).values(value=event_id)).rowcount
    if not updated:
        db.execute(state.insert().values(key=LAST_EVENT, value=event_id))
