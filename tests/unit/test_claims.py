"""Exactly-once webhook claims (bot/channels/claims.py) on a real SQLite database."""

from __future__ import annotations

import time

import sqlalchemy as sa

from bot.channels.claims import ANSWERED, BUSY, SENT, STALE_SECONDS, WORKING, Claims, claims_table


def claims(tmp_path) -> Claims:
    return Claims(sa.create_engine(f"sqlite:///{tmp_path / 'claims.db'}"))


def test_the_first_delivery_works_a_retry_gets_its_reply_even_after_a_restart(tmp_path):
    first = claims(tmp_path)
    claim = first.claim("sms:SM1")
    assert claim.state == WORKING
    assert first.claim("sms:SM1").state == BUSY  # a retry while the turn is running
    first.answered(claim, "La solicitud N-400 cuesta $710.")
    restarted = claims(tmp_path)  # another process, or another instance, on the same database
    retry = restarted.claim("sms:SM1")
    assert (retry.state, retry.reply) == (ANSWERED, "La solicitud N-400 cuesta $710.")
    restarted.sent(retry)
    assert restarted.claim("sms:SM1").state == SENT


def test_a_failed_turn_releases_its_claim_so_the_retry_really_runs(tmp_path):
    store = claims(tmp_path)
    claim = store.claim("telegram:7")
    store.release(claim)
    assert store.claim("telegram:7").state == WORKING


def test_a_claim_left_by_a_dead_instance_is_taken_over_once(tmp_path):
    store = claims(tmp_path)
    dead = store.claim("sms:SM2")
    with store.engine.begin() as db:
        db.execute(claims_table.update().values(claimed_at=time.time() - STALE_SECONDS - 1))
    taken = store.claim("sms:SM2")
    assert taken.state == WORKING and taken.owner != dead.owner
    assert store.claim("sms:SM2").state == BUSY  # only one retry takes it over
    store.release(dead)  # the dead instance's late release cannot drop the new owner's claim
    assert store.claim("sms:SM2").state == BUSY


def test_old_claims_are_purged(tmp_path):
    store = claims(tmp_path)
    store.answered(store.claim("sms:old"), "x")
    with store.engine.begin() as db:
        db.execute(claims_table.update().where(claims_table.c.key == "sms:old").values(claimed_at=0))
    store.claim("sms:new")
    assert store.purge() == 1 and store.current("sms:old") is None and store.current("sms:new") is not None


def test_a_database_gone_after_the_turn_does_not_take_the_answer_away(tmp_path):
    store = claims(tmp_path)
    claim, other = store.claim("sms:SM4"), store.claim("sms:SM5")
    reachable, store.engine = store.engine, sa.create_engine("sqlite:////nonexistent/directory/claims.db")
    store.answered(claim, "Respuesta")  # logged, not raised: the person still gets the answer
    store.release(other)
    store.engine = reachable
    assert (claim.state, claim.reply) == (ANSWERED, "Respuesta")
    assert store.claim("sms:SM4").state == BUSY  # left working: a retry is not processed twice
