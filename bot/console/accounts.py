"""Signing in and out, and the audit log (admins only)."""

from __future__ import annotations

import math
import secrets

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request

from bot.console import auth
from bot.console.db import audit
from bot.console.web import COOKIE, LOGIN_COOKIE, page, set_cookie, staff

accounts = Blueprint("accounts")


@accounts.get("/login")
async def login_form(request: Request) -> response.HTTPResponse:
    token = secrets.token_urlsafe(24)
    reply = page("login.html", csrf=token)
    set_cookie(reply, LOGIN_COOKIE, token, 600)
    return reply


@accounts.post("/login")
async def login(request: Request) -> response.HTTPResponse:
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    if not auth.csrf_ok(auth.Session("", "", expected), request.form.get("csrf")):
        return response.text("invalid or missing CSRF token", status=403)
    name = request.form.get("name", "")
    client = request.remote_addr or request.ip  # remote_addr: from a proxy's headers, if the deployment trusts one
    throttle: auth.LoginThrottle = request.app.ctx.throttle
    waiting = throttle.attempt(client, name)
    if waiting:  # even a right password waits: guessing must not go faster
        seconds = math.ceil(waiting)
        reply = page("login.html", status=429, csrf=expected, wait=seconds)
        reply.headers["Retry-After"] = str(seconds)
        return reply
    token = await auth.in_thread(auth.log_in, request.app.ctx.engine, name, request.form.get("password", ""))
    if token is None:
        fresh = secrets.token_urlsafe(24)
        reply = page("login.html", status=401, csrf=fresh, error=True)
        set_cookie(reply, LOGIN_COOKIE, fresh, 600)
        return reply
    throttle.succeeded(client, name)
    reply = response.redirect("/conversations")
    set_cookie(reply, COOKIE, token, auth.SESSION_SECONDS)
    return reply


@accounts.post("/logout")
@staff()
async def logout(request: Request, session: auth.Session) -> response.HTTPResponse:
    auth.log_out(request.app.ctx.engine, request.cookies.get(COOKIE))
    reply = response.redirect("/login")
    set_cookie(reply, COOKIE, "", 0)
    return reply


@accounts.get("/audit")
@staff(role="admin")
async def audit_log(request: Request, session: auth.Session) -> response.HTTPResponse:
    with request.app.ctx.engine.connect() as db:
        rows = db.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(500)).fetchall()
    return page("audit.html", session=session, rows=rows)
