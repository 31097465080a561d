"""Provider search by ZIP code, category and language (fixture directory, fictional entries)."""

from __future__ import annotations

import pytest

from bot import ROOT
from bot.knowledge.loader import load_knowledge
from bot.knowledge.providers import centroid, find_zip, miles_between, search
from bot.knowledge.render import providers_block

FIXTURE = ROOT / "tests" / "fixtures" / "providers.yml"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(providers=FIXTURE)


def ids(matches):
    return [m.provider.id for m in matches]


def test_nearest_first_within_the_radius(kb):
    local, national = search(kb.providers, "02140", "legal", radius_miles=60)
    assert ids(local) == ["fixture-cambridge-legal", "fixture-worcester-legal"]  # Miami is far away
    assert local[0].miles < 5 < 30 < local[1].miles < 50
    assert ids(national) == ["fixture-national-directory"]


def test_the_radius_excludes_farther_providers(kb):
    local, _ = search(kb.providers, "02140", "legal", radius_miles=25)
    assert ids(local) == ["fixture-cambridge-legal"]


def test_filters_by_category_and_language(kb):
    assert ids(search(kb.providers, "02140", "english", 25)[0]) == ["fixture-boston-esl"]
    assert ids(search(kb.providers, "02140", "legal", 60, language="ar")[0]) == ["fixture-worcester-legal"]
    # national directories serve everyone, whatever the language
    assert ids(search(kb.providers, "02140", "legal", 60, language="ar")[1]) == ["fixture-national-directory"]


def test_zip_codes_are_real_or_nothing():
    assert centroid("02139") is not None
    assert centroid("00000") is None
    assert find_zip("vivo en el 33150 cerca") == "33150"
    assert find_zip("我的邮编是10001") == "10001"  # no word boundary before the digits
    assert find_zip("call 800-375-5283") is None
    assert miles_between(centroid("02139"), centroid("33150")) == pytest.approx(1250, rel=0.05)


def test_providers_block_lists_speakers_of_the_language_first(kb):
    text = providers_block(kb, "ht", ("legal",), "02140")
    assert text.index("Fixture Legal Aid Cambridge") < text.index("National legal directory")
    assert kb.say("ht", "providers_near", zip="02140") in text


def test_no_local_provider_says_so_and_still_offers_national_ones(kb):
    text = providers_block(kb, "es", ("legal",), "99501")  # Anchorage
    assert kb.say("es", "providers_none_near", zip="99501") in text
    assert "example.org/national" in text
