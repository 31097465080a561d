"""Actions driven with rasa-sdk trackers, as the action server would run them (no model needed)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionAnswerArticle,
    ActionChangeLanguage,
    ActionChoose,
    ActionHandoff,
    ActionLocation,
    ActionMainMenu,
    ActionNotSure,
    ActionSmallTalk,
    Turn,
    answer_article,
)
from bot.knowledge.loader import knowledge


def tracker(
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    language: dict | None = None,
    entities: list | None = None,
    ranking: list | None = None,
    channel: str = "rest",
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": ranking or [],
        "language": language or {"code": None, "confidence": 0.0, "reliable": False},
    }
    events = [{"event": "user", "text": text, "parse_data": message, "input_channel": channel}]
    return Tracker("test-user", slots or {}, message, events, False, None, {}, "action_listen")


def run(action, t: Tracker) -> tuple[str, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return "\n".join(m["text"] for m in dispatcher.messages if m.get("text")), slots


def test_an_article_is_answered_in_the_detected_language_with_notices_and_follow_ups():
    kb = knowledge()
    text, slots = run(
        ActionAnswerArticle(),
        tracker("cuanto cuesta la ciudadania", "citizenship.fees", language={"code": "es", "confidence": 0.99, "reliable": True}),
    )
    article = kb.articles["citizenship.fees"]
    assert article.text["es"].full in text
    assert kb.say("es", "legal_notice") in text
    assert f"1. {kb.articles[article.followups[0]].text['es'].title}" in text
    assert slots == {"language": "es", "article": "citizenship.fees", "menu": list(article.followups)}


def test_sms_gets_the_short_form():
    text, _ = run(ActionAnswerArticle(), tracker("n400 fee", "citizenship.fees", channel="sms"))
    assert knowledge().articles["citizenship.fees"].text["en"].short in text


def test_a_finder_article_asks_for_a_zip_code_and_remembers_the_question():
    text, slots = run(ActionAnswerArticle(), tracker("necesito abogado", "help.legal", slots={"language": "es"}))
    assert knowledge().say("es", "ask_zip") in text
    assert slots["pending_topic"] == "help.legal"


def test_a_zip_code_given_later_answers_the_waiting_question_in_the_conversation_language():
    t = tracker(
        "02139",
        "inform_location",
        slots={"language": "ht", "pending_topic": "help.legal"},
        entities=[{"entity": "zip", "value": "02139"}],
    )
    text, slots = run(ActionLocation(), t)
    assert "Fixture Legal Aid Cambridge" in text  # tests use their own provider directory
    assert knowledge().say("ht", "providers_near", zip="02139") in text
    assert slots == {"language": "ht", "zip": "02139", "pending_topic": None}


def test_an_unknown_zip_code_is_refused_kindly_without_repeating_its_digits():
    text, slots = run(ActionLocation(), tracker("my number is 00000 1234", "inform_location", slots={"language": "vi"}))
    assert text == knowledge().say("vi", "zip_unknown")
    assert not any(ch.isdigit() and ch != "5" for ch in text)  # only the "5-digit" of the request
    assert "zip" not in slots


def test_greeting_offers_a_numbered_menu_and_a_number_answers_it():
    kb = knowledge()
    text, slots = run(ActionMainMenu(), tracker("hola", "greet", language={"code": "es", "confidence": 0.9, "reliable": False}))
    assert text.startswith(kb.say("es", "greeting"))
    assert slots["menu"] == list(kb.organization.main_menu)
    chosen, slots = run(
        ActionChoose(),
        tracker("2", "choose", slots={"language": "es", "menu": slots["menu"]}, entities=[{"entity": "number", "value": "2"}]),
    )
    assert kb.articles[kb.organization.main_menu[1]].text["es"].full in chosen


def test_a_number_outside_the_menu_shows_the_menu_again():
    kb = knowledge()
    menu = ["citizenship.fees", "help.legal"]
    text, _ = run(
        ActionChoose(),
        tracker("7", "choose", slots={"language": "zh", "menu": menu}, entities=[{"entity": "number", "value": "7"}]),
    )
    assert text.startswith(kb.say("zh", "number_not_in_menu"))
    assert f"2. {kb.articles['help.legal'].text['zh'].title}" in text


def test_the_language_menu_switches_language():
    kb = knowledge()
    text, slots = run(ActionChangeLanguage(), tracker("change language", "change_language", slots={"language": "en"}))
    assert f"3. {kb.languages['zh'].name}" in text
    text, slots = run(
        ActionChoose(),
        tracker("3", "choose", slots={"language": "en", "menu": slots["menu"]}, entities=[{"entity": "number", "value": "3"}]),
    )
    assert text == kb.say("zh", "language_changed") and slots["language"] == "zh"


def test_not_sure_says_so_and_offers_only_topics_that_are_close():
    kb = knowledge()
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.25},
        {"name": "work_permit.fees", "confidence": 0.2},
        {"name": "greet", "confidence": 0.18},
        {"name": "citizenship.fees", "confidence": 0.16},
        {"name": "help.legal", "confidence": ActionNotSure.CLOSE - 0.01},
    ]
    text, slots = run(ActionNotSure(), tracker("fee thing", "nlu_fallback", slots={"language": "en"}, ranking=ranking))
    assert text.startswith(kb.say("en", "cannot_answer")) and kb.say("en", "where_else") in text
    assert slots["menu"] == ["work_permit.fees", "citizenship.fees"]  # not greet, and not a topic below CLOSE


@pytest.mark.parametrize("intent", ["nlu_fallback", "out_of_scope"])
def test_nothing_close_gets_an_honest_answer_211_and_a_person_without_a_menu(intent):
    kb = knowledge()
    ranking = [{"name": intent, "confidence": 0.6}, {"name": "citizenship.fees", "confidence": ActionNotSure.CLOSE - 0.01}]
    text, slots = run(ActionNotSure(), tracker("quien gano el partido", intent, slots={"language": "es"}, ranking=ranking))
    assert text == f"{kb.say('es', 'cannot_answer')}\n\n{kb.say('es', 'where_else')}"
    assert slots["menu"] is None  # "2" afterwards must not pick from an older menu


def test_out_of_scope_never_offers_topics_however_close():
    ranking = [{"name": "out_of_scope", "confidence": 0.5}, {"name": "citizenship.fees", "confidence": 0.45}]
    _, slots = run(ActionNotSure(), tracker("visa para canada", "out_of_scope", slots={"language": "es"}, ranking=ranking))
    assert slots["menu"] is None


def test_only_the_exact_keyword_opts_out():
    kb = knowledge()
    text, slots = run(ActionSmallTalk(), tracker("STOP", "stop", slots={"language": "en"}))
    assert text == kb.say("en", "stop") and slots["opted_out"] is True
    # A sentence that a model (wrongly) read as `stop` is never an opt-out.
    text, slots = run(ActionSmallTalk(), tracker("please stop ICE from taking my husband", "stop", slots={"language": "en"}))
    assert text == kb.say("en", "ask_to_stop") and "opted_out" not in slots


def test_after_stop_only_start_is_answered():
    dispatcher = CollectingDispatcher()
    events = ActionMainMenu().run(dispatcher, tracker("hola", "greet", slots={"language": "es", "opted_out": True}), {})
    assert events == [] and dispatcher.messages == [{**dispatcher.messages[0], "silent": True}]
    assert not dispatcher.messages[0].get("text")
    text, slots = run(ActionMainMenu(), tracker("START", "start", slots={"language": "es", "opted_out": True}))
    assert text.startswith(knowledge().say("es", "greeting")) and slots["opted_out"] is False


def test_handoff_gives_the_organisation_contact_and_hours():
    org = knowledge().organization
    text, _ = run(ActionHandoff(), tracker("quiero hablar con una persona", "ask_human", slots={"language": "es"}))
    assert org.contact in text and org.hours in text and org.name in text


def test_a_stale_article_warns_that_it_may_have_changed():
    kb = knowledge()
    article = kb.articles["work_permit.fees"]
    turn = Turn(kb, tracker("ead fee", "work_permit.fees"), "ar", date(2099, 1, 1))
    reply = answer_article(turn, article.id)
    assert kb.say("ar", "stale_notice", date=article.reviewed.isoformat()) in reply.text


def test_the_action_server_needs_no_rasa_core():
    """The actions (and the handoff store they write to) import rasa-sdk, not Rasa: the action
    server starts fast, small, and apart from Rasa's pins."""
    import subprocess
    import sys

    from bot import ROOT

    probe = "import sys, actions.actions; print(sorted(m for m in sys.modules if m == 'rasa' or m.startswith('rasa.')))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
