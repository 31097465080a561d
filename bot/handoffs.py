"""People who asked for a person: stored apart from conversations, deleted when done or after the
retention period. Two kinds:

- a call back: the person left a phone number or email (`contact`), staff call or write to them;
- a chat: the person said YES to a staff member answering in the same conversation. `contact`
  then holds the channel address the reply must go to (phone number, `whatsapp:` number, Telegram
  chat id), with `reply_from`, our number they wrote to. A chat is `waiting` until a staff member
  claims it (`live`); while it is live the assistant stays silent in that conversation.

Every contact and address is encrypted with the deployment key, and the row (address and all) is
deleted when staff hand the conversation back or close it, on DELETE and by retention. The action
server, the channels and the console use this module, so it needs only SQLAlchemy and settings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from bot.database import engine_for, metadata
from bot.privacy.crypto import decrypt, encrypt
from bot.settings import settings

CALLBACK, CHAT = "callback", "chat"
OPEN, CONTACTED = "open", "contacted"  # a call back
WAITING, LIVE = "waiting", "live"  # a chat
STAFF_SILENCE_SECONDS = 24 * 3600
"""A chat without a staff reply for this long ends: the assistant says so and offers a call back
(WhatsApp, too, allows free-form messages only within 24 hours of the person's last message)."""

handoffs = sa.Table(
    "console_handoffs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("language", sa.String(8)),
    sa.Column("channel", sa.String(32)),
    sa.Column("contact", sa.Text, nullable=False),  # encrypted (bot.privacy.crypto)
    sa.Column("status", sa.String(16), nullable=False, default=OPEN),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("kind", sa.String(16)),  # callback (also when empty: rows from before chats) | chat
    sa.Column("reply_from", sa.String(64)),  # a chat over Twilio: our number the person wrote to
    sa.Column("claimed_by", sa.String(80)),
    sa.Column("last_staff_at", sa.Float),
    sa.Column("problem", sa.Text),  # why the last staff message could not be delivered
)  # fmt: skip


@dataclass(frozen=True)
class Destination:
    """Where a staff reply goes: the channel, the person's address on it and our sending number."""

    channel: str
    address: str
    reply_from: str | None


def _engine(engine: sa.engine.Engine | None) -> sa.engine.Engine:
    return engine or engine_for(settings().endpoints)


def add(sender: str, language: str, channel: str | None, contact: str) -> None:
    """A request to be called back at `contact`."""
    with _engine(None).begin() as db:
        db.execute(
            handoffs.insert().values(
                sender_id=sender, language=language, channel=channel, contact=encrypt(contact),
                status=OPEN, kind=CALLBACK, created_at=time.time(),
            )
        )  # fmt: skip


def open_chat(sender: str, language: str | None, channel: str, address: str, reply_from: str | None) -> None:
    """The person agreed to a staff member answering here: queue the conversation with the address
    to answer on (a second YES keeps the one request, with the address it came from)."""
    with _engine(None).begin() as db:
        db.execute(handoffs.delete().where(handoffs.c.sender_id == sender, handoffs.c.kind == CHAT))
        db.execute(
            handoffs.insert().values(
                sender_id=sender, language=language, channel=channel, contact=encrypt(address),
                reply_from=reply_from, status=WAITING, kind=CHAT, created_at=time.time(),
            )
        )  # fmt: skip


def chat_of(sender: str, engine: sa.engine.Engine | None = None) -> sa.Row | None:
    """This conversation's open chat with staff, if it has one."""
    with _engine(engine).connect() as db:
        return db.execute(sa.select(handoffs).where(handoffs.c.sender_id == sender, handoffs.c.kind == CHAT)).first()


def staff_silent(chat: sa.Row, now: float | None = None) -> bool:
    """Whether the chat has gone a day without a staff message (since the request, or the last one)."""
    return (now or time.time()) - (chat.last_staff_at or chat.created_at) > STAFF_SILENCE_SECONDS


def queue(engine: sa.engine.Engine) -> list[dict]:
    """Every request, oldest first. A call back's contact is decrypted for staff to call; a chat's
    address is never shown (the console replies through the channel instead)."""
    with engine.connect() as db:
        rows = db.execute(sa.select(handoffs).order_by(handoffs.c.created_at)).fetchall()
    return [{**row._asdict(), "contact": decrypt(row.contact) if row.kind != CHAT else None} for row in rows]


def get(engine: sa.engine.Engine, request_id: int) -> sa.Row | None:
    with engine.connect() as db:
        return db.execute(sa.select(handoffs).where(handoffs.c.id == request_id)).first()


def destination(request: sa.Row) -> Destination:
    return Destination(request.channel, decrypt(request.contact), request.reply_from)


def claim(engine: sa.engine.Engine, request_id: int, user: str) -> bool:
    """`user` takes the chat (from the queue, or over from a colleague); False when it is gone."""
    with engine.begin() as db:
        taken = db.execute(
            handoffs.update().where(handoffs.c.id == request_id, handoffs.c.kind == CHAT).values(status=LIVE, claimed_by=user)
        )
    return bool(taken.rowcount)


def delivered(engine: sa.engine.Engine, request_id: int, problem: str | None) -> None:
    """Record a staff message: when it went out, or why it could not."""
    values = {"problem": problem} if problem else {"problem": None, "last_staff_at": time.time()}
    with engine.begin() as db:
        db.execute(handoffs.update().where(handoffs.c.id == request_id).values(**values))


def mark_contacted(engine: sa.engine.Engine, request_id: int) -> None:
    with engine.begin() as db:
        db.execute(handoffs.update().where(handoffs.c.id == request_id).values(status=CONTACTED))


def resolve(engine: sa.engine.Engine, request_id: int) -> None:
    """Done: the request is deleted, contact or address and all."""
    with engine.begin() as db:
        db.execute(handoffs.delete().where(handoffs.c.id == request_id))


def end_chat(sender: str, engine: sa.engine.Engine | None = None) -> None:
    """The conversation's chat with staff is over (STOP, a day of staff silence): delete it."""
    with _engine(engine).begin() as db:
        db.execute(handoffs.delete().where(handoffs.c.sender_id == sender, handoffs.c.kind == CHAT))


def forget(senders: list[str], engine: sa.engine.Engine | None = None) -> int:
    """Delete every request (contact and address included) of these conversations: DELETE and
    retention erase a person entirely, not only their messages. How many requests were deleted."""
    if not senders:
        return 0
    with _engine(engine).begin() as db:
        return db.execute(handoffs.delete().where(handoffs.c.sender_id.in_(senders))).rowcount


def purge(engine: sa.engine.Engine, older_than_days: float) -> int:
    with engine.begin() as db:
        return db.execute(handoffs.delete().where(handoffs.c.created_at < time.time() - older_than_days * 86400)).rowcount
