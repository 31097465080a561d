"""Language identification and the conversation's language."""

from __future__ import annotations

import pytest

from bot.knowledge.loader import knowledge
from bot.languages import reply_language, requested_language
from bot.nlu.language_id import BACKENDS, by_script, make_detector, word_count

LANGUAGES = ["en", "es", "zh", "vi", "ar", "ht"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("green card 怎么续", "zh"),  # Han beside English words is still Chinese
        ("綠卡丟了怎麼辦", "zh"),
        ("بدي اجدد الجرين كارد", "ar"),
        ("thẻ xanh của tôi hết hạn", "vi"),
        ("hello there", None),  # Latin script alone decides nothing
        ("👍", None),
    ],
)
def test_script_decides_what_it_can(text, expected):
    found = by_script(text, LANGUAGES)
    assert (found.language if found else None) == expected


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_library_backend_answers_within_the_supported_languages(backend):
    detect = make_detector(LANGUAGES, backend)
    assert detect("¿cuánto cuesta la solicitud de ciudadanía para mi esposo?").language == "es"
    assert detect("我的工作许可丢了怎么办").language == "zh"  # langdetect alone would say Korean
    assert detect("12345 !!!").language is None


def test_the_domain_backend_knows_creole_and_vietnamese_without_accents():
    from bot import ROOT
    from bot.nlu.language_id import read_examples, train_domain_model

    model = train_domain_model(read_examples(ROOT / "data" / "nlu", LANGUAGES))
    detect = make_detector(LANGUAGES, "domain", model=model)
    assert detect("mwen bezwen renouvle pèmi travay mwen").language == "ht"
    assert detect("lam sao de gia han giay phep lam viec").language == "vi"
    assert detect("necesito ayuda con mi work permit").language == "es"


def test_word_count_counts_chinese_without_spaces():
    assert word_count("hola amigo") == 2
    assert word_count("我的工卡丢了") == 3


@pytest.mark.parametrize(
    "previous, detected, expected",
    [
        (None, {"code": "es", "reliable": False}, "es"),  # a first message sets the language, even "hola"
        (None, {"code": None, "reliable": False}, "en"),  # nothing to go on: the default
        ("es", {"code": "en", "reliable": False}, "es"),  # "ok" does not flip a Spanish conversation
        ("es", {"code": None, "reliable": False}, "es"),  # "2", a ZIP code, an emoji
        ("es", {"code": "vi", "reliable": True}, "vi"),  # a clear, long message in another language
    ],
)
def test_the_conversation_keeps_its_language_until_clear_evidence(previous, detected, expected):
    assert reply_language(previous, detected, "en") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Español", "es"),
        ("en español por favor", "es"),
        ("english please", "en"),
        ("中文", "zh"),
        ("tieng viet", "vi"),
        ("kreyòl", "ht"),
        ("عربي", "ar"),
        ("change language", None),  # names no language: the bot offers the list
        ("english or spanish", None),  # names two: ask rather than guess
    ],
)
def test_a_person_can_ask_for_a_language_by_name(text, expected):
    assert requested_language(text, knowledge().languages) == expected
