"""SMS and Telegram for real: a running assistant (`python -m bot run`), requests signed with the
`twilio` library, python-telegram-bot talking HTTP to a fake Bot API on loopback, and the tracker
store read back — SQLite and the local PostgreSQL — to prove nothing private was kept."""

from __future__ import annotations

import http.client
import json
import os
import random
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from fake_telegram import FakeTelegram, button_update, photo_update, text_update
from planted import PLANTED_BY_LANGUAGE, PLANTED_DETAILS

from bot import ROOT
from bot.knowledge.loader import knowledge
from bot.knowledge.render import as_sent
from bot.sms_encoding import cost
from tools.local_server import running_assistant
from tools.scratch import everything_in, postgres_database, production_environment, query
from tools.waiting import wait_for
from tools.webhooks import PHONE, SECRET, channel_environment, sms, telegram

CHAT_ID = 987654321
PLANTED = ["A123456789", "123-45-6789", "ana.lopez@example.com", "617-555-0188", "IOE0912345678"]


@pytest.fixture(scope="module")
def telegram_api():
    with FakeTelegram(5199) as fake:
        yield fake


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory, telegram_api):
    env = channel_environment("http://127.0.0.1:5106", telegram_api.url) | {"LOG_LEVEL": "DEBUG"}
    workdir = tmp_path_factory.mktemp("channels")
    if request.param == "sqlite":
        with running_assistant(workdir, 5106, 5156, ROOT / "endpoints.yml", env) as running:
            running.store = running.database
            yield running
        return
    with postgres_database("bot_channels") as database:
        env |= production_environment(database)
        with running_assistant(workdir, 5106, 5156, ROOT / "endpoints.production.yml", env) as running:
            running.store = database
            yield running


def stored(server, sql: str = "SELECT sender_id, data FROM events") -> str:
    """Everything the tracker store holds, sender ids included, as one string."""
    rows = query(server.store, sql)
    if sql.endswith("FROM events"):  # decoded, so "cuánto" is found as written
        return "\n".join(f"{sender} {json.dumps(json.loads(data), ensure_ascii=False)}" for sender, data in rows)
    return "\n".join(" ".join(map(str, row)) for row in rows)


# --- SMS ------------------------------------------------------------------------------------


def test_forged_unsigned_or_altered_sms_is_refused_and_leaves_no_trace(server):
    before = stored(server)
    assert sms(server, "hola forged", sign=False)[0] == 403
    assert sms(server, "hola", tamper={"Body": "hola altered after signing"})[0] == 403
    assert sms(server, "hola", tamper={"From": "+16175559999"})[0] == 403
    after = stored(server)
    assert after == before and "forged" not in after and "altered" not in after


def test_a_genuine_sms_gets_twiml_in_the_sender_language_and_a_retry_is_processed_once(server):
    kb = knowledge()
    sid = f"SM{uuid.uuid4().hex}"
    status, reply = sms(server, "cuánto cuesta la ciudadanía", sid=sid, phone="+16175550111")
    assert status == 200 and as_sent(kb, "es", kb.articles["citizenship.fees"].text["es"].short) in reply
    assert as_sent(kb, "es", kb.say("es", "more_hint")) in reply
    assert cost(reply).encoding == "GSM-7" and cost(reply).segments <= 3  # Spanish folds: "ciudadanía" costs UCS-2

    def user_events() -> int:
        return sum('"event": "user"' in line and "cuánto cuesta la ciudadanía" in line for line in stored(server).splitlines())

    assert user_events() == 1
    assert sms(server, "cuánto cuesta la ciudadanía", sid=sid, phone="+16175550111") == (200, reply)
    assert user_events() == 1


def test_more_pages_through_the_full_article(server):
    kb = knowledge()
    phone = "+16175550112"
    sms(server, "cuánto cuesta la ciudadanía", phone=phone)
    _, page = sms(server, "MORE", phone=phone)
    assert page.split("\n\n")[0] in as_sent(kb, "es", kb.articles["citizenship.fees"].text["es"].full)
    assert cost(page).encoding == "GSM-7" and cost(page).segments <= 4


def test_stop_silences_until_start(server):
    kb = knowledge()
    phone = "+16175550113"
    sms(server, "hola, necesito ayuda con mi permiso de trabajo", phone=phone)
    assert sms(server, "PARAR", phone=phone) == (200, as_sent(kb, "es", kb.say("es", "stop")))
    assert sms(server, "hola?", phone=phone) == (200, None)
    status, reply = sms(server, "START", phone=phone)
    assert status == 200 and reply.startswith(as_sent(kb, "es", kb.say("es", "greeting")))


def test_a_picture_or_an_empty_sms_gets_a_kind_reply_in_the_conversation_language(server):
    kb = knowledge()
    phone = "+16175550114"
    sms(server, "我想学英文", phone=phone)
    assert sms(server, "", phone=phone, NumMedia="1", MediaUrl0="https://example.org/p.jpg") == (200, kb.say("zh", "media"))
    assert sms(server, "", phone=phone) == (200, kb.say("zh", "no_text"))


def test_delete_erases_the_conversation_and_a_pending_request_to_be_called(server):
    kb = knowledge()
    phone = "+16175550115"
    marker = "mwen bezwen yon avoka gratis"
    sms(server, marker, phone=phone)
    assert as_sent(kb, "ht", kb.say("ht", "handoff_offer_chat")) in sms(server, "mwen vle pale ak yon moun", phone=phone)[1]
    assert sms(server, "rele m nan 617-555-0142", phone=phone) == (200, as_sent(kb, "ht", kb.say("ht", "handoff_saved")))
    requests = lambda: stored(server, "SELECT language FROM console_handoffs").split()  # noqa: E731
    assert "ht" in requests()
    assert sms(server, "EFASE", phone=phone) == (200, kb.say("ht", "deleted"))
    assert marker not in stored(server) and "ht" not in requests()


def test_whatsapp_gets_the_whole_article_keywords_work_and_the_number_is_never_kept(server):
    """Twilio delivers WhatsApp to the same webhook, signed the same way, from `whatsapp:+…`."""
    kb = knowledge()
    whatsapp = "whatsapp:+16175550161"
    status, reply = sms(server, "cuánto cuesta la ciudadanía", phone=whatsapp)
    assert status == 200 and kb.articles["citizenship.fees"].text["es"].full in reply
    assert reply.startswith(f"*{kb.articles['citizenship.fees'].text['es'].title}*\n\n")  # WhatsApp shows it bold
    assert as_sent(kb, "es", kb.say("es", "more_hint")) not in reply  # no SMS pages on WhatsApp
    location = {"Latitude": "42.3601", "Longitude": "-71.0589"}
    assert sms(server, "", phone=whatsapp, **location) == (200, kb.say("es", "no_text"))
    picture = {"NumMedia": "1", "MediaUrl0": "https://example.org/p.jpg", "MediaContentType0": "image/jpeg"}
    assert sms(server, "", phone=whatsapp, **picture) == (200, kb.say("es", "media"))
    assert sms(server, "PARAR", phone=whatsapp) == (200, kb.say("es", "stop"))
    assert sms(server, "hola?", phone=whatsapp) == (200, None)
    status, reply = sms(server, "START", phone=whatsapp)
    assert status == 200 and reply.startswith(kb.say("es", "greeting"))
    assert "whatsapp-" in stored(server, "SELECT DISTINCT sender_id FROM events ORDER BY 1")
    assert "6175550161" not in stored(server) and "whatsapp:" not in stored(server)
    assert sms(server, "BORRAR", phone=whatsapp) == (200, kb.say("es", "deleted"))
    assert "whatsapp-" not in stored(server, "SELECT DISTINCT sender_id FROM events ORDER BY 1")


def test_only_the_exact_keyword_erases(server):
    phone = "+16175550116"
    marker = "kijan pou m efase dosye kriminèl mwen"  # "how do I erase my criminal record": a question
    assert sms(server, marker, phone=phone)[1] != knowledge().say("ht", "deleted")
    assert marker in stored(server)


# --- Telegram -------------------------------------------------------------------------------


def test_telegram_refuses_a_missing_or_wrong_secret_and_malformed_json(server, telegram_api):
    sent = len(telegram_api.sent)
    assert telegram(server, text_update(1, CHAT_ID, "hola"), secret=None) == 403
    assert telegram(server, text_update(2, CHAT_ID, "hola"), secret="wrong") == 403
    assert telegram(server, b"{not json", secret=SECRET) == 400
    assert len(telegram_api.sent) == sent  # a webhook answers only after handling: nothing can follow


def test_telegram_answers_with_buttons_and_a_retried_update_is_processed_once(server, telegram_api):
    kb = knowledge()
    base = len(telegram_api.sent)
    update = text_update(100 + base, CHAT_ID, "我的工卡丢了怎么办")
    assert telegram(server, update) == 200 and telegram(server, update) == 200
    assert len(telegram_api.sent) == base + 1  # answered once; the retry was not processed again
    reply = telegram_api.sent[base]
    assert int(reply["chat_id"]) == CHAT_ID
    assert kb.articles["work_permit.replace"].text["zh"].full in reply["text"]
    buttons = [row[0] for row in reply["reply_markup"]["inline_keyboard"]]
    assert buttons[0]["callback_data"] == "1"
    followup = kb.articles["work_permit.replace"].followups[0]
    assert buttons[0]["text"] == f"1. {kb.articles[followup].text['zh'].title}"
    # pressing the button answers that follow-up, in Chinese
    assert telegram(server, button_update(200 + base, CHAT_ID, "1")) == 200
    pressed = telegram_api.sent[-1]
    assert kb.articles[followup].text["zh"].full in pressed["text"]


def test_telegram_photo_and_delete_command(server, telegram_api):
    kb = knowledge()
    chat = CHAT_ID + 1
    base = len(telegram_api.sent)
    telegram(server, text_update(300 + base, chat, "xin chào, tôi cần học tiếng Anh"))
    telegram(server, photo_update(301 + base, chat))
    assert len(telegram_api.sent) == base + 2 and telegram_api.sent[-1]["text"] == kb.say("vi", "media")
    assert kb.say("vi", "media") in stored(server)  # what was stored is what the person received
    telegram(server, text_update(302 + base, chat, "/delete"))
    assert len(telegram_api.sent) == base + 3 and telegram_api.sent[-1]["text"] == kb.say("vi", "deleted")
    assert "tôi cần học tiếng Anh" not in stored(server)


def test_polling_mode_forwards_updates_from_the_bot_api(server, telegram_api):
    base = len(telegram_api.sent)
    telegram_api.queued.append(text_update(5000 + base, CHAT_ID + 2, "hola, qué puedes hacer"))
    env = {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_URL": telegram_api.url,
        "BOT_SECRET_KEY": "a-long-random-deployment-secret",
    }
    poller = subprocess.Popen(
        [sys.executable, "-m", "bot", "telegram", "--poll", "--rasa-url", server.url],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        reply = telegram_api.wait_for_messages(base + 1, timeout=90)[base]
    finally:
        poller.terminate()
        poller.wait(10)
    assert "deleteWebhook" in telegram_api.calls
    assert knowledge().say("es", "menu_intro") in reply["text"]  # answered in Spanish, with the menu


# --- Privacy --------------------------------------------------------------------------------


def test_no_phone_number_telegram_id_or_planted_detail_in_any_language_is_stored_logged_or_repeated(server, telegram_api):
    phone = "+16175550177"
    sms(server, f"mi numero A es {PLANTED[0]} y mi seguro social {PLANTED[1]}, como renuevo mi permiso", phone=phone)
    sms(server, f"escribeme a {PLANTED[2]} o llamame al {PLANTED[3]}, recibo {PLANTED[4]}", phone=phone)
    kb = knowledge()
    assert as_sent(kb, "es", kb.say("es", "handoff_offer_chat")) in sms(server, "quiero hablar con una persona", phone=phone)[1]
    assert sms(server, f"llamame al {PLANTED[3]}", phone=phone) == (200, as_sent(kb, "es", kb.say("es", "handoff_saved")))
    before = len(telegram_api.sent)
    telegram(server, text_update(9000 + before, CHAT_ID + 3, f"my A number is {PLANTED[0]}, email {PLANTED[2]}"))
    assert len(telegram_api.sent) == before + 1
    for number, (message, details) in enumerate(PLANTED_BY_LANGUAGE.values()):  # a name, address, birth date… per language
        status, reply = sms(server, message, phone=f"+1617555017{number}")
        assert status == 200 and reply and not any(detail in reply for detail in details)
    marker = "flushmarker" + "".join(random.choices(string.ascii_lowercase, k=12))  # letters only: nothing to redact
    sms(server, marker, phone=phone)

    def log_caught_up() -> str | None:
        text = server.log.read_text()
        return text if marker in text else None

    log = wait_for(log_caught_up, timeout=30, what="the server log")
    everything = everything_in(server.store)  # every table: conversations, contact requests, webhook claims…
    requests = stored(server, "SELECT sender_id, language, contact FROM console_handoffs")
    assert "es" in requests and PLANTED[3] not in requests  # the contact is kept, encrypted
    assert "[A-NUMBER]" in everything and "[SSN]" in everything and "[EMAIL]" in everything  # typed placeholders remain
    for secret in [phone, phone.lstrip("+"), "6175550177", PHONE, str(CHAT_ID), str(CHAT_ID + 3), *PLANTED, *PLANTED_DETAILS]:
        assert secret not in everything, secret
        assert secret not in log, secret


# --- Hostile and odd input ------------------------------------------------------------------


def test_oversized_requests_are_refused_before_they_are_read_and_the_server_stays_responsive(server):
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=30)
    connection.putrequest("POST", "/webhooks/sms/webhook")  # announces ~10 MB of small fields…
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Content-Length", str(10 * 1024 * 1024))
    connection.endheaders()
    assert connection.getresponse().status == 413  # …and is refused before a byte of it is read
    assert time.monotonic() - started < 5
    connection.close()
    assert sms(server, "x" * 70_000)[0] == 413  # signed, but larger than any Twilio webhook
    status, reply = sms(server, "necesito ayuda con mi permiso de trabajo " * 100, phone="+16175550131")  # 4,100 characters
    assert (status, reply) == (200, knowledge().say("es", "too_long"))
    assert "necesito ayuda con mi permiso de trabajo necesito" not in stored(server)
    status, reply = sms(server, "cuánto cuesta la ciudadanía", phone="+16175550132")
    assert status == 200 and as_sent(knowledge(), "es", knowledge().articles["citizenship.fees"].text["es"].short) in reply


def test_odd_input_gets_a_clear_answer_never_a_500(server):
    status, reply = sms(server, "hola", NumMedia="abc", phone="+16175550133")
    assert status == 200 and reply.startswith(as_sent(knowledge(), "es", knowledge().say("es", "greeting")))
    assert telegram(server, text_update(4242, CHAT_ID, "hola"), secret="clé-secrète") == 403
    rest = f"{server.url}/webhooks/rest/webhook"
    for body in (b"", b"[]", b"{not json", json.dumps({"sender": "a", "message": None}).encode(),
                 json.dumps({"sender": "a", "message": 7}).encode(), json.dumps({"sender": "a", "message": ["x"]}).encode(),
                 json.dumps({"sender": "+1 617 555 0199", "message": "hola"}).encode()):  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(rest, body, {"Content-Type": "application/json"}), timeout=30)
        assert refused.value.code == 400, body
    assert "617 555 0199" not in stored(server) and "+1 617" not in stored(server)
