"""`make bench-console`: how long the conversation list takes with 10,000 conversations.

Fills a scratch SQLite store (the redacting tracker store's own schema) with 10,000 conversations
of four events each, modelled on real ones, starts the console, signs in over HTTP and times the
list: the first view (which indexes everything), later views, a filter and a text search.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from rasa.shared.core.domain import Domain

from bot import ROOT
from bot.console.auth import add_user
from bot.database import engine_for
from bot.privacy.store import RedactingSQLTrackerStore
from tools.waiting import wait_for

LANGUAGES = {
    "en": "how much is citizenship",
    "es": "cuánto cuesta la ciudadanía",
    "zh": "我的工卡丢了怎么办",
    "vi": "gia hạn thẻ xanh",
    "ar": "كيف اقدم على الجنسية",
    "ht": "mwen bezwen klas angle",
}
INTENTS = ["citizenship.fees", "work_permit.replace", "general.green_card_renewal", "citizenship.apply", "english.classes"]


def fill(database: Path, count: int) -> None:
    store = RedactingSQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(database))
    rows, now, pick = [], time.time(), random.Random(7)
    for number in range(count):
        sender = f"{pick.choice(['sms', 'telegram'])}-{number:024x}"
        language = pick.choice(list(LANGUAGES))
        intent = pick.choice([*INTENTS, "nlu_fallback", "ask_human"])
        at = now - pick.uniform(0, 60 * 86400)
        user = {
            "event": "user",
            "timestamp": at,
            "text": f"{LANGUAGES[language]} {number}",
            "input_channel": sender.split("-")[0],
            "parse_data": {"intent": {"name": intent, "confidence": 0.8}, "language": {"code": language}},
        }
        events = [
            ("user", intent, None, user),
            ("slot", None, None, {"event": "slot", "timestamp": at, "name": "language", "value": language}),
            ("bot", None, None, {"event": "bot", "timestamp": at, "text": "…"}),
            ("slot", None, None, {"event": "slot", "timestamp": at, "name": "article", "value": intent}),
        ]
        rows += [
            {"sender_id": sender, "type_name": t, "timestamp": at, "intent_name": i, "action_name": a, "data": json.dumps(d)}
            for t, i, a, d in events
        ]
    with store.session_scope() as session:
        session.bulk_insert_mappings(store.SQLEvent, rows)
        session.commit()


class Browser:
    """Just enough of a browser for the bench: keeps the console's cookies, which are Secure and
    so are not sent back over plain http by urllib's cookie jar (Chromium allows it on 127.0.0.1)."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Cookie": "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())}
        body = urllib.parse.urlencode(form) if form else None
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body, headers)
        reply = connection.getresponse()
        for header in reply.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        text = reply.read().decode()
        connection.close()
        return text

    def timed(self, path: str) -> float:
        started = time.perf_counter()
        self.request("GET", path)
        return time.perf_counter() - started


def main(count: int = 10_000, port: int = 5312) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        database, endpoints = Path(scratch) / "rasa.db", Path(scratch) / "endpoints.yml"
        endpoints.write_text(
            f"tracker_store:\n  type: bot.privacy.store.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: {database}\n"
        )
        fill(database, count)
        add_user(engine_for(endpoints), "bench", "reviewer", "bench-password-123")
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--port", str(port), "--endpoints", str(endpoints)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            browser = Browser(port)

            def login_form() -> str | None:
                try:
                    return browser.request("GET", "/login")
                except OSError:
                    return None

            form = wait_for(login_form, timeout=120, what="the console to answer")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            if csrf is None:
                raise RuntimeError("the login page has no CSRF token")
            browser.request("POST", "/login", {"csrf": csrf.group(1), "name": "bench", "password": "bench-password-123"})
            print(f"{count} conversations ({count * 4} events) in SQLite")
            print(f"first list view (indexes every conversation): {browser.timed('/conversations'):.2f} s")
            later = sorted(browser.timed("/conversations") for _ in range(5))
            print(f"later list views: median {later[2] * 1000:.0f} ms")
            print(f"filtered (language=vi, unsure): {browser.timed('/conversations?language=vi&flag=unsure') * 1000:.0f} ms")
            print(f"text search: {browser.timed('/conversations?q=' + urllib.parse.quote('ciudadanía')) * 1000:.0f} ms")
        finally:
            server.terminate()
            server.wait(20)
    return 0
