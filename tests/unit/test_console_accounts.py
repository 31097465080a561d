"""The console's accounts under attack: login throttling per client and per name, the same Argon2
work for every name, sessions that end with a new password, the reset command, odd input, and
logs without search text. The console runs for real on 127.0.0.1 (in a thread), no browser."""

from __future__ import annotations

import asyncio
import http.client
import logging
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sanic import Sanic

from bot import ROOT
from bot.console import auth
from bot.console.app import create_app
from bot.console.db import audit
from bot.database import engine_for

PASSWORD = "correct horse battery"


class Clock:
    """A clock the test moves by hand: the throttle never makes a test sleep."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def endpoints_file(directory: Path) -> Path:
    path = directory / "endpoints.yml"
    path.write_text(
        f"tracker_store:\n  type: bot.privacy.store.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: {directory / 'rasa.db'}\n"
    )
    return path


# The throttle on its own


def test_three_failures_are_free_then_each_attempt_waits_twice_as_long_up_to_five_minutes():
    clock = Clock()
    throttle = auth.LoginThrottle(clock=clock)
    assert [throttle.attempt("192.0.2.1", "maria") for _ in range(3)] == [0, 0, 0]
    waits = []
    for _ in range(13):
        waits.append(throttle.attempt("192.0.2.1", "maria"))
        clock.advance(waits[-1])
        assert throttle.attempt("192.0.2.1", "maria") == 0  # the wait is over: one more try
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]


def test_attempts_refused_while_waiting_do_not_lengthen_the_wait():
    clock = Clock()
    throttle = auth.LoginThrottle(clock=clock)
    assert [throttle.attempt("192.0.2.1", "maria") for _ in range(3)] == [0, 0, 0]
    clock.advance(1)
    assert throttle.attempt("192.0.2.1", "maria") == 0  # the fourth failure: the next attempt waits 2 s
    clock.advance(0.5)
    assert [throttle.attempt("192.0.2.1", "maria") for _ in range(100)] == [1.5] * 100
    clock.advance(1.5)
    assert throttle.attempt("192.0.2.1", "maria") == 0


def test_one_address_trying_many_names_is_slowed_down():
    throttle = auth.LoginThrottle(clock=Clock())
    assert [throttle.attempt("203.0.113.9", f"name-{n}") for n in range(3)] == [0, 0, 0]
    assert throttle.attempt("203.0.113.9", "name-3") == 1  # a name it never tried: the address waits
    assert throttle.attempt("192.0.2.1", "name-3") == 0  # anyone else does not


def test_many_addresses_trying_one_name_are_slowed_down():
    throttle = auth.LoginThrottle(clock=Clock())
    assert [throttle.attempt(f"203.0.113.{n}", "maria") for n in range(3)] == [0, 0, 0]
    assert throttle.attempt("203.0.113.200", "maria") == 1  # a fresh address: the name waits
    assert throttle.attempt("203.0.113.200", "joao") == 0


def test_an_attacker_elsewhere_delays_a_real_user_by_seconds_not_a_lock():
    """It used to be: five anonymous failures, and the account was locked for 15 minutes."""
    clock = Clock()
    throttle = auth.LoginThrottle(clock=clock)
    for _ in range(5):  # as fast as allowed
        clock.advance(throttle.wait("203.0.113.9", "maria"))
        assert throttle.attempt("203.0.113.9", "maria") == 0
    for _ in range(50):  # hammering changes nothing
        assert throttle.attempt("203.0.113.9", "maria") > 0
    assert throttle.wait("203.0.113.9", "someone-else") == 4  # the attacker's address waits for any name
    waiting = throttle.wait("192.0.2.1", "maria")
    assert waiting == 4  # seconds, and no more as long as the attacker is refused
    assert throttle.attempt("192.0.2.1", "maria") == waiting  # even the right password waits
    clock.advance(waiting)
    assert throttle.attempt("192.0.2.1", "maria") == 0
    throttle.succeeded("192.0.2.1", "maria")
    assert throttle.wait("192.0.2.1", "maria") == 0  # signed in: the name starts afresh
    assert throttle.attempt("192.0.2.1", "joao") == 0  # her address was never slowed


def test_failures_are_forgotten_after_15_minutes():
    clock = Clock()
    throttle = auth.LoginThrottle(clock=clock)
    for _ in range(6):
        clock.advance(throttle.wait("192.0.2.1", "maria"))
        throttle.attempt("192.0.2.1", "maria")
    assert throttle.wait("192.0.2.1", "maria") == 8
    clock.advance(899)
    assert len(throttle.failures) == 2
    clock.advance(1)
    assert throttle.wait("192.0.2.1", "maria") == 0 and not throttle.failures


def test_memory_is_bounded_and_the_oldest_keys_go_first():
    clock = Clock()
    throttle = auth.LoginThrottle(clock=clock)
    for n in range(20_000):
        throttle.attempt(f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}", f"name-{n}")
        clock.advance(0.001)
    assert len(throttle.failures) == 10_000
    assert ("name", "name-19999") in throttle.failures and ("name", "name-0") not in throttle.failures
    throttle.attempt("10.9.9.9", "x" * 100_000)
    assert max(len(key) for _, key in throttle.failures) <= 80  # a huge name is kept no longer than a real one


# Accounts and sessions


@pytest.fixture
def engine(tmp_path) -> sa.engine.Engine:
    return engine_for(endpoints_file(tmp_path))


class SpyHasher:
    """The console's Argon2 hasher, noting each call and the thread it ran in."""

    def __init__(self, real: Any) -> None:
        self.real, self.calls = real, []

    def hash(self, password: str) -> str:
        self.calls.append(("hash", threading.current_thread().name))
        return self.real.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append(("verify", threading.current_thread().name))
        return self.real.verify(password_hash, password)


@pytest.fixture
def argon2(monkeypatch) -> SpyHasher:
    auth.dummy_hash()  # computed once, before any login (create_app does it too)
    spy = SpyHasher(auth.hasher)
    monkeypatch.setattr(auth, "hasher", spy)
    return spy


def test_unknown_and_known_names_cost_exactly_one_argon2_verification(engine, argon2):
    auth.add_user(engine, "maria", "admin", PASSWORD)
    for name, password, signed_in in [
        ("maria", PASSWORD, True),
        ("maria", "wrong password!", False),
        ("nobody", "wrong password!", False),
        ("nobody", PASSWORD, False),
        ("somebody-else", "", False),
    ]:
        argon2.calls.clear()
        assert (auth.log_in(engine, name, password) is not None) == signed_in
        assert [call for call, _ in argon2.calls] == ["verify"], name


def test_setting_a_password_again_ends_the_accounts_sessions(engine):
    auth.add_user(engine, "joao", "reviewer", "first password 1")
    auth.add_user(engine, "ana", "admin", "ana's own password")
    joao = [auth.log_in(engine, "joao", "first password 1") for _ in range(2)]
    ana = auth.log_in(engine, "ana", "ana's own password")
    assert all(auth.session_for(engine, token) for token in joao)

    auth.add_user(engine, "joao", "reviewer", "second password 2")  # `users add` again
    assert [auth.session_for(engine, token) for token in joao] == [None, None]
    assert auth.session_for(engine, ana) is not None  # other accounts keep theirs

    token = auth.log_in(engine, "joao", "second password 2")
    auth.reset_password(engine, "joao", "third password 3")  # `users reset`
    assert auth.session_for(engine, token) is None and auth.session_for(engine, ana) is not None
    assert auth.log_in(engine, "joao", "second password 2") is None
    token = auth.log_in(engine, "joao", "third password 3")
    with engine.connect() as db:
        assert ("cli", "password reset", "joao") in db.execute(sa.select(audit.c.user, audit.c.action, audit.c.target)).all()

    with pytest.raises(ValueError):
        auth.reset_password(engine, "joao", "too short")
    with pytest.raises(LookupError):
        auth.reset_password(engine, "nobody", "a long enough password")
    assert auth.session_for(engine, token) is not None  # a refused reset changes nothing


def test_csrf_tokens_of_any_text_are_refused_not_an_error():
    session = auth.Session("maria", "admin", "abc")
    assert auth.csrf_ok(session, "abc")
    assert not any(auth.csrf_ok(session, forged) for forged in ("ñandú", "abç", "\udcff", "", None, "abc\x00"))


def bot_command(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, text=True, capture_output=True, cwd=ROOT, timeout=120
    )


def test_the_reset_command(tmp_path):
    endpoints = endpoints_file(tmp_path)
    engine = engine_for(endpoints)
    auth.add_user(engine, "maria", "admin", PASSWORD)
    token = auth.log_in(engine, "maria", PASSWORD)

    done = bot_command("users", "reset", "maria", "--endpoints", str(endpoints), stdin="a brand new password\n")
    assert done.returncode == 0, done.stderr
    assert "maria" in done.stdout
    assert auth.session_for(engine, token) is None
    assert auth.log_in(engine, "maria", PASSWORD) is None and auth.log_in(engine, "maria", "a brand new password")
    with engine.connect() as db:
        resets = db.execute(sa.select(audit.c.user, audit.c.target).where(audit.c.action == "password reset")).all()
    assert [tuple(row) for row in resets] == [("cli", "maria")]

    unknown = bot_command("users", "reset", "nobody", "--endpoints", str(endpoints), stdin="a brand new password\n")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr and "Traceback" not in unknown.stderr
    short = bot_command("users", "reset", "maria", "--endpoints", str(endpoints), stdin="short\n")
    assert short.returncode == 1 and "10 characters" in short.stderr and "Traceback" not in short.stderr
    assert auth.log_in(engine, "maria", "a brand new password")  # unchanged by the refused resets


# The console over HTTP


@dataclass
class Client:
    """A minimal browser: keeps cookies, follows no redirect, connects from `source` (any 127.x
    address reaches a server on 127.0.0.1, so tests can come from several client addresses)."""

    port: int
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, Any, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body, headers)
            reply = connection.getresponse()
            text = reply.read().decode(errors="replace")
        finally:
            connection.close()
        for cookie in reply.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";")[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return reply.status, reply.headers, text

    def csrf(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status)
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        assert found, path
        return found.group(1)

    def log_in(self, name: str, password: str) -> tuple[int, Any, str]:
        return self.request("POST", "/login", {"csrf": self.csrf("/login"), "name": name, "password": password})


@dataclass
class Console:
    app: Sanic
    port: int
    clock: Clock


@pytest.fixture(scope="module")
def running_console(tmp_path_factory) -> Iterator[tuple[Sanic, int]]:
    directory = tmp_path_factory.mktemp("console")
    endpoints = endpoints_file(directory)
    SQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(directory / "rasa.db"))  # its tables
    app = create_app(endpoints, name="console_accounts_test")

    async def broken(request: Any) -> Any:
        raise RuntimeError("a bug")

    app.add_route(broken, "/test-broken")
    auth.add_user(app.ctx.engine, "maria", "admin", PASSWORD)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(app.create_server(sock=listening, return_asyncio_server=True, access_log=False))
        assert server is not None
        loop.run_until_complete(server.startup())
        loop.run_until_complete(server.start_serving())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server.close())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(60), "the console did not start"
    yield app, listening.getsockname()[1]
    loop.call_soon_threadsafe(loop.stop)
    thread.join(30)


@pytest.fixture
def console(running_console) -> Console:
    """The running console with a throttle of its own for each test, on a clock the test moves."""
    app, port = running_console
    clock = Clock()
    app.ctx.throttle = auth.LoginThrottle(clock=clock)
    return Console(app, port, clock)


def test_logins_slow_down_and_even_the_right_password_waits(console):
    browser = Client(console.port)
    assert [browser.log_in("maria", f"wrong password {n}")[0] for n in range(3)] == [401, 401, 401]
    status, headers, page = browser.log_in("maria", PASSWORD)
    assert status == 429 and headers["Retry-After"] == "1"
    assert "Too many failed attempts. Please wait 1 second, then try again." in page
    assert "console_session" not in browser.cookies
    console.clock.advance(1)
    status, headers, _ = browser.log_in("maria", PASSWORD)
    assert status == 302 and headers["Location"] == "/conversations" and browser.cookies["console_session"]


def test_an_attacker_at_another_address_does_not_lock_staff_out(console):
    attacker = Client(console.port, "127.0.0.2")
    assert [attacker.log_in(f"guess-{n}", "password guess")[0] for n in range(5)] == [401, 401, 401, 429, 429]
    assert Client(console.port).log_in("maria", PASSWORD)[0] == 302  # from her own address: no wait at all

    another = Client(console.port, "127.0.0.3")  # now at maria herself, from a fresh address
    assert [another.log_in("maria", "password guess")[0] for _ in range(4)] == [401, 401, 401, 429]
    maria = Client(console.port)
    status, headers, _ = maria.log_in("maria", PASSWORD)
    assert status == 429 and headers["Retry-After"] == "1"  # a second, not 15 minutes
    console.clock.advance(1)
    assert maria.log_in("maria", PASSWORD)[0] == 302


def test_passwords_are_checked_off_the_event_loop_one_verification_each(console, argon2):
    statuses = [Client(console.port).log_in(name, password)[0] for name, password in
                (("maria", PASSWORD), ("maria", "wrong password!"), ("nobody", PASSWORD))]  # fmt: skip
    assert statuses == [302, 401, 401]
    assert [call for call, _ in argon2.calls] == ["verify"] * 3
    assert all(thread.startswith("argon2") for _, thread in argon2.calls)  # auth.password_work, not the loop


ODD_PATHS = [
    "/conversations?page=abc",
    "/conversations?page=1.5",
    "/conversations?from=notadate",
    "/conversations?to=notadate",
    "/conversations?from=2026-02-30",
    "/conversations?q=%00",
    "/conversations/%00",
    "/static/../../etc/passwd",
    "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/%00",
    "/static/console.css%00",
    "/static/..%2f..%2fetc%2fpasswd",
    "/report/%00.csv",
    "/numbers?month=notamonth",
]


def test_odd_input_is_refused_with_a_4xx_never_a_500(console):
    browser = Client(console.port)
    assert browser.log_in("maria", PASSWORD)[0] == 302
    for path in ODD_PATHS:
        assert browser.request("GET", path)[0] in (400, 404), path
    for path in (
        "/conversations?page=2&from=2026-01-01&to=2026-12-31&q=hola",
        "/conversations?page=99999999999999",
        "/static/console.css",
    ):
        assert browser.request("GET", path)[0] == 200, path

    csrf = browser.csrf("/export")
    for forged in ("ñandú", "\u00e9" * 43):
        assert browser.request("POST", "/conversations/sms-x/review", {"csrf": forged, "reviewed": "on"})[0] == 403
        assert Client(console.port).request("POST", "/login", {"csrf": forged, "name": "maria", "password": PASSWORD})[0] == 403
    intent = console.app.ctx.intents[0]
    assert browser.request("POST", f"/messages/{10**30}/correct", {"csrf": csrf, "intent": intent})[0] == 404
    assert browser.request("POST", f"/handoffs/{10**30}/resolve", {"csrf": csrf})[0] == 404
    assert browser.request("POST", "/conversations/sms-x/review", {"csrf": csrf, "note": "a\x00b"})[0] == 400
    assert browser.request("POST", f"/conversations/{'x' * 300}/review", {"csrf": csrf})[0] == 404


def test_error_logs_leave_out_the_query_string(console, caplog):
    assert console.app.config.ACCESS_LOG is False
    caplog.set_level(logging.INFO, logger="sanic.error")
    status, _, _ = Client(console.port).request("GET", "/test-broken?q=la+direccion+de+mi+hermana&from=2026-01-01")
    assert status == 500
    assert "GET /test-broken" in caplog.text and "RuntimeError: a bug" in caplog.text
    assert "hermana" not in caplog.text and "2026-01-01" not in caplog.text
