"""The knowledge base loads, validates, and refuses what staff could get wrong."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot import ROOT
from bot.knowledge.check import SHORT_MAX, check
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.knowledge.render import article_body, link, menu

CONTENT_ARTICLES = {
    "citizenship.eligibility", "citizenship.apply", "citizenship.fees", "citizenship.test",
    "citizenship.interview", "citizenship.children", "english.classes", "english.online",
    "work_permit.eligibility", "work_permit.apply", "work_permit.fees", "work_permit.asylum",
    "work_permit.renewal", "work_permit.replace", "work_permit.status", "help.legal",
    "help.citizenship_clinic", "safety.notario", "safety.scams", "general.uscis_contact",
    "general.change_address", "general.green_card_renewal", "general.privacy",
}  # fmt: skip
LANGUAGES = {"en", "es", "zh", "vi", "ar", "ht"}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def test_the_shipped_knowledge_base_passes_kb_check(kb):
    assert check(kb) == []


def test_every_content_article_exists_in_every_language(kb):
    assert set(kb.articles) == CONTENT_ARTICLES
    assert set(kb.languages) == LANGUAGES
    for article in kb.articles.values():
        assert set(article.text) == LANGUAGES, article.id
        assert all(t.translation in ("source", "machine, needs review", "reviewed") for t in article.text.values())


def test_translations_are_marked_for_review_until_a_human_reviews_them(kb):
    for article in kb.articles.values():
        assert article.text["en"].translation == "source"
        assert {article.text[code].translation for code in LANGUAGES - {"en"}} <= {"machine, needs review", "reviewed"}


def test_articles_cite_only_official_sources(kb):
    official = (".gov", "usalearns.org")
    for article in kb.articles.values():
        for source in article.sources:
            host = source.url.split("/")[2]
            assert host.endswith(official), f"{article.id}: {source.url}"


def test_every_article_intent_is_in_the_domain(kb):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert set(kb.articles) <= set(domain["intents"])


def test_stale_articles_say_they_may_have_changed(kb):
    article = kb.articles["citizenship.fees"]
    fresh = article_body(kb, article, "es", long_form=False, today=article.review_by)
    stale = article_body(kb, article, "es", long_form=False, today=date(2099, 1, 1))
    notice = kb.say("es", "stale_notice", date=article.reviewed.isoformat())
    assert notice not in fresh and notice in stale
    assert kb.say("es", "legal_notice") in fresh  # a legal topic always carries the notice


def test_menus_are_numbered_in_the_reader_language(kb):
    text = menu(kb, "vi", ["citizenship.fees", "help.legal"], "followups_intro")
    assert f"1. {kb.articles['citizenship.fees'].text['vi'].title}" in text
    assert f"2. {kb.articles['help.legal'].text['vi'].title}" in text
    assert text.endswith(kb.say("vi", "reply_number"))


def test_links_are_written_as_people_type_them():
    assert link("https://www.uscis.gov/n-400/") == "uscis.gov/n-400"


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def edit_article(directory: Path, article_id: str, change) -> None:
    path = directory / "articles" / f"{article_id}.yml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda a: a["text"].pop("ht"), "missing language ht"),
        (lambda a: a.update(review_by=date(2020, 1, 1), reviewed=date(2019, 1, 1)), "review_by 2020-01-01 has passed"),
        (lambda a: a["text"]["es"].update(short="x" * (SHORT_MAX + 1)), f"short is {SHORT_MAX + 1} characters"),
        (lambda a: a["sources"].append({"url": "uscis.gov/n-400", "title": "no scheme"}), "malformed source URL"),
        (lambda a: a.update(followups=["citizenship.nothing"]), "unknown follow-up"),
        (lambda a: a["text"]["zh"].update(translation="done"), "translation must be one of"),
        (lambda a: a.update(sources=[]), "no sources"),
    ],
)
def test_kb_check_refuses(tmp_path, change, expected):
    directory = copy_knowledge(tmp_path)
    edit_article(directory, "citizenship.fees", change)
    problems = check(load_knowledge(directory))
    assert any(expected in p and "citizenship.fees" in p for p in problems), problems


def test_kb_check_refuses_a_translation_that_drops_a_placeholder(tmp_path):
    directory = copy_knowledge(tmp_path)
    path = directory / "ui" / "es.yml"
    messages = yaml.safe_load(path.read_text())
    messages["zip_unknown"] = "No encontré ese código postal."
    path.write_text(yaml.safe_dump(messages, allow_unicode=True))
    assert any("ui/es.yml: 'zip_unknown' must use the placeholders ['zip']" in p for p in check(load_knowledge(directory)))


def test_a_structural_error_names_the_file(tmp_path):
    directory = copy_knowledge(tmp_path)
    edit_article(directory, "help.legal", lambda a: a.pop("review_by"))
    with pytest.raises(KnowledgeError, match=r"help.legal.yml: missing field 'review_by'"):
        load_knowledge(directory)


def test_kb_check_refuses_a_local_provider_without_a_real_zip(tmp_path):
    kb = load_knowledge(providers=Path(__file__).parent / "fixtures" / "providers.yml")
    provider = kb.providers[0]
    broken = dataclasses.replace(provider, location=dataclasses.replace(provider.location, postal_code="00000"))
    kb = dataclasses.replace(kb, providers=(broken,))
    assert any("needs a location with a real US ZIP code" in p for p in check(kb))
