"""The knowledge base as staff keep it: review dates and translation status of every article,
providers by date of last verification, and what people asked that no article answered."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sanic import Blueprint, response
from sanic.request import Request

from bot.console import auth, stats
from bot.console.index import refresh
from bot.console.web import page, staff
from bot.knowledge.loader import load_knowledge

DUE_SOON_DAYS = 30

knowledge_health = Blueprint("knowledge_health")


@knowledge_health.get("/knowledge")
@staff()
async def health(request: Request, session: auth.Session) -> response.HTTPResponse:
    kb = load_knowledge()  # as it is on disk now: staff may have just edited it
    today = date.today()
    articles = sorted(kb.articles.values(), key=lambda a: a.review_by)
    status = {
        a.id: "past review date"
        if a.review_by < today
        else "due soon"
        if (a.review_by - today).days <= DUE_SOON_DAYS
        else "fresh"
        for a in articles
    }
    return page("knowledge.html", session=session, kb=kb, articles=articles, review_status=status, today=today,
                counts=Counter(status.values()), providers=sorted(kb.providers, key=lambda p: p.verified))  # fmt: skip


@knowledge_health.get("/unanswered")
@staff()
async def unanswered(request: Request, session: auth.Session) -> response.HTTPResponse:
    refresh(request.app.ctx.engine)
    return page("unanswered.html", session=session, groups=stats.unanswered_groups(request.app.ctx.engine))
