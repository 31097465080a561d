"""A person in the same conversation: someone on SMS, WhatsApp or Telegram asks for a person and
says YES; a staff member claims the chat in the console (a real browser), replies, reads the
answer, hands back. Real signed webhooks into a running assistant; staff replies leave through
the `twilio` library and python-telegram-bot to fake Twilio and Telegram APIs on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import pytest
from fake_telegram import FakeTelegram, text_update
from fake_twilio import FakeTwilio
from playwright.sync_api import Page, sync_playwright
from test_console import CHROMIUM_ARGS

from bot import ROOT
from bot.knowledge.loader import knowledge
from bot.knowledge.render import as_sent
from tools.local_server import running_assistant
from tools.scratch import everything_in, postgres_database, production_environment, query
from tools.waiting import wait_for
from tools.webhooks import channel_environment, sms, telegram

RASA_PORT, ACTIONS_PORT, CONSOLE_PORT, TELEGRAM_PORT, TWILIO_PORT = 5141, 5191, 5341, 5196, 5195
CONSOLE = f"http://127.0.0.1:{CONSOLE_PORT}"
ACCOUNT_SID, TWILIO_TOKEN = "AC" + "0" * 32, "test-twilio-auth-token"  # the token the webhooks are signed with
OUR_NUMBER = "+15550100000"  # tools.webhooks posts every message "To" it
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def apis():
    with FakeTelegram(TELEGRAM_PORT) as telegram_api, FakeTwilio(TWILIO_PORT, ACCOUNT_SID, TWILIO_TOKEN) as twilio_api:
        yield telegram_api, twilio_api


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory, apis):
    telegram_api, twilio_api = apis
    telegram_api.sent.clear()
    twilio_api.sent.clear()
    with postgres_database("bot_handoff") if request.param == "postgresql" else nullcontext() as database:
        env = channel_environment(f"http://127.0.0.1:{RASA_PORT}", telegram_api.url)
        env |= {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_URL": twilio_api.url}
        env |= production_environment(database) if database else {}
        assert env["TWILIO_AUTH_TOKEN"] == TWILIO_TOKEN
        workdir = tmp_path_factory.mktemp("handoff")
        profile = ROOT / ("endpoints.production.yml" if database else "endpoints.yml")
        with running_assistant(workdir, RASA_PORT, ACTIONS_PORT, profile, env) as server:
            server.store = database or server.database
            console_env = {**os.environ, **env, "ENDPOINTS": str(workdir / "endpoints.yml")}
            subprocess.run([sys.executable, "-m", "bot", "users", "add", "maria", "--role", "admin"], input=PASSWORD + "\n",
                           text=True, check=True, cwd=ROOT, env=console_env, timeout=120)  # fmt: skip
            log = (workdir / "console.log").open("w")
            console = subprocess.Popen([sys.executable, "-m", "bot", "console", "--port", str(CONSOLE_PORT)],
                                       cwd=ROOT, env=console_env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
            try:
                wait_for(lambda: answers(f"{CONSOLE}/login"), timeout=120, what="the console to answer")
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                    yield World(server, telegram_api, twilio_api, browser.new_page())
                    browser.close()
            finally:
                console.terminate()
                console.wait(20)
                log.close()


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except OSError:
        return False


@dataclass
class World:
    server: object
    telegram_api: FakeTelegram
    twilio_api: FakeTwilio
    page: Page

    def sign_in(self) -> None:
        self.page.goto(f"{CONSOLE}/login")
        if "/login" not in self.page.url:
            return
        self.page.fill("input[name=name]", "maria")
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("text=Sign in")
        self.page.wait_for_url(f"{CONSOLE}/conversations")

    def claim(self, first_words: str) -> None:
        """As staff: sign in, open the chat whose person first wrote `first_words`, claim it."""
        self.sign_in()
        self.open_chat(first_words)
        self.page.click("text=Claim and answer")

    def open_chat(self, first_words: str) -> None:
        """The queue, then the chat whose person first wrote `first_words`."""
        self.page.goto(f"{CONSOLE}/handoffs")
        row = self.page.locator("tr.handoff.chat", has_text=first_words)
        assert row.count() == 1, self.page.inner_text("table")
        row.locator("text=Open the chat").click()

    def handoffs(self) -> list[tuple]:
        return query(self.server.store, "SELECT id, sender_id, channel, contact, status, claimed_by FROM console_handoffs")


@dataclass
class Person:
    """Someone writing to the assistant on one channel; `say` returns what the assistant answered
    in the webhook (SMS, WhatsApp) or sent to the chat (Telegram), None when it stayed silent."""

    channel: str
    address: str
    say: Callable[[str], str | None]
    received: Callable[[], list[str]]  # what staff sent them, in order


def person_on(world: World, channel: str, n: int) -> Person:
    if channel == "telegram":
        chat_id = 770000 + n
        updates = iter(range(90000 + n * 100, 90000 + n * 100 + 100))

        answers: set[int] = set()  # positions in the fake's log of what the assistant answered in webhooks

        def say_telegram(text: str) -> str | None:
            before = len(world.telegram_api.sent)
            assert telegram(world.server, text_update(next(updates), chat_id, text)) == 200
            new = [
                n for n in range(before, len(world.telegram_api.sent)) if int(world.telegram_api.sent[n]["chat_id"]) == chat_id
            ]
            answers.update(new)
            return "\n\n".join(world.telegram_api.sent[n]["text"] for n in new) or None

        def telegram_received() -> list[str]:
            sent = world.telegram_api.sent
            return [m["text"] for n, m in enumerate(sent) if int(m["chat_id"]) == chat_id and n not in answers]

        return Person(channel, str(chat_id), say_telegram, telegram_received)
    number = f"+1617555{n:04d}"
    address = f"whatsapp:{number}" if channel == "whatsapp" else number

    def say_twilio(text: str) -> str | None:
        status, reply = sms(world.server, text, phone=address)
        assert status == 200
        return reply

    def twilio_received() -> list[str]:
        return [m["Body"] for m in world.twilio_api.sent if m["To"] == address and m["From"] == OUR_NUMBER]

    return Person(channel, address, say_twilio, twilio_received)


def ask_for_a_person(person: Person, question: str) -> None:
    kb = knowledge()
    assert person.say(question)  # the first thing they wrote: how staff find them in the queue
    offer = person.say("PERSONA")
    assert offer and sent(kb.say("es", "handoff_offer_chat"), person) in offer
    queued = person.say("sí")
    assert queued and sent(kb.say("es", "handoff_chat_queued", hours=kb.organization.hours), person) in queued


def sent(text: str, person: Person) -> str:
    """`text` as it reaches this person: SMS in Spanish is folded to GSM-7."""
    return as_sent(knowledge(), "es", text) if person.channel == "sms" else text


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "telegram"])
def test_staff_claim_reply_and_hand_back_in_the_persons_own_chat(world, channel):
    kb = knowledge()
    n = {"sms": 1, "whatsapp": 2, "telegram": 3}[channel]
    person = person_on(world, channel, n)
    question = f"tengo una pregunta sobre mi caso de asilo ({channel})"
    ask_for_a_person(person, question)
    fees = kb.articles["citizenship.fees"].text["es"]
    waiting = person.say("cuánto cuesta la ciudadanía")  # nobody has claimed it yet: the assistant still answers
    assert waiting and (sent(fees.short, person) in waiting or fees.full in waiting)

    world.claim(question)
    assert "Answered by maria" in world.page.inner_text("p.state")
    staff_reply = f"Hola, soy María del equipo. ¿Sigue ahí? (chat {n})"
    world.page.fill("textarea[name=text]", staff_reply)
    world.page.click("text=Send")
    received = wait_for(lambda: person.received(), timeout=30, what="the staff reply")
    assert received[-1] == sent(staff_reply, person)  # on SMS without the accents GSM-7 lacks, like the assistant's
    assert world.page.locator(".turn.staff", has_text=f"(chat {n})").count() == 1

    assert person.say("sí, necesito saber si puedo viajar mientras espero") is None  # the assistant is silent
    world.page.click("text=Refresh to see new messages")
    assert "puedo viajar mientras espero" in world.page.inner_text("main")

    open_requests = len(world.handoffs())
    world.page.click("text=Hand back to the assistant")
    assert person.received()[-1] == sent(kb.say("es", "handoff_back"), person)
    assert len(world.handoffs()) == open_requests - 1  # the request, address and all, is gone
    everything = everything_in(world.server.store)
    assert person.address not in everything and person.address.removeprefix("whatsapp:+") not in everything
    answer = person.say("cuánto cuesta la ciudadanía")  # the assistant answers again
    assert answer and (sent(fees.short, person) in answer or fees.full in answer)
    audit = query(world.server.store, "SELECT action FROM console_audit")
    assert ("handoff claim",) in audit and ("handoff message",) in audit and ("handoff handback",) in audit


def test_delete_during_a_chat_erases_the_conversation_and_the_address(world):
    kb = knowledge()
    person = person_on(world, "sms", 11)
    ask_for_a_person(person, "quiero hablar de mi permiso de trabajo, caso rojo")
    world.claim("quiero hablar de mi permiso de trabajo, caso rojo")
    chat_url = world.page.url
    open_requests = len(world.handoffs())
    assert person.say("BORRAR") == kb.say("es", "deleted")
    assert len(world.handoffs()) == open_requests - 1
    assert person.address not in everything_in(world.server.store)
    world.page.goto(chat_url)
    assert "deleted" in world.page.inner_text("main") and world.page.locator("textarea").count() == 0


def test_failures_are_shown_to_staff_and_telegram_rate_limits_are_respected(world):
    sms_person, telegram_person = person_on(world, "sms", 21), person_on(world, "telegram", 22)
    ask_for_a_person(sms_person, "ayuda con la corte, caso azul")
    ask_for_a_person(telegram_person, "ayuda con la corte, caso verde")

    world.claim("ayuda con la corte, caso azul")
    world.twilio_api.refusals.append((400, 21610, "Attempt to send to unsubscribed recipient"))
    world.page.fill("textarea[name=text]", "Hola, le escribo de la oficina")
    world.page.click("text=Send")
    assert "opted out" in world.page.inner_text(".problem")
    assert world.page.input_value("textarea[name=text]") == "Hola, le escribo de la oficina"  # nothing lost
    assert sms_person.received() == []
    world.page.click("text=Close the chat")  # closing still erases the address, though nothing can be delivered

    world.claim("ayuda con la corte, caso verde")
    world.telegram_api.rate_limits.append(1)  # a short wait: waited out, then sent once
    world.page.fill("textarea[name=text]", "Primer mensaje")
    world.page.click("text=Send")
    assert telegram_person.received() == ["Primer mensaje"]
    world.telegram_api.rate_limits.append(120)  # a long one: staff are told, nothing is sent
    world.page.fill("textarea[name=text]", "Segundo mensaje")
    world.page.click("text=Send")
    assert "try again in 120 seconds" in world.page.inner_text(".problem")
    assert telegram_person.received() == ["Primer mensaje"]
    world.page.click("text=Close the chat")
    assert telegram_person.received()[-1] == knowledge().say("es", "handoff_closed")


def test_a_day_without_a_staff_reply_ends_the_chat_and_offers_a_call_back(world):
    kb = knowledge()
    person = person_on(world, "whatsapp", 31)
    ask_for_a_person(person, "necesito a alguien para mi caso, caso gris")
    day_ago = time.time() - 25 * 3600
    newest = max(row[0] for row in world.handoffs())
    query(world.server.store, f"UPDATE console_handoffs SET created_at = {day_ago} WHERE id = {newest}")
    assert person.say("hola? sigue alguien ahí") == kb.say("es", "handoff_timeout")
    assert newest not in [row[0] for row in world.handoffs()]
    assert person.say("mi correo es ana.lopez@example.com") == kb.say("es", "handoff_saved")  # the call back offered


def test_stop_during_a_chat_ends_it(world):
    kb = knowledge()
    person = person_on(world, "telegram", 41)
    ask_for_a_person(person, "consulta sobre mi tps, caso blanco")
    world.claim("consulta sobre mi tps, caso blanco")
    open_requests = len(world.handoffs())
    assert person.say("PARAR") == kb.say("es", "stop")
    assert len(world.handoffs()) == open_requests - 1
