"""The run command for real: honcho, the Rasa server's REST channel, the action server, SQLite."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.knowledge.loader import knowledge
from tools.local_server import running_assistant


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_assistant(tmp_path_factory.mktemp("server")) as running:
        yield running


def test_the_running_assistant_answers_over_rest_in_each_language(server):
    kb = knowledge()
    assert kb.articles["citizenship.fees"].text["es"].full in server.send("s-es", "cuánto cuesta la ciudadanía")
    assert kb.articles["work_permit.replace"].text["zh"].full in server.send("s-zh", "我的工卡丢了怎么办")
    assert kb.say("ht", "greeting") in server.send("s-ht", "bonjou")


def test_conversations_are_stored_in_sqlite_with_their_language(server):
    server.send("s-store", "necesito clases de ingles gratis")
    with sqlite3.connect(server.database) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = 's-store'").fetchall()
    slots = {json.loads(d)["name"]: json.loads(d)["value"] for t, d in rows if t == "slot"}
    assert slots["language"] == "es" and slots["article"] == "english.classes"
    assert any(t == "user" and json.loads(d)["parse_data"]["language"]["code"] == "es" for t, d in rows)


def test_html_in_a_message_comes_back_as_plain_text_answers(server):
    reply = server.send("s-html", "<img src=x onerror=alert(1)> ciudadania cuanto cuesta")
    assert knowledge().articles["citizenship.fees"].text["es"].full in reply and "<img" not in reply
