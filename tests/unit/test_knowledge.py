"""The knowledge base loads, validates, and refuses what staff could get wrong."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot import ROOT
from bot.knowledge.check import FIRST_SMS_MAX_SEGMENTS, FIRST_SMS_MEAN_SEGMENTS, SHORT_MAX, check, check_wiring, full_check
from bot.knowledge.loader import KnowledgeError, load_knowledge
from bot.knowledge.render import article_body, first_sms, link, menu, sms_answer, zip_question
from bot.sms_encoding import cost, fold

CONTENT_ARTICLES = {
    "citizenship.eligibility", "citizenship.apply", "citizenship.fees", "citizenship.test",
    "citizenship.interview", "citizenship.children", "english.classes", "english.online",
    "work_permit.eligibility", "work_permit.apply", "work_permit.fees", "work_permit.asylum",
    "work_permit.renewal", "work_permit.replace", "work_permit.status", "help.legal",
    "help.citizenship_clinic", "safety.notario", "safety.scams", "general.uscis_contact",
    "general.change_address", "general.green_card_renewal", "general.privacy",
    "rights.ice_encounter", "rights.detained_relative", "court.hearing", "asylum.basics", "tps.basics",
    "daca.basics", "family.green_card", "travel.pending_case", "benefits.public_charge", "health.care",
    "work.rights", "taxes.itin", "general.drivers_license", "education.school", "safety.victims",
    "help.local_services",
}  # fmt: skip
LANGUAGES = {"en", "es", "zh", "vi", "ar", "ht"}
TODAY = max(a.reviewed for a in load_knowledge().articles.values())
"""The tests' "today": the day of the latest review, so no test reads the clock or starts failing
on a later day. Whether the real knowledge base is past its review dates is checked with the real
date by `kb check`, its own step of `make test`."""


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def test_the_shipped_knowledge_base_passes_kb_check(kb):
    assert check(kb, TODAY) == []


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


def test_every_article_is_wired_into_domain_rules_training_data_and_held_out_tests(kb):
    assert check_wiring(kb) == []


def test_kb_check_finds_an_article_that_is_not_wired(tmp_path, kb):
    root = tmp_path / "project"
    for part in ("domain.yml", "data", "tests/heldout"):
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        copy = shutil.copytree if (ROOT / part).is_dir() else shutil.copy
        copy(ROOT / part, root / part)
    domain = yaml.safe_load((root / "domain.yml").read_text())
    domain["intents"].remove("tps.basics")
    (root / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True))
    rules = (root / "data" / "rules.yml").read_text().replace("    - intent: daca.basics\n", "")
    (root / "data" / "rules.yml").write_text(rules)
    for path in (root / "tests" / "heldout").rglob("vi.yml"):
        data = yaml.safe_load(path.read_text())
        data["messages"] = [m for m in data["messages"] if m["intent"] != "taxes.itin"]
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    problems = check_wiring(kb, root)
    assert "articles/tps.basics.yml: intent 'tps.basics' is missing from domain.yml" in problems
    assert "articles/daca.basics.yml: intent 'daca.basics' is missing from the article rule in data/rules.yml" in problems
    assert "articles/taxes.itin.yml: no held-out test message in vi (tests/heldout/)" in problems
    assert len(problems) == 3, problems


def test_articles_cite_a_government_page_and_otherwise_only_recognised_nonprofits(tmp_path):
    directory = copy_knowledge(tmp_path)
    edit_article(
        directory, "health.care", lambda a: a["sources"].append({"url": "https://www.somelawfirm.com/blog", "title": "x"})
    )
    edit_article(
        directory, "rights.ice_encounter", lambda a: a.update(sources=[s for s in a["sources"] if ".gov" not in s["url"]])
    )
    problems = check(load_knowledge(directory), TODAY)
    assert any(
        "health.care" in p and "somelawfirm.com" in p and "neither a .gov page nor a recognised nonprofit" in p for p in problems
    )
    assert any("rights.ice_encounter" in p and "no government (.gov) source" in p for p in problems)


def test_kb_check_counts_the_whole_first_sms_as_sent(kb):
    article = kb.articles["help.legal"]  # a finder article: its first SMS also asks for a ZIP code
    sent = first_sms(kb, article, "vi", article.reviewed)
    for part in (article.text["vi"].short, kb.say("vi", "sms_legal_notice"), kb.say("vi", "ask_zip"), kb.say("vi", "more_hint")):
        assert part in sent
    assert kb.say("vi", "legal_notice") not in sent  # SMS carries the one-line notice
    spanish = first_sms(kb, article, "es", article.reviewed)
    assert spanish == fold(sms_answer(kb, article, "es", article.reviewed, zip_question(kb, article, "es")))
    assert cost(spanish).encoding == "GSM-7"  # Spanish folds; Vietnamese keeps its tone marks
    segments = {code: [cost(first_sms(kb, a, code, TODAY)).segments for a in kb.articles.values()] for code in kb.languages}
    assert all(max(counts) <= FIRST_SMS_MAX_SEGMENTS for counts in segments.values())
    assert all(sum(counts) / len(counts) <= FIRST_SMS_MEAN_SEGMENTS for counts in segments.values())


def test_kb_check_refuses_a_first_sms_over_the_limit(tmp_path):
    directory = copy_knowledge(tmp_path)
    edit_article(directory, "citizenship.fees", lambda a: a["text"]["vi"].update(short="😀" * SHORT_MAX))  # 2 UTF-16 units each
    assert any("citizenship.fees.yml [vi]: the first SMS costs" in p for p in check(load_knowledge(directory), TODAY))


def test_kb_check_refuses_a_language_whose_first_sms_costs_over_two_segments_on_average(tmp_path):
    directory = copy_knowledge(tmp_path)
    for path in (directory / "articles").glob("*.yml"):
        edit_article(directory, path.stem, lambda a: a["text"]["ar"].update(short="ق" * 150))
    assert any(p.startswith("[ar] the first SMS costs 3.") for p in check(load_knowledge(directory), TODAY))


def test_placeholder_contacts_are_a_warning_and_refused_for_deployment(kb):
    demo = full_check(kb, today=TODAY)
    assert any(w.startswith("organization.yml: placeholder contact detail") for w in demo.warnings)
    assert not any("placeholder" in p for p in demo.problems)
    deploy = full_check(kb, deploy=True, today=TODAY)
    assert any(p.startswith("organization.yml: placeholder contact detail") for p in deploy.problems) and not deploy.warnings


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
    problems = check(load_knowledge(directory), TODAY)
    assert any(expected in p and "citizenship.fees" in p for p in problems), problems


def test_kb_check_refuses_a_translation_that_drops_a_placeholder(tmp_path):
    directory = copy_knowledge(tmp_path)
    path = directory / "ui" / "es.yml"
    messages = yaml.safe_load(path.read_text())
    messages["providers_near"] = "Cerca de usted:"
    path.write_text(yaml.safe_dump(messages, allow_unicode=True))
    assert any(
        "ui/es.yml: 'providers_near' must use the placeholders ['zip']" in p for p in check(load_knowledge(directory), TODAY)
    )


def test_a_structural_error_names_the_file(tmp_path):
    directory = copy_knowledge(tmp_path)
    edit_article(directory, "help.legal", lambda a: a.pop("review_by"))
    with pytest.raises(KnowledgeError, match=r"help.legal.yml: missing field 'review_by'"):
        load_knowledge(directory)


def test_kb_check_refuses_a_local_provider_without_a_real_zip(tmp_path):
    kb = load_knowledge(providers=ROOT / "tests" / "fixtures" / "providers.yml")
    provider = kb.providers[0]
    broken = dataclasses.replace(provider, location=dataclasses.replace(provider.location, postal_code="00000"))
    kb = dataclasses.replace(kb, providers=(broken,))
    assert any("needs a location with a real US ZIP code" in p for p in check(kb, TODAY))
