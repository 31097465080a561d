"""Reading the events Rasa stores (one JSON document per event) back as what staff see.

The conversation index, the transcript page and intent corrections all need a person's message
with what the assistant understood of it; this is the one place that knows where those live in a
stored event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.dialogue import Slot


@dataclass
class UserMessageSeen:
    """A person's message and what the assistant made of it."""

    text: str
    intent: str | None
    confidence: float | None
    language: str | None


def user_message(data: dict[str, Any]) -> UserMessageSeen:
    """A stored `user` event's message (`data` is the event's JSON, decoded)."""
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    return UserMessageSeen(
        data.get("text") or "", intent.get("name"), intent.get("confidence"), (parse.get("language") or {}).get("code")
    )


@dataclass
class Turn:
    """One line of a transcript: a person's message (with what was understood and the article
    answered) or the assistant's reply."""

    who: str  # "user" | "bot" | "staff"
    at: float
    text: str
    event_id: int | None = None
    seen: UserMessageSeen | None = None
    article: str | None = None
    corrected: str | None = None
    by: str | None = None  # the staff member who wrote it


STAFF = "staff"
"""The metadata key of a message a staff member sent from the console (its value: who)."""


def staff_message(text: str, user: str, at: float) -> dict[str, Any]:
    """A staff member's message as a stored `bot` event of the conversation: the transcript shows
    it, and DELETE and retention erase it with the rest of the conversation."""
    return {"event": "bot", "timestamp": at, "text": text, "data": {}, "metadata": {STAFF: user}}


def transcript(rows: Iterable[Any], corrections: dict[int, str]) -> list[Turn]:
    """Turns from stored event rows (id, type_name, timestamp, data) of one conversation, oldest
    first; `corrections` maps a message's event id to the intent staff corrected it to."""
    turns: list[Turn] = []
    for row in rows:
        data = json.loads(row.data)
        if row.type_name == "user":
            seen = user_message(data)
            turns.append(Turn("user", row.timestamp, seen.text, row.id, seen, corrected=corrections.get(row.id)))
        elif row.type_name == "bot" and data.get("text"):
            by = (data.get("metadata") or {}).get(STAFF)
            turns.append(Turn(STAFF if by else "bot", row.timestamp, data["text"], by=by))
        elif data.get("name") == Slot.ARTICLE and data.get("value"):
            asked = [turn for turn in turns if turn.who == "user"]
            if asked:
                asked[-1].article = data["value"]
    return turns
