"""The console's web application (Sanic, as Rasa itself uses). No page runs JavaScript, so the
Content-Security-Policy forbids scripts outright (and inline styles: the stylesheet is a file);
templates escape everything they show, and conversation text is always shown as text."""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections import Counter
import time
from datetime import date, datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any, Awaitable, Callable

import sqlalchemy as sa
import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sanic import Sanic, response
from sanic.request import Request

from bot import ROOT, handoffs
from bot.console import auth, stats
from bot.console.db import audit, conversations, corrections, engine_for, messages, reviews
from bot.console.index import EVENTS, refresh
from bot.knowledge.loader import load_knowledge
from bot.privacy.pseudonym import MissingSecret

COOKIE = "console_session"
LOGIN_COOKIE = "console_login_csrf"
PAGE_SIZE = 50
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
FLAGS = {
    "unsure": conversations.c.unsure.is_(True),
    "person": conversations.c.asked_person.is_(True),
    "opted_out": conversations.c.opted_out.is_(True),
}

templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"]))
templates.filters["when"] = lambda ts: datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M") if ts else ""
Handler = Callable[..., Awaitable[response.HTTPResponse]]


def page(name: str, status: int = 200, **values: Any) -> response.HTTPResponse:
    return response.html(templates.get_template(name).render(**values), status=status, headers=HEADERS)


def set_cookie(reply: response.HTTPResponse, name: str, value: str, seconds: int) -> None:
    reply.cookies[name] = value
    for key, setting in (("httponly", True), ("secure", True), ("samesite", "Strict"), ("path", "/"), ("max-age", seconds)):
        reply.cookies[name][key] = setting


def staff(role: str | None = None) -> Callable[[Handler], Handler]:
    """Pages for signed-in staff: GETs without a session go to the login page; POSTs also need
    the session's CSRF token; `role` restricts a page to admins."""

    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
            session = auth.session_for(request.app.ctx.engine, request.cookies.get(COOKIE))
            if session is None:
                return response.redirect("/login") if request.method == "GET" else response.text("sign in first", status=403)
            if request.method == "POST" and not auth.csrf_ok(session, request.form.get("csrf")):
                return response.text("invalid or missing CSRF token", status=403)
            if role and session.role != role:
                return response.text("not allowed for your role", status=403)
            return await handler(request, session, *args, **kwargs)

        return guarded

    return wrap


def domain_intents() -> list[str]:
    return sorted(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])


def conversation_filters(args: dict[str, str]) -> list[Any]:
    where: list[Any] = []
    if args.get("from"):
        where.append(conversations.c.last_at >= datetime.fromisoformat(args["from"]).replace(tzinfo=timezone.utc).timestamp())
    if args.get("to"):
        end = datetime.fromisoformat(args["to"]).replace(tzinfo=timezone.utc).timestamp() + 86400
        where.append(conversations.c.first_at < end)
    for field in ("language", "channel"):
        if args.get(field):
            where.append(conversations.c[field] == args[field])
    if args.get("intent"):
        where.append(conversations.c.intents.like(f"% {args['intent']} %"))
    if args.get("flag") in FLAGS:
        where.append(FLAGS[args["flag"]])
    if args.get("flag") == "unreviewed":
        reviewed = sa.select(reviews.c.sender_id).where(reviews.c.reviewed.is_(True))
        where.append(conversations.c.sender_id.not_in(reviewed))
    if args.get("q"):
        found = sa.select(messages.c.sender_id).where(messages.c.text.ilike(f"%{args['q']}%"))
        where.append(conversations.c.sender_id.in_(found))
    return where


def create_app(endpoints: Path) -> Sanic:
    app = Sanic("staff_console")
    app.ctx.engine = engine_for(endpoints)
    app.ctx.intents = domain_intents()
    app.ctx.attempts = auth.LoginAttempts()
    app.static("/static", str(Path(__file__).parent / "static"))

    @app.get("/login")
    async def login_form(request: Request) -> response.HTTPResponse:
        token = secrets.token_urlsafe(24)
        reply = page("login.html", csrf=token)
        set_cookie(reply, LOGIN_COOKIE, token, 600)
        return reply

    @app.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        if not auth.csrf_ok(auth.Session("", "", expected), request.form.get("csrf")):
            return response.text("invalid or missing CSRF token", status=403)
        name = request.form.get("name", "")
        if app.ctx.attempts.blocked(name):
            return page("login.html", status=429, csrf=expected, blocked=True)
        token = auth.log_in(app.ctx.engine, name, request.form.get("password", ""))
        if token is None:
            app.ctx.attempts.failed(name)
            fresh = secrets.token_urlsafe(24)
            reply = page("login.html", status=401, csrf=fresh, error=True)
            set_cookie(reply, LOGIN_COOKIE, fresh, 600)
            return reply
        reply = response.redirect("/conversations")
        set_cookie(reply, COOKIE, token, auth.SESSION_SECONDS)
        return reply

    @app.post("/logout")
    @staff()
    async def logout(request: Request, session: auth.Session) -> response.HTTPResponse:
        auth.log_out(app.ctx.engine, request.cookies.get(COOKIE))
        reply = response.redirect("/login")
        set_cookie(reply, COOKIE, "", 0)
        return reply

    @app.get("/")
    async def home(request: Request) -> response.HTTPResponse:
        return response.redirect("/conversations")

    @app.get("/conversations")
    @staff()
    async def conversation_list(request: Request, session: auth.Session) -> response.HTTPResponse:
        refresh(app.ctx.engine)
        args = {key: request.args.get(key, "").strip() for key in ("from", "to", "language", "channel", "intent", "flag", "q")}
        number = max(1, int(request.args.get("page", "1") or 1))
        where = conversation_filters(args)
        with app.ctx.engine.connect() as db:
            total = db.execute(sa.select(sa.func.count()).select_from(conversations).where(*where)).scalar()
            rows = db.execute(
                sa.select(conversations, reviews.c.reviewed, reviews.c.tags)
                .outerjoin(reviews, reviews.c.sender_id == conversations.c.sender_id)
                .where(*where).order_by(conversations.c.last_at.desc()).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
            ).fetchall()
            languages = [r[0] for r in db.execute(sa.select(conversations.c.language).distinct()) if r[0]]
            channels = [r[0] for r in db.execute(sa.select(conversations.c.channel).distinct()) if r[0]]
        return page("conversations.html", session=session, rows=rows, total=total, page=number, args=args,
                    pages=-(-total // PAGE_SIZE), languages=sorted(languages), channels=sorted(channels),
                    intents=app.ctx.intents)

    @app.get("/conversations/<sender>")
    @staff()
    async def transcript(request: Request, session: auth.Session, sender: str) -> response.HTTPResponse:
        with app.ctx.engine.begin() as db:
            events = db.execute(
                sa.select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender, EVENTS.c.type_name.in_(["user", "bot", "slot"]))
                .order_by(EVENTS.c.id)
            ).fetchall()
            review = db.execute(sa.select(reviews).where(reviews.c.sender_id == sender)).first()
            fixed = {r.event_id: r.intent for r in db.execute(sa.select(corrections).where(corrections.c.sender_id == sender))}
            auth.record(db, session.user, "open conversation", sender)
        turns = []
        for event in events:
            data = json.loads(event.data)
            if event.type_name == "user":
                parse = data.get("parse_data") or {}
                turns.append({"id": event.id, "who": "user", "at": event.timestamp, "text": data.get("text") or "",
                              "intent": (parse.get("intent") or {}).get("name"),
                              "confidence": (parse.get("intent") or {}).get("confidence"),
                              "language": (parse.get("language") or {}).get("code"), "article": None,
                              "corrected": fixed.get(event.id)})
            elif event.type_name == "bot" and data.get("text"):
                turns.append({"who": "bot", "at": event.timestamp, "text": data["text"]})
            elif data.get("name") == "article" and data.get("value"):
                users_turns = [t for t in turns if t["who"] == "user"]
                if users_turns:
                    users_turns[-1]["article"] = data["value"]
        if not turns:
            return page("gone.html", status=404, session=session)
        return page("transcript.html", session=session, sender=sender, turns=turns, review=review, intents=app.ctx.intents)

    @app.post("/conversations/<sender>/review")
    @staff()
    async def save_review(request: Request, session: auth.Session, sender: str) -> response.HTTPResponse:
        values = {"reviewed": request.form.get("reviewed") == "on", "tags": request.form.get("tags", "")[:255],
                  "note": request.form.get("note", "")[:5000], "updated_by": session.user, "updated_at": time.time()}
        with app.ctx.engine.begin() as db:
            if not db.execute(reviews.update().where(reviews.c.sender_id == sender).values(**values)).rowcount:
                db.execute(reviews.insert().values(sender_id=sender, **values))
            auth.record(db, session.user, "review conversation", sender)
        return response.redirect(f"/conversations/{sender}")

    @app.post("/messages/<event_id:int>/correct")
    @staff()
    async def correct(request: Request, session: auth.Session, event_id: int) -> response.HTTPResponse:
        intent = request.form.get("intent", "")
        if intent not in app.ctx.intents:
            return response.text("unknown intent", status=400)
        with app.ctx.engine.begin() as db:
            event = db.execute(sa.select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.id == event_id, EVENTS.c.type_name == "user")).first()
            if event is None:
                return response.text("no such message", status=404)
            data = json.loads(event.data)
            parse = data.get("parse_data") or {}
            db.execute(corrections.delete().where(corrections.c.event_id == event_id))
            db.execute(corrections.insert().values(
                event_id=event_id, sender_id=event.sender_id, text=data.get("text") or "", intent=intent,
                language=(parse.get("language") or {}).get("code"), predicted=(parse.get("intent") or {}).get("name"),
                by=session.user, at=time.time()))
            auth.record(db, session.user, "correct intent", f"{event.sender_id}#{event_id} -> {intent}")
        return response.redirect(f"/conversations/{event.sender_id}#m{event_id}")

    @app.get("/export")
    @staff()
    async def export_page(request: Request, session: auth.Session) -> response.HTTPResponse:
        with app.ctx.engine.connect() as db:
            counts = db.execute(sa.select(corrections.c.language, sa.func.count()).group_by(corrections.c.language)).fetchall()
        return page("export.html", session=session, counts=[(language or "unknown", n) for language, n in counts])

    @app.get("/export/<filename>")
    @staff()
    async def export(request: Request, session: auth.Session, filename: str) -> response.HTTPResponse:
        language = filename.removesuffix(".yml")
        if language == filename:
            return response.text("not found", status=404)
        with app.ctx.engine.begin() as db:
            rows = db.execute(sa.select(corrections.c.text, corrections.c.intent).where(
                corrections.c.language == (None if language == "unknown" else language)).order_by(corrections.c.intent)).fetchall()
            auth.record(db, session.user, "export training data", language)
        data = TrainingData([Message.build(text=text, intent=intent) for text, intent in rows])
        body = f"# Corrections from the staff console ({language}), exported {date.today()}: review, then merge into data/nlu/{language}.yml\n"
        return response.text(body + RasaYAMLWriter().dumps(data), headers={
            "Content-Disposition": f'attachment; filename="{language}.yml"', **HEADERS}, content_type="text/yaml; charset=utf-8")

    @app.get("/handoffs")
    @staff()
    async def handoff_queue(request: Request, session: auth.Session) -> response.HTTPResponse:
        with app.ctx.engine.begin() as db:
            auth.record(db, session.user, "open handoff queue")
        try:
            requests = handoffs.queue(app.ctx.engine)
        except MissingSecret:
            return page("handoffs.html", session=session, requests=[], missing_key=True)
        refresh(app.ctx.engine)
        asked: dict[str, str] = {}  # the first thing each person wrote: usually their question
        with app.ctx.engine.connect() as db:
            for row in db.execute(sa.select(messages.c.sender_id, messages.c.text)
                                  .where(messages.c.sender_id.in_([q["sender_id"] for q in requests])).order_by(messages.c.event_id)):
                asked.setdefault(row.sender_id, row.text)
        return page("handoffs.html", session=session, requests=requests, asked=asked)

    @app.post("/handoffs/<request_id:int>/<action>")
    @staff()
    async def handoff_action(request: Request, session: auth.Session, request_id: int, action: str) -> response.HTTPResponse:
        if action not in ("contacted", "resolve"):
            return response.text("unknown action", status=400)
        (handoffs.mark_contacted if action == "contacted" else handoffs.resolve)(app.ctx.engine, request_id)
        with app.ctx.engine.begin() as db:
            auth.record(db, session.user, f"handoff {action}", str(request_id))
        return response.redirect("/handoffs")

    @app.get("/numbers")
    @staff()
    async def numbers(request: Request, session: auth.Session) -> response.HTTPResponse:
        refresh(app.ctx.engine)
        label = request.args.get("month") or date.today().strftime("%Y-%m")
        try:
            result = stats.month(app.ctx.engine, label)
        except ValueError:
            return response.text("month must look like 2026-11", status=400)
        return page("numbers.html", session=session, m=result)

    @app.get("/report/<filename>")
    @staff()
    async def report(request: Request, session: auth.Session, filename: str) -> response.HTTPResponse:
        label = filename.removesuffix(".csv")
        refresh(app.ctx.engine)
        try:
            result = stats.month(app.ctx.engine, label)
        except ValueError:
            return response.text("not found", status=404)
        with app.ctx.engine.begin() as db:
            auth.record(db, session.user, "export monthly report", label)
        out = io.StringIO()
        csv.writer(out).writerows([["metric", "breakdown", "value"], *result.csv_rows()])
        return response.text(out.getvalue(), content_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="report-{label}.csv"', **HEADERS})

    @app.get("/knowledge")
    @staff()
    async def knowledge_health(request: Request, session: auth.Session) -> response.HTTPResponse:
        kb = load_knowledge()
        today = date.today()
        articles = sorted(kb.articles.values(), key=lambda a: a.review_by)
        status = {a.id: "past review date" if a.review_by < today else "due soon" if (a.review_by - today).days <= 30 else "fresh"
                  for a in articles}
        return page("knowledge.html", session=session, kb=kb, articles=articles, review_status=status, today=today,
                    counts=Counter(status.values()), providers=sorted(kb.providers, key=lambda p: p.verified))

    @app.get("/unanswered")
    @staff()
    async def unanswered(request: Request, session: auth.Session) -> response.HTTPResponse:
        refresh(app.ctx.engine)
        return page("unanswered.html", session=session, groups=stats.unanswered_groups(app.ctx.engine))

    @app.get("/audit")
    @staff(role="admin")
    async def audit_log(request: Request, session: auth.Session) -> response.HTTPResponse:
        with app.ctx.engine.connect() as db:
            rows = db.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(500)).fetchall()
        return page("audit.html", session=session, rows=rows)

    return app


def serve(endpoints: Path, port: int) -> int:
    create_app(endpoints).run(host="127.0.0.1", port=port, access_log=False, workers=1)
    return 0
