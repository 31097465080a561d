"""`python -m bot kb check`: everything that must hold before a knowledge base goes live.

Each problem is one line naming the file (or article) and what is wrong, so staff can fix it
without reading code. Besides the knowledge files themselves it checks that every article is wired
everywhere the assistant needs it (domain, rules, each language's training examples, held-out
tests), and what the first SMS of every answer costs as it is really sent.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from bot import ROOT
from bot.knowledge.model import PROVIDER_CATEGORIES, TRANSLATION_STATES, KnowledgeBase
from bot.knowledge.providers import centroid
from bot.knowledge.render import first_sms
from bot.sms_encoding import cost

SHORT_MAX = 300
"""Characters in an SMS answer as written by staff."""
FULL_MAX = 1600
"""Characters in a chat answer: well under Telegram's 4,096 with notices and menus added."""
FIRST_SMS_MAX_SEGMENTS = 3
"""Segments the whole first SMS of an answer may cost (short form, notices, ZIP question, MORE
hint), counted as sent: a nonprofit pays for every one."""
FIRST_SMS_MEAN_SEGMENTS = 2.0
"""What the first SMS may cost on average over a language's articles (`python -m bot cost`)."""
NONPROFIT_SOURCES = (
    "aclu.org", "aclumaine.org", "aclunorcal.org", "ilrc.org", "nilc.org", "cliniclegal.org",  # know your rights
    "tahirih.org",  # immigrant survivors of violence
    "ncsl.org",  # state laws compared (driver's licenses): no federal page lists them
    "usalearns.org",  # free English course run by a public education office
    "211.org", "thehotline.org", "humantraffickinghotline.org", "feedingamerica.org",  # national help lines
)  # fmt: skip
"""Sources besides government pages (.gov): recognised nonprofits, cited only where no government
page says the same. Every article also needs at least one .gov source."""
PLACEHOLDER = re.compile(r"\b555[-. ]?01\d\d\b|\bexample\.(?:org|com|net)\b|placeholder", re.IGNORECASE)
"""Contact details reserved for fiction (555-01xx numbers, example.org) or marked as stand-ins."""


def well_formed(url: str) -> bool:
    parts = urlparse(url)
    return parts.scheme == "https" and "." in parts.netloc and not re.search(r"\s", url)


def host(url: str) -> str:
    return urlparse(url).netloc.lower().removeprefix("www.")


def trusted_host(name: str, suffixes: tuple[str, ...]) -> bool:
    return any(name == s or name.endswith("." + s) for s in suffixes)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def check(kb: KnowledgeBase, today: date | None = None) -> list[str]:
    """Every problem in the knowledge files, as readable lines; an empty list means they are fine."""
    today = today or date.today()
    problems: list[str] = []
    languages = set(kb.languages)
    first_sms_segments: dict[str, list[int]] = {code: [] for code in languages}
    for article in kb.articles.values():
        where = f"articles/{article.id}.yml"
        if article.review_by < today:
            problems.append(f"{where}: review_by {article.review_by} has passed: check the facts and update the dates")
        if article.reviewed > today or article.review_by <= article.reviewed:
            problems.append(f"{where}: dates out of order (reviewed {article.reviewed}, review_by {article.review_by})")
        if not article.sources:
            problems.append(f"{where}: no sources: every fact needs an official source")
        elif not any(trusted_host(host(s.url), ("gov",)) for s in article.sources):
            problems.append(f"{where}: no government (.gov) source: cite the official page first")
        problems += [f"{where}: malformed source URL {s.url!r}" for s in article.sources if not well_formed(s.url)]
        problems += [
            f"{where}: source {s.url!r} is neither a .gov page nor a recognised nonprofit (bot/knowledge/check.py)"
            for s in article.sources
            if not trusted_host(host(s.url), ("gov", *NONPROFIT_SOURCES))
        ]
        problems += [f"{where}: unknown follow-up {f!r}" for f in article.followups if f not in kb.articles or f == article.id]
        problems += [f"{where}: unknown provider category {c!r}" for c in article.providers if c not in PROVIDER_CATEGORIES]
        problems += [f"{where}: missing language {code}" for code in sorted(languages - set(article.text))]
        for code, text in article.text.items():
            if code not in languages:
                problems.append(f"{where}: {code} is not a supported language")
                continue
            if text.translation not in TRANSLATION_STATES:
                problems.append(f"{where} [{code}]: translation must be one of {', '.join(TRANSLATION_STATES)}")
            if not (text.title and text.short and text.full):
                problems.append(f"{where} [{code}]: title, short and full must all be written")
            if len(text.short) > SHORT_MAX:
                problems.append(f"{where} [{code}]: short is {len(text.short)} characters (at most {SHORT_MAX})")
            if len(text.full) > FULL_MAX:
                problems.append(f"{where} [{code}]: full is {len(text.full)} characters (at most {FULL_MAX})")
            segments = cost(first_sms(kb, article, code, today)).segments
            first_sms_segments[code].append(segments)
            if segments > FIRST_SMS_MAX_SEGMENTS:
                problems.append(f"{where} [{code}]: the first SMS costs {segments} segments (at most {FIRST_SMS_MAX_SEGMENTS})")
    problems += [
        f"[{code}] the first SMS costs {sum(counts) / len(counts):.2f} segments on average (at most {FIRST_SMS_MEAN_SEGMENTS})"
        for code, counts in sorted(first_sms_segments.items())
        if counts and sum(counts) / len(counts) > FIRST_SMS_MEAN_SEGMENTS
    ]
    reference = kb.ui.get(kb.default_language, {})
    for code in sorted(languages):
        messages = kb.ui.get(code)
        if messages is None:
            problems.append(f"ui/{code}.yml: missing")
            continue
        problems += [f"ui/{code}.yml: missing {key!r}" for key in reference if key not in messages]
        problems += [
            f"ui/{code}.yml: {key!r} must use the placeholders {sorted(placeholders(text))}"
            for key, text in reference.items()
            if key in messages and placeholders(messages[key]) != placeholders(text)
        ]
    problems += [
        f"organization.yml: main_menu names unknown article {a!r}" for a in kb.organization.main_menu if a not in kb.articles
    ]
    problems += _check_providers(kb, today)
    return problems


def _check_providers(kb: KnowledgeBase, today: date) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for provider in kb.providers:
        where = f"providers: {provider.id}"
        if provider.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(provider.id)
        if not well_formed(provider.source):
            problems.append(f"{where}: malformed source URL {provider.source!r}")
        if provider.verified > today:
            problems.append(f"{where}: verified date {provider.verified} is in the future")
        problems += [f"{where}: unknown category {c!r}" for c in provider.categories if c not in PROVIDER_CATEGORIES]
        problems += [f"{where}: unknown language {c!r}" for c in provider.languages if c not in kb.languages]
        if provider.service_area not in ("national", "local"):
            problems.append(f"{where}: service_area must be national or local")
        elif not provider.national and not (provider.location and centroid(provider.location.postal_code)):
            problems.append(f"{where}: a local provider needs a location with a real US ZIP code")
    return problems


def check_wiring(kb: KnowledgeBase, root: Path = ROOT) -> list[str]:
    """Every article must be reachable: an intent in domain.yml, in the rule that answers articles
    (data/rules.yml), with training examples in every language (data/nlu/<lang>.yml) and at least
    one held-out test message per language (tests/heldout/)."""
    problems: list[str] = []
    domain = _yaml(root / "domain.yml")
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", [])}
    answered = {
        step["intent"]
        for rule in _yaml(root / "data" / "rules.yml").get("rules", [])
        if any(step.get("action") == "action_answer_article" for step in rule.get("steps", []))
        for step in _steps(rule.get("steps", []))
        if "intent" in step
    }
    trained = {code: _nlu_intents(root / "data" / "nlu" / f"{code}.yml") for code in kb.languages}
    tested: dict[str, set[str]] = {code: set() for code in kb.languages}
    for path in sorted((root / "tests" / "heldout").rglob("*.yml")):
        data = _yaml(path)
        tested.setdefault(data.get("language", ""), set()).update(m.get("intent") for m in data.get("messages", []))
    for article in sorted(kb.articles):
        where = f"articles/{article}.yml"
        if article not in intents:
            problems.append(f"{where}: intent {article!r} is missing from domain.yml")
        if article not in answered:
            problems.append(f"{where}: intent {article!r} is missing from the article rule in data/rules.yml")
        problems += [
            f"{where}: no training examples in data/nlu/{code}.yml"
            for code in sorted(kb.languages)
            if article not in trained[code]
        ]
        problems += [
            f"{where}: no held-out test message in {code} (tests/heldout/)"
            for code in sorted(kb.languages)
            if article not in tested[code]
        ]
    problems += [f"domain.yml: intent {i!r} looks like an article id but knowledge/articles/{i}.yml does not exist"
                 for i in sorted(intents) if "." in i and i not in kb.articles]  # fmt: skip
    return problems


def placeholder_contacts(kb: KnowledgeBase) -> list[str]:
    """Contact details that reach nobody (555-01xx, example.org, "placeholder"): fine in a demo,
    refused by `kb check --deploy`."""
    found: list[tuple[str, str]] = [
        ("organization.yml", " ".join((kb.organization.name, kb.organization.contact, kb.organization.hours))),
        *(
            (f"providers: {p.id}", " ".join((p.organization_url, p.source, *(ph.number for ph in p.phones))))
            for p in kb.providers
        ),
        *((f"ui/{code}.yml", " ".join(messages.values())) for code, messages in kb.ui.items()),
        *((f"articles/{a.id}.yml", " ".join(t.short + " " + t.full for t in a.text.values())) for a in kb.articles.values()),
    ]
    return [
        f"{where}: placeholder contact detail {sorted(set(PLACEHOLDER.findall(text)))}"
        for where, text in found
        if PLACEHOLDER.search(text)
    ]


def _yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield from _steps(step["or"]) if "or" in step else [step]


def _nlu_intents(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {
        block["intent"] for block in _yaml(path).get("nlu", []) if "intent" in block and str(block.get("examples", "")).strip()
    }


@dataclass
class Report:
    problems: list[str]
    warnings: list[str]


def full_check(kb: KnowledgeBase, deploy: bool = False, today: date | None = None, root: Path = ROOT) -> Report:
    """What `kb check` prints: problems fail it; placeholder contacts are warnings, or problems
    with `deploy` (a deployment must not send people to 555-0100)."""
    contacts = placeholder_contacts(kb)
    problems = check(kb, today) + check_wiring(kb, root) + (contacts if deploy else [])
    return Report(problems, [] if deploy else contacts)
