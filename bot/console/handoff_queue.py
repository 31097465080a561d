"""People who asked for a person: the queue, call backs, and chats where a staff member answers
in the person's own conversation (claim, reply, hand back to the assistant, close).

A staff message goes out through bot.outbound on the person's channel and is stored as a message
of the conversation (redacted like the assistant's) with who wrote it; every step is in the audit
log. What could not be delivered is shown on the chat's page, with the text kept in the form.
"""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request

from bot import handoffs, outbound
from bot.console import auth
from bot.console.conversations import conversation_turns
from bot.console.events import staff_message, user_message
from bot.console.index import EVENTS
from bot.console.web import page, staff
from bot.knowledge.loader import knowledge
from bot.knowledge.render import as_sent
from bot.outbound import SMS_MAX_CHARS
from bot.privacy.pseudonym import MissingSecret
from bot.privacy.redact import redact_bot_text

handoff_queue = Blueprint("handoff_queue")
ENDINGS = {"handback": "handoff_back", "close": "handoff_closed"}
"""How a chat can end, and what the person is told in their language."""


@handoff_queue.get("/handoffs")
@staff()
async def queue(request: Request, session: auth.Session) -> response.HTTPResponse:
    engine = request.app.ctx.engine
    with engine.begin() as db:
        auth.record(db, session.user, "open handoff queue")
    try:
        requests = handoffs.queue(engine)
    except MissingSecret:
        return page("handoffs.html", session=session, requests=[], missing_key=True)
    return page(
        "handoffs.html", session=session, requests=requests, asked=first_messages(engine, [r["sender_id"] for r in requests])
    )


def first_messages(engine: sa.engine.Engine, senders: list[str]) -> dict[str, str]:
    """The first thing each person wrote, usually their question: how staff tell requests apart.
    Read from the store itself, so a request made a second ago shows it."""
    first = sa.select(sa.func.min(EVENTS.c.id)).where(EVENTS.c.sender_id.in_(senders), EVENTS.c.type_name == "user")
    with engine.connect() as db:
        rows = db.execute(sa.select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.id.in_(first.group_by(EVENTS.c.sender_id))))
        return {row.sender_id: user_message(json.loads(row.data)).text for row in rows}


@handoff_queue.post("/handoffs/<request_id:int>/<action>")
@staff()
async def act(request: Request, session: auth.Session, request_id: int, action: str) -> response.HTTPResponse:
    """A call back: mark contacted, or resolve (the contact is deleted)."""
    if action not in ("contacted", "resolve"):
        return response.text("unknown action", status=400)
    engine = request.app.ctx.engine
    (handoffs.mark_contacted if action == "contacted" else handoffs.resolve)(engine, request_id)
    with engine.begin() as db:
        auth.record(db, session.user, f"handoff {action}", str(request_id))
    return response.redirect("/handoffs")


@handoff_queue.get("/handoffs/<request_id:int>")
@staff()
async def chat(request: Request, session: auth.Session, request_id: int) -> response.HTTPResponse:
    return show_chat(request, session, request_id)


def show_chat(
    request: Request, session: auth.Session, request_id: int, draft: str = "", status: int = 200
) -> response.HTTPResponse:
    engine = request.app.ctx.engine
    found = handoffs.get(engine, request_id)
    if found is None or found.kind != handoffs.CHAT:
        return page("gone.html", status=404, session=session)
    with engine.begin() as db:
        turns = conversation_turns(db, found.sender_id)
        auth.record(db, session.user, "open handoff chat", found.sender_id)
    return page("handoff.html", status=status, session=session, chat=found, turns=turns, draft=draft,
                intents=request.app.ctx.intents, max_chars=SMS_MAX_CHARS, now=time.time(),
                silent=handoffs.staff_silent(found))  # fmt: skip


@handoff_queue.post("/handoffs/<request_id:int>/claim")
@staff()
async def claim(request: Request, session: auth.Session, request_id: int) -> response.HTTPResponse:
    engine = request.app.ctx.engine
    if not handoffs.claim(engine, request_id, session.user):
        return page("gone.html", status=404, session=session)
    with engine.begin() as db:
        auth.record(db, session.user, "handoff claim", str(request_id))
    return response.redirect(f"/handoffs/{request_id}")


@handoff_queue.post("/handoffs/<request_id:int>/send")
@staff()
async def send(request: Request, session: auth.Session, request_id: int) -> response.HTTPResponse:
    """Deliver a staff message on the person's channel; on failure the page shows why, text kept."""
    engine = request.app.ctx.engine
    text = (request.form.get("text") or "").strip()
    found = handoffs.get(engine, request_id)
    if found is None or found.kind != handoffs.CHAT:
        return page("gone.html", status=404, session=session)
    if found.status != handoffs.LIVE or found.claimed_by != session.user:
        return response.text("claim this chat before replying", status=409)
    if not text or len(text) > SMS_MAX_CHARS:
        return show_chat(request, session, request_id, draft=text, status=400)
    problem = await say(engine, found, text, session.user)
    return (
        show_chat(request, session, request_id, draft=text, status=502)
        if problem
        else response.redirect(f"/handoffs/{request_id}")
    )


@handoff_queue.post("/handoffs/<request_id:int>/end/<how>")
@staff()
async def end(request: Request, session: auth.Session, request_id: int, how: str) -> response.HTTPResponse:
    """Hand the conversation back to the assistant, or close it: the person is told in their
    language, and the request is deleted with the address either way."""
    engine = request.app.ctx.engine
    found = handoffs.get(engine, request_id)
    if how not in ENDINGS or found is None or found.kind != handoffs.CHAT:
        return page("gone.html", status=404, session=session)
    await say(engine, found, knowledge().say(found.language or knowledge().default_language, ENDINGS[how]), session.user)
    handoffs.resolve(engine, request_id)
    with engine.begin() as db:
        auth.record(db, session.user, f"handoff {how}", found.sender_id)
    return response.redirect("/handoffs")


async def say(engine: sa.engine.Engine, chat: sa.Row, text: str, user: str) -> str | None:
    """Send `text` to the person (an SMS as the assistant's are: folded where the language folds);
    when it went out, store it in their conversation. Why it did not go out, or None. Both are in
    the audit log."""
    if chat.channel == "sms":
        text = as_sent(knowledge(), chat.language, text)
    problem = await outbound.send(handoffs.destination(chat), text)
    handoffs.delivered(engine, chat.id, problem)
    with engine.begin() as db:
        if problem is None:
            now = time.time()
            event = staff_message(redact_bot_text(text), user, now)
            db.execute(EVENTS.insert().values(sender_id=chat.sender_id, type_name="bot", timestamp=now, data=json.dumps(event)))
        auth.record(db, user, "handoff message" if problem is None else "handoff message not delivered", chat.sender_id)
    return problem
