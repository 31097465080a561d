"""Handoff requests: a database made before chats with staff existed gains the new columns in
place, and only the exact word YES (in any language) counts as agreeing to a staff member."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from bot import handoffs
from bot.database import create_tables
from bot.keywords import YES, keyword
from bot.privacy.crypto import encrypt


def test_an_existing_database_gains_the_new_columns_and_keeps_its_call_backs(tmp_path, environment):
    environment(BOT_SECRET_KEY="a-long-random-deployment-secret")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as db:  # console_handoffs as the previous release created it
        db.execute(sa.text("CREATE TABLE console_handoffs (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                           "language VARCHAR(8), channel VARCHAR(32), contact TEXT NOT NULL, status VARCHAR(16) NOT NULL, "
                           "created_at FLOAT NOT NULL)"))  # fmt: skip
        db.execute(sa.text("INSERT INTO console_handoffs (sender_id, language, channel, contact, status, created_at) "
                           "VALUES ('sms-1', 'es', 'sms', :contact, 'open', :at)"), {"contact": encrypt("617-555-0142"), "at": time.time()})  # fmt: skip
    create_tables(engine, [handoffs.handoffs])
    create_tables(engine, [handoffs.handoffs])  # a second instance starting: nothing left to add
    columns = {column["name"] for column in sa.inspect(engine).get_columns("console_handoffs")}
    assert {"kind", "reply_from", "claimed_by", "last_staff_at", "problem"} <= columns
    [request] = handoffs.queue(engine)
    assert (request["contact"], request["kind"], request["status"]) == ("617-555-0142", None, "open")  # a call back


@pytest.mark.parametrize("text", ["YES", "yes", "Sí.", "si", "是", "CÓ", "vâng", "نعم", "Wi", "wè"])
def test_yes_in_every_language_is_the_keyword(text):
    assert keyword(text) == YES


@pytest.mark.parametrize("text", ["yes I want to know the fees", "sí, pero cuánto cuesta", "true", "ok"])
def test_a_sentence_or_another_word_is_not_yes(text):
    assert keyword(text) != YES
