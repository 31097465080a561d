"""Conversations: the filtered list, a transcript with review and intent corrections, and the
corrections exported as Rasa training data."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sanic import Blueprint, response
from sanic.request import Request

from bot.console import auth
from bot.console.db import conversations as conversation_index
from bot.console.db import corrections, messages, reviews
from bot.console.events import Turn, transcript, user_message
from bot.console.index import EVENTS, refresh
from bot.console.web import HEADERS, page, staff

PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # past the last page all the same, and an offset every database takes
FLAGS = {
    "unsure": conversation_index.c.unsure.is_(True),
    "person": conversation_index.c.asked_person.is_(True),
    "opted_out": conversation_index.c.opted_out.is_(True),
}

conversations = Blueprint("conversations")


def conversation_filters(args: dict[str, str]) -> list[Any]:
    """The WHERE clauses of the list's filters; ValueError for a date that is not YYYY-MM-DD."""
    where: list[Any] = []
    index = conversation_index.c
    if args.get("from"):
        where.append(index.last_at >= datetime.fromisoformat(args["from"]).replace(tzinfo=timezone.utc).timestamp())
    if args.get("to"):
        end = datetime.fromisoformat(args["to"]).replace(tzinfo=timezone.utc).timestamp() + 86400
        where.append(index.first_at < end)
    for field in ("language", "channel"):
        if args.get(field):
            where.append(index[field] == args[field])
    if args.get("intent"):
        where.append(index.intents.like(f"% {args['intent']} %"))
    if args.get("flag") in FLAGS:
        where.append(FLAGS[args["flag"]])
    if args.get("flag") == "unreviewed":
        reviewed = sa.select(reviews.c.sender_id).where(reviews.c.reviewed.is_(True))
        where.append(index.sender_id.not_in(reviewed))
    if args.get("q"):
        found = sa.select(messages.c.sender_id).where(messages.c.text.ilike(f"%{args['q']}%"))
        where.append(index.sender_id.in_(found))
    return where


@conversations.get("/")
async def home(request: Request) -> response.HTTPResponse:
    return response.redirect("/conversations")


@conversations.get("/conversations")
@staff()
async def conversation_list(request: Request, session: auth.Session) -> response.HTTPResponse:
    engine = request.app.ctx.engine
    refresh(engine)
    args = {key: request.args.get(key, "").strip() for key in ("from", "to", "language", "channel", "intent", "flag", "q")}
    try:
        number = min(max(1, int(request.args.get("page", "1") or 1)), MAX_PAGE)
    except ValueError:
        return response.text("page must be a number", status=400)
    try:
        where = conversation_filters(args)
    except ValueError:
        return response.text("dates must look like 2026-11-30", status=400)
    with engine.connect() as db:
        total = db.execute(sa.select(sa.func.count()).select_from(conversation_index).where(*where)).scalar()
        rows = db.execute(
            sa.select(conversation_index, reviews.c.reviewed, reviews.c.tags)
            .outerjoin(reviews, reviews.c.sender_id == conversation_index.c.sender_id)
            .where(*where)
            .order_by(conversation_index.c.last_at.desc())
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        ).fetchall()
        languages = [r[0] for r in db.execute(sa.select(conversation_index.c.language).distinct()) if r[0]]
        channels = [r[0] for r in db.execute(sa.select(conversation_index.c.channel).distinct()) if r[0]]
    return page("conversations.html", session=session, rows=rows, total=total, page=number, args=args,
                pages=-(-total // PAGE_SIZE), languages=sorted(languages), channels=sorted(channels),
                intents=request.app.ctx.intents)  # fmt: skip


def conversation_turns(db: sa.engine.Connection, sender: str) -> list[Turn]:
    """One conversation as staff read it: messages, replies, staff messages, corrections."""
    events = db.execute(
        sa.select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender, EVENTS.c.type_name.in_(["user", "bot", "slot"]))
        .order_by(EVENTS.c.id)
    ).fetchall()
    fixed = {r.event_id: r.intent for r in db.execute(sa.select(corrections).where(corrections.c.sender_id == sender))}
    return transcript(events, fixed)


@conversations.get("/conversations/<sender>")
@staff()
async def conversation(request: Request, session: auth.Session, sender: str) -> response.HTTPResponse:
    with request.app.ctx.engine.begin() as db:
        turns = conversation_turns(db, sender)
        review = db.execute(sa.select(reviews).where(reviews.c.sender_id == sender)).first()
        auth.record(db, session.user, "open conversation", sender)
    if not turns:
        return page("gone.html", status=404, session=session)
    return page("transcript.html", session=session, sender=sender, turns=turns, review=review, intents=request.app.ctx.intents)


@conversations.post("/conversations/<sender>/review")
@staff()
async def save_review(request: Request, session: auth.Session, sender: str) -> response.HTTPResponse:
    if len(sender) > reviews.c.sender_id.type.length:
        return response.text("no such conversation", status=404)
    values = {"reviewed": request.form.get("reviewed") == "on", "tags": request.form.get("tags", "")[:255],
              "note": request.form.get("note", "")[:5000], "updated_by": session.user, "updated_at": time.time()}  # fmt: skip
    with request.app.ctx.engine.begin() as db:
        if not db.execute(reviews.update().where(reviews.c.sender_id == sender).values(**values)).rowcount:
            db.execute(reviews.insert().values(sender_id=sender, **values))
        auth.record(db, session.user, "review conversation", sender)
    return response.redirect(f"/conversations/{sender}")


@conversations.post("/messages/<event_id:int>/correct")
@staff()
async def correct(request: Request, session: auth.Session, event_id: int) -> response.HTTPResponse:
    intent = request.form.get("intent", "")
    if intent not in request.app.ctx.intents:
        return response.text("unknown intent", status=400)
    with request.app.ctx.engine.begin() as db:
        event = db.execute(
            sa.select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.id == event_id, EVENTS.c.type_name == "user")
        ).first()
        if event is None:
            return response.text("no such message", status=404)
        seen = user_message(json.loads(event.data))
        db.execute(corrections.delete().where(corrections.c.event_id == event_id))
        db.execute(corrections.insert().values(
            event_id=event_id, sender_id=event.sender_id, text=seen.text, intent=intent,
            language=seen.language, predicted=seen.intent, by=session.user, at=time.time()))  # fmt: skip
        auth.record(db, session.user, "correct intent", f"{event.sender_id}#{event_id} -> {intent}")
    return response.redirect(f"/conversations/{event.sender_id}#m{event_id}")


@conversations.get("/export")
@staff()
async def export_page(request: Request, session: auth.Session) -> response.HTTPResponse:
    with request.app.ctx.engine.connect() as db:
        counts = db.execute(sa.select(corrections.c.language, sa.func.count()).group_by(corrections.c.language)).fetchall()
    return page("export.html", session=session, counts=[(language or "unknown", n) for language, n in counts])


@conversations.get("/export/<filename>")
@staff()
async def export(request: Request, session: auth.Session, filename: str) -> response.HTTPResponse:
    language = filename.removesuffix(".yml")
    if language == filename:
        return response.text("not found", status=404)
    with request.app.ctx.engine.begin() as db:
        rows = db.execute(sa.select(corrections.c.text, corrections.c.intent).where(
            corrections.c.language == (None if language == "unknown" else language)).order_by(corrections.c.intent)).fetchall()  # fmt: skip
        auth.record(db, session.user, "export training data", language)
    data = TrainingData([Message.build(text=text, intent=intent) for text, intent in rows])
    body = f"# Corrections from the staff console ({language}), exported {date.today()}: review, then merge into data/nlu/{language}.yml\n"
    return response.text(body + RasaYAMLWriter().dumps(data), headers={
        "Content-Disposition": f'attachment; filename="{language}.yml"', **HEADERS}, content_type="text/yaml; charset=utf-8")  # fmt: skip
