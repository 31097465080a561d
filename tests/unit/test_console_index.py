"""The console's index follows the tracker store, deletions included."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import ROOT
from bot.console.db import conversations, messages
from bot.console.index import refresh
from bot.database import engine_for
from bot.privacy.store import RedactingSQLTrackerStore


def test_index_adds_new_events_and_forgets_deleted_conversations(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: bot.privacy.store.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: {tmp_path / 'r.db'}\n"
    )
    store = RedactingSQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(tmp_path / "r.db"))
    engine = engine_for(endpoints)

    def say(sender: str, text: str, intent: str, language: str) -> None:
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "language": {"code": language}}
        tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, [])
        tracker.update(UserUttered(text, parse["intent"], parse_data=parse, input_channel="sms"))
        tracker.update(SlotSet("language", language))
        asyncio.run(store.save(tracker))

    say("sms-a", "hola", "greet", "es")
    say("sms-b", "quiero hablar con una persona", "ask_human", "es")
    refresh(engine)
    say("sms-a", "cuanto cuesta", "citizenship.fees", "es")
    refresh(engine)
    with engine.connect() as db:
        rows = {r.sender_id: r for r in db.execute(sa.select(conversations))}
    assert rows["sms-a"].messages == 2 and " citizenship.fees " in rows["sms-a"].intents
    assert rows["sms-b"].asked_person and rows["sms-b"].language == "es"
    store.delete("sms-b")
    refresh(engine)
    with engine.connect() as db:
        assert {r.sender_id for r in db.execute(sa.select(conversations))} == {"sms-a"}
        assert "persona" not in " ".join(r.text for r in db.execute(sa.select(messages)))
