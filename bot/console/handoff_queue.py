"""People who asked for a person: the queue, with each person's first question, and what staff
did about it."""

from __future__ import annotations

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request

from bot import handoffs
from bot.console import auth
from bot.console.db import messages
from bot.console.index import refresh
from bot.console.web import page, staff
from bot.privacy.pseudonym import MissingSecret

handoff_queue = Blueprint("handoff_queue")


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
    refresh(engine)
    asked: dict[str, str] = {}  # the first thing each person wrote: usually their question
    with engine.connect() as db:
        for row in db.execute(sa.select(messages.c.sender_id, messages.c.text)
                              .where(messages.c.sender_id.in_([q["sender_id"] for q in requests])).order_by(messages.c.event_id)):  # fmt: skip
            asked.setdefault(row.sender_id, row.text)
    return page("handoffs.html", session=session, requests=requests, asked=asked)


@handoff_queue.post("/handoffs/<request_id:int>/<action>")
@staff()
async def act(request: Request, session: auth.Session, request_id: int, action: str) -> response.HTTPResponse:
    if action not in ("contacted", "resolve"):
        return response.text("unknown action", status=400)
    engine = request.app.ctx.engine
    (handoffs.mark_contacted if action == "contacted" else handoffs.resolve)(engine, request_id)
    with engine.begin() as db:
        auth.record(db, session.user, f"handoff {action}", str(request_id))
    return response.redirect("/handoffs")
