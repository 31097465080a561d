"""Faults, on the production profile (PostgreSQL, Redis, a separate action server): a database,
Redis or the action server that goes away, and a Telegram API that fails to take a reply. Nothing
is lost, nobody is answered with silence, nothing is processed twice."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from fake_telegram import FakeTelegram, text_update

from bot import ROOT
from bot.knowledge.loader import knowledge
from bot.knowledge.render import as_sent
from tools.local_server import running_assistant
from tools.scratch import ScratchPostgres, ScratchRedis, postgres_database, production_environment, query
from tools.waiting import wait_for
from tools.webhooks import channel_environment, sms, telegram

RASA_PORT, ACTIONS_PORT, REDIS_PORT, TELEGRAM_PORT, POSTGRES_PORT = 5107, 5157, 6391, 5198, 5441


@pytest.fixture(scope="module")
def telegram_api():
    with FakeTelegram(TELEGRAM_PORT) as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory, telegram_api):
    with (
        ScratchPostgres(POSTGRES_PORT) as postgres,
        postgres_database("bot_faults", postgres.server) as database,
        ScratchRedis(REDIS_PORT) as redis,
    ):
        env = channel_environment(f"http://127.0.0.1:{RASA_PORT}", telegram_api.url) | production_environment(database)
        env |= {"REDIS_PORT": str(REDIS_PORT)}
        workdir = tmp_path_factory.mktemp("faults")
        with running_assistant(workdir, RASA_PORT, ACTIONS_PORT, ROOT / "endpoints.production.yml", env) as running:
            running.store, running.postgres, running.redis = database, postgres, redis
            yield running


def user_events(server, text: str) -> int:
    return sum(text in data for kind, data in query(server.store, "SELECT type_name, data FROM events") if kind == "user")


def test_twenty_deliveries_of_one_sms_at_once_take_one_turn_and_get_one_reply(server):
    from concurrent.futures import ThreadPoolExecutor

    sid, text = f"SM{uuid.uuid4().hex}", "cuanto cuesta la ciudadania, pregunta unica"
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda _: sms(server, text, sid=sid, phone="+16175550201"), range(20)))
    assert {status for status, _ in replies} == {200}
    assert len({reply for _, reply in replies}) == 1 and replies[0][1]
    assert user_events(server, text) == 1


def test_a_database_outage_gets_an_apology_and_the_retry_after_it_is_answered_once(server, telegram_api):
    kb = knowledge()
    phone, sid, text = "+16175550202", f"SM{uuid.uuid4().hex}", "necesito clases de ingles para adultos"
    assert sms(server, "PARAR", phone="+16175550203")[0] == 200  # opted out before the outage
    with server.postgres.outage():
        assert sms(server, text, sid=sid, phone=phone) == (200, kb.say("es", "try_again"))
        assert sms(server, "BORRAR", phone=phone) == (200, kb.say("es", "delete_failed"))
        before = len(telegram_api.sent)
        assert telegram(server, text_update(700, 555001, "necesito clases de ingles")) == 200
        assert telegram_api.sent[before:][-1]["text"] == kb.say("es", "try_again")
    status, reply = sms(server, text, sid=sid, phone=phone)  # Twilio's retry, or the person again
    assert status == 200 and as_sent(kb, "es", kb.articles["english.classes"].text["es"].short) in reply
    assert user_events(server, text) == 1
    assert sms(server, "hola, sigo aqui", phone="+16175550203") == (200, None)  # still opted out: not forgotten


def test_redis_down_gets_an_apology_and_nothing_half_processed(server):
    kb = knowledge()
    sid, text = f"SM{uuid.uuid4().hex}", "como renuevo mi green card vencida"
    with server.redis.outage():
        assert sms(server, text, sid=sid, phone="+16175550204") == (200, kb.say("es", "try_again"))
        assert user_events(server, text) == 0
    status, reply = sms(server, text, sid=sid, phone="+16175550204")  # Twilio's retry, Redis back
    assert status == 200 and as_sent(kb, "es", kb.articles["general.green_card_renewal"].text["es"].short) in reply
    assert user_events(server, text) == 1


def test_a_crashed_action_server_gets_an_apology_and_is_started_again(server):
    kb = knowledge()
    server.kill_action_server()
    assert sms(server, "hola", phone="+16175550205") == (200, kb.say("es", "try_again"))
    wait_for(server.action_server_up, timeout=60, what="the supervisor to restart it")
    status, reply = sms(server, "hola", phone="+16175550205")
    assert status == 200 and reply.startswith(as_sent(kb, "es", kb.say("es", "greeting")))
    assert "actions  stopped" in server.log.read_text() or "actions stopped" in server.log.read_text()


def test_a_telegram_reply_that_could_not_be_sent_is_sent_on_the_retry_without_a_second_turn(server, telegram_api):
    text = "quiero aprender ingles en linea gratis"
    update = text_update(800, 555002, text)
    telegram_api.failing_sends = 1
    before = len(telegram_api.sent)
    assert telegram(server, update) == 502  # not handled: Telegram will retry
    assert len(telegram_api.sent) == before
    assert telegram(server, update) == 200  # the retry: the stored reply is sent
    assert len(telegram_api.sent) == before + 1
    assert knowledge().articles["english.online"].text["es"].full in telegram_api.sent[-1]["text"]
    assert user_events(server, text) == 1
    assert telegram(server, update) == 200 and len(telegram_api.sent) == before + 1  # handled: never again


def test_the_action_server_refuses_calls_without_the_shared_token(server):
    body = json.dumps({"next_action": "action_handoff", "sender_id": "intruder", "tracker": {}, "domain": {}}).encode()
    for suffix in ("", "?token=wrong", "?token=d%C3%A9j%C3%A0"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{ACTIONS_PORT}/webhook{suffix}", body, {"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
    assert server.action_server_up()
