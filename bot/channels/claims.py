"""Exactly-once webhooks: a retried SMS (same MessageSid) or Telegram update (same update_id) is
answered again but processed once, across restarts and across instances.

Each delivery is claimed atomically, before the turn, in a table of the tracker store's own
database (a primary-key insert: only one instance wins). The reply is kept with the claim, so a
retry gets the same reply; a turn that fails releases its claim so the retry really runs. A
claim left `working` by an instance that died is taken over after `STALE_SECONDS`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from bot.database import create_tables, metadata

logger = logging.getLogger(__name__)

STALE_SECONDS = 120
"""A turn still `working` after this long belongs to an instance that died: a retry may take it."""
KEEP_SECONDS = 86_400
"""Twilio and Telegram give up retrying within a day; older claims are purged."""
WORKING, ANSWERED, SENT = "working", "answered", "sent"

claims_table = sa.Table(
    "webhook_claims", metadata,
    sa.Column("key", sa.String(128), primary_key=True),  # "sms:<MessageSid>", "telegram:<update_id>"
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(32), nullable=False),
    sa.Column("reply", sa.Text),  # what the person is sent: knowledge-base text, never their words
    sa.Column("claimed_at", sa.Float, nullable=False, index=True),
)  # fmt: skip


@dataclass
class Claim:
    key: str
    state: str
    """WORKING: ours to process. ANSWERED / SENT: done before (`reply` holds the answer). BUSY:
    another request is processing it right now."""
    reply: str | None = None
    owner: str = ""


BUSY = "busy"


class Claims:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        create_tables(engine, [claims_table])

    def claim(self, key: str) -> Claim:
        """Ours to process (state WORKING), or what an earlier delivery of the same message left."""
        owner, now = uuid.uuid4().hex, time.time()
        try:
            with self.engine.begin() as db:
                db.execute(claims_table.insert().values(key=key, state=WORKING, owner=owner, claimed_at=now))
            return Claim(key, WORKING, owner=owner)
        except sa.exc.IntegrityError:
            pass
        with self.engine.begin() as db:
            row = db.execute(sa.select(claims_table).where(claims_table.c.key == key)).first()
            if row is None:  # released between our insert and this read: try once more
                return self.claim(key)
            if row.state != WORKING:
                return Claim(key, row.state, row.reply)
            if now - row.claimed_at < STALE_SECONDS:
                return Claim(key, BUSY)
            taken = db.execute(  # compare-and-set: only one retry takes over a dead instance's claim
                claims_table.update()
                .where(claims_table.c.key == key, claims_table.c.owner == row.owner)
                .values(owner=owner, claimed_at=now)
            ).rowcount
        return Claim(key, WORKING, owner=owner) if taken else Claim(key, BUSY)

    def answered(self, claim: Claim, reply: str | None) -> None:
        self._set(claim, ANSWERED, reply)

    def sent(self, claim: Claim) -> None:
        self._set(claim, SENT, claim.reply)

    def _set(self, claim: Claim, state: str, reply: str | None) -> None:
        claim.state, claim.reply = state, reply  # the reply goes out even if it cannot be recorded
        with self._tolerated(claim, state), self.engine.begin() as db:
            db.execute(claims_table.update().where(claims_table.c.key == claim.key).values(state=state, reply=reply))

    def release(self, claim: Claim) -> None:
        """Forget a claim whose turn failed, so that the retry processes the message."""
        with self._tolerated(claim, "released"), self.engine.begin() as db:
            db.execute(claims_table.delete().where(claims_table.c.key == claim.key, claims_table.c.owner == claim.owner))

    @staticmethod
    @contextmanager
    def _tolerated(claim: Claim, state: str) -> Iterator[None]:
        """After the turn, a database that went away must not turn the answer into a 500: the person
        is answered, and the claim is left `working` (a retry takes it over after STALE_SECONDS)."""
        try:
            yield
        except sa.exc.SQLAlchemyError as error:
            logger.error(f"claim {claim.key} not marked {state}: {type(error).__name__}")

    def current(self, key: str) -> Claim | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(claims_table).where(claims_table.c.key == key)).first()
        return Claim(key, row.state, row.reply, row.owner) if row else None

    def purge(self, older_than: float = KEEP_SECONDS) -> int:
        with self.engine.begin() as db:
            return db.execute(claims_table.delete().where(claims_table.c.claimed_at < time.time() - older_than)).rowcount


@cache
def claims_on(engine: sa.engine.Engine) -> Claims:
    """The claims in `engine`'s database, its table created once per process (not per webhook)."""
    return Claims(engine)
