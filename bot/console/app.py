"""The staff console: a Sanic application (as Rasa itself uses) made of one blueprint per area.

- accounts: sign in and out, the audit log;
- conversations: the list, transcripts, reviews, intent corrections, training-data export;
- handoff_queue: people who asked for a person;
- numbers: monthly charts and the CSV report;
- knowledge_health: review dates, translations, providers, unanswered questions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from sanic import Sanic, response
from sanic.handlers import ErrorHandler
from sanic.log import error_logger
from sanic.request import Request

from bot import ROOT
from bot.console import auth
from bot.console.accounts import accounts
from bot.console.conversations import conversations
from bot.console.handoff_queue import handoff_queue
from bot.console.knowledge_health import knowledge_health
from bot.console.numbers import numbers
from bot.database import engine_for

AREAS = (accounts, conversations, handoff_queue, numbers, knowledge_health)
STATIC = Path(__file__).parent / "static"


class ErrorsWithoutQueries(ErrorHandler):
    """Sanic's error handler, but an error's log line names the method and path, never the query
    string: a search holds the words people wrote to the assistant. (The access log is off.)"""

    @staticmethod
    def log(request: Request, exception: BaseException) -> None:
        if not getattr(exception, "quiet", False) or getattr(request.app.config, "NOISY_EXCEPTIONS", False):
            error_logger.exception("Exception occurred while handling %s %s", request.method, request.path)


async def refuse_odd_input(request: Request) -> Any:
    """Before any handler can fail on them: 404 for a static path that is not one of our files
    (`..`, NUL) and for a number in the path no database column holds; 400 for a NUL character
    anywhere (PostgreSQL refuses it in text)."""
    if request.path.startswith("/static/") and unquote(request.path.removeprefix("/static/")) not in request.app.ctx.static_files:
        return response.text("not found", status=404)
    if any(isinstance(value, int) and not -(2**63) <= value < 2**63 for value in request.match_info.values()):
        return response.text("not found", status=404)
    values = [unquote(request.path), *(v for vs in request.args.values() for v in vs)]
    if request.method == "POST":
        values += [v for vs in request.form.values() for v in vs]
    if any("\x00" in value for value in values):
        return response.text("bad request", status=400)
    return None


def domain_intents() -> list[str]:
    return sorted(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])


def create_app(endpoints: Path, name: str = "staff_console") -> Sanic:
    app = Sanic(name, error_handler=ErrorsWithoutQueries())
    app.config.ACCESS_LOG = False  # it would log every URL, searches included
    app.ctx.engine = engine_for(endpoints)
    app.ctx.intents = domain_intents()
    app.ctx.throttle = auth.LoginThrottle()
    app.ctx.static_files = {path.name for path in STATIC.iterdir() if path.is_file()}
    auth.dummy_hash()  # now, not during the first login with an unknown name
    app.register_middleware(refuse_odd_input, "request")
    app.static("/static", str(STATIC))
    for area in AREAS:
        app.blueprint(area)
    return app


def serve(endpoints: Path, host: str, port: int) -> int:
    create_app(endpoints).run(host=host, port=port, access_log=False, workers=1)
    return 0
