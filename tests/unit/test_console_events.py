"""Stored events read back as staff see them (bot/console/events.py), without a database."""

from __future__ import annotations

import json
from types import SimpleNamespace

from bot.console.events import transcript, user_message


def row(event_id: int, type_name: str, data: dict) -> SimpleNamespace:
    return SimpleNamespace(id=event_id, type_name=type_name, timestamp=1_700_000_000.0 + event_id, data=json.dumps(data))


def test_a_stored_user_event_gives_its_text_intent_confidence_and_language():
    seen = user_message(
        {"text": "hola", "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "language": {"code": "es"}}}
    )
    assert (seen.text, seen.intent, seen.confidence, seen.language) == ("hola", "greet", 0.9, "es")
    assert user_message({}).text == "" and user_message({}).intent is None


def test_a_transcript_pairs_each_message_with_the_article_answered_and_its_correction():
    rows = [
        row(1, "user", {"text": "cuanto cuesta", "parse_data": {"intent": {"name": "citizenship.fees", "confidence": 0.8}}}),
        row(2, "slot", {"name": "language", "value": "es"}),
        row(3, "slot", {"name": "article", "value": "citizenship.fees"}),
        row(4, "bot", {"text": "La solicitud N-400 cuesta..."}),
        row(5, "bot", {"text": None}),  # a bot event without text (buttons only) is not a line
        row(6, "user", {"text": "gracias", "parse_data": {"intent": {"name": "thank", "confidence": 0.7}}}),
    ]
    turns = transcript(rows, corrections={6: "goodbye"})
    assert [(t.who, t.text) for t in turns] == [
        ("user", "cuanto cuesta"),
        ("bot", "La solicitud N-400 cuesta..."),
        ("user", "gracias"),
    ]
    assert turns[0].article == "citizenship.fees" and turns[0].event_id == 1 and turns[0].corrected is None
    assert turns[2].article is None and turns[2].corrected == "goodbye" and turns[2].seen.intent == "thank"
