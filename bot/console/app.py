"""The staff console: a Sanic application (as Rasa itself uses) made of one blueprint per area.

- accounts: sign in and out, the audit log;
- conversations: the list, transcripts, reviews, intent corrections, training-data export;
- handoff_queue: people who asked for a person;
- numbers: monthly charts and the CSV report;
- knowledge_health: review dates, translations, providers, unanswered questions.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sanic import Sanic

from bot import ROOT
from bot.console import auth
from bot.console.accounts import accounts
from bot.console.conversations import conversations
from bot.console.handoff_queue import handoff_queue
from bot.console.knowledge_health import knowledge_health
from bot.console.numbers import numbers
from bot.database import engine_for

AREAS = (accounts, conversations, handoff_queue, numbers, knowledge_health)


def domain_intents() -> list[str]:
    return sorted(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])


def create_app(endpoints: Path, name: str = "staff_console") -> Sanic:
    app = Sanic(name)
    app.ctx.engine = engine_for(endpoints)
    app.ctx.intents = domain_intents()
    app.ctx.attempts = auth.LoginAttempts()
    app.static("/static", str(Path(__file__).parent / "static"))
    for area in AREAS:
        app.blueprint(area)
    return app


def serve(endpoints: Path, port: int) -> int:
    create_app(endpoints).run(host="127.0.0.1", port=port, access_log=False, workers=1)
    return 0
