"""Pseudonyms, redaction, deletion and retention."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import ROOT
from bot.privacy.pseudonym import MissingSecret, pseudonym
from bot.privacy.redact import RedactingFilter, redact
from bot.privacy.store import RedactingSQLTrackerStore


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my a-number is A123456789", "my a-number is [A-NUMBER]"),
        ("A# 123-456-789 please", "[A-NUMBER] please"),
        ("ssn 123-45-6789", "ssn [SSN]"),
        ("call (617) 555-0199 or +509 3456 7890", "call [PHONE] or [PHONE]"),
        ("write to juan.perez@gmail.com", "write to [EMAIL]"),
        ("receipt IOE0912345678", "receipt [RECEIPT]"),
        ("card 4111 1111 1111 1111", "card [CARD]"),
        ("my zip is 02139 and form I-765", "my zip is 02139 and form I-765"),  # not personal
        ("N-400 costs $760", "N-400 costs $760"),
        ("1234 5678 9012 3456", "1234 5678 9012 3456"),  # fails the Luhn check: not a card
    ],
)
def test_redaction_keeps_a_typed_placeholder(text, expected):
    assert redact(text) == expected


def test_pseudonyms_are_stable_keyed_and_need_a_secret(environment):
    environment(BOT_SECRET_KEY="first-secret-long-enough")
    first = pseudonym("sms", "+16175550123")
    assert first == pseudonym("sms", "+16175550123") and first.startswith("sms-")
    assert "6175550123" not in first and first != pseudonym("telegram", "+16175550123")
    environment(BOT_SECRET_KEY="another-secret-long-enough")
    assert pseudonym("sms", "+16175550123") != first  # without the key, no way back or across
    environment(BOT_SECRET_KEY="short")
    with pytest.raises(MissingSecret):
        pseudonym("sms", "+16175550123")


def test_log_records_are_redacted():
    record = logging.LogRecord("rasa", logging.DEBUG, __file__, 1, "user said %s", ("my ssn is 123-45-6789",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "user said my ssn is [SSN]"


@pytest.fixture
def store(tmp_path):
    return RedactingSQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(tmp_path / "t.db"))


def save(store: RedactingSQLTrackerStore, sender: str, *events, at: float | None = None) -> None:
    tracker = DialogueStateTracker.from_events(sender, list(events))
    if at:
        for event in tracker.events:
            event.timestamp = at
    asyncio.run(store.save(tracker))


def test_the_store_redacts_user_text_and_slots_but_keeps_bot_text(store):
    save(
        store,
        "p1",
        UserUttered("my email is ana@example.com", parse_data={"text": "my email is ana@example.com"}),
        SlotSet("zip", "call 617-555-0100"),
        BotUttered("USCIS: 800-375-5283"),
    )
    with store.session_scope() as session:
        data = " ".join(row.data for row in session.query(store.SQLEvent))
    assert "ana@example.com" not in data and "[EMAIL]" in data
    assert "617-555-0100" not in data
    assert "800-375-5283" in data  # official numbers the bot sent stay readable


def test_delete_and_purge(store):
    old = time.time() - 100 * 86400
    save(store, "old", UserUttered("hola"), at=old)
    save(store, "recent", UserUttered("hola"))
    save(store, "gone", UserUttered("hola"))
    assert store.delete("gone") > 0
    assert store.purge(older_than_days=90) == ["old"]
    with store.session_scope() as session:
        assert {row.sender_id for row in session.query(store.SQLEvent)} == {"recent"}


def test_retention_also_forgets_the_contact_requests_of_the_conversations_it_removes(tmp_path):
    import sqlalchemy as sa

    from bot.database import engine_for
    from bot.handoffs import handoffs

    database = tmp_path / "x.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: bot.privacy.store.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: {database}\n"
    )
    store = RedactingSQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(database))
    save(store, "idle", UserUttered("hola"), at=time.time() - 100 * 86400)
    save(store, "active", UserUttered("hola"))
    engine = engine_for(endpoints)
    with engine.begin() as db:  # both requests are recent: only the idle conversation's must go
        for sender in ("idle", "active"):
            db.execute(
                handoffs.insert().values(
                    sender_id=sender, language="es", channel="sms", contact="sealed", status="open", created_at=time.time()
                )
            )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--days", "90", "--endpoints", str(endpoints)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "deleted 1 conversation(s) idle for more than 90 days" in result.stdout
    assert "deleted 1 contact request(s)" in result.stdout
    with engine.connect() as db:
        assert [row.sender_id for row in db.execute(sa.select(handoffs))] == ["active"]
