"""What every console page shares: templates, security headers, cookies, and the staff guard.

No page runs JavaScript, so the Content-Security-Policy forbids scripts outright (and inline
styles: the stylesheet is a file); templates escape everything they show, and conversation text
is always shown as text.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import response
from sanic.request import Request

from bot.console import auth

COOKIE = "console_session"
LOGIN_COOKIE = "console_login_csrf"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"]))
templates.filters["when"] = lambda ts: datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M") if ts else ""
Handler = Callable[..., Coroutine[Any, Any, response.HTTPResponse]]


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
