"""`python -m bot kb check`: everything that must hold before a knowledge base goes live.

Each problem is one line naming the file (or article) and what is wrong, so staff can fix it
without reading code.
"""

from __future__ import annotations

import re
import string
from datetime import date
from urllib.parse import urlparse

from bot.knowledge.model import PROVIDER_CATEGORIES, TRANSLATION_STATES, KnowledgeBase
from bot.knowledge.providers import centroid

SHORT_MAX = 300
"""Characters in an SMS answer: two GSM-7 segments, five UCS-2 ones."""
FULL_MAX = 1600
"""Characters in a chat answer: well under Telegram's 4,096 with notices and menus added."""


def well_formed(url: str) -> bool:
    parts = urlparse(url)
    return parts.scheme == "https" and "." in parts.netloc and not re.search(r"\s", url)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def check(kb: KnowledgeBase, today: date | None = None) -> list[str]:
    """Every problem found, as readable lines; an empty list means the knowledge base is fine."""
    today = today or date.today()
    problems: list[str] = []
    languages = set(kb.languages)
    for article in kb.articles.values():
        where = f"articles/{article.id}.yml"
        if article.review_by < today:
            problems.append(f"{where}: review_by {article.review_by} has passed: check the facts and update the dates")
        if article.reviewed > today or article.review_by <= article.reviewed:
            problems.append(f"{where}: dates out of order (reviewed {article.reviewed}, review_by {article.review_by})")
        if not article.sources:
            problems.append(f"{where}: no sources: every fact needs an official source")
        problems += [f"{where}: malformed source URL {s.url!r}" for s in article.sources if not well_formed(s.url)]
        problems += [f"{where}: unknown follow-up {f!r}" for f in article.followups if f not in kb.articles or f == article.id]
        problems += [f"{where}: unknown provider category {c!r}" for c in article.providers if c not in PROVIDER_CATEGORIES]
        problems += [f"{where}: missing language {code}" for code in sorted(languages - set(article.text))]
        for code, text in article.text.items():
            if code not in languages:
                problems.append(f"{where}: {code} is not a supported language")
            if text.translation not in TRANSLATION_STATES:
                problems.append(f"{where} [{code}]: translation must be one of {', '.join(TRANSLATION_STATES)}")
            if not (text.title and text.short and text.full):
                problems.append(f"{where} [{code}]: title, short and full must all be written")
            if len(text.short) > SHORT_MAX:
                problems.append(f"{where} [{code}]: short is {len(text.short)} characters (at most {SHORT_MAX})")
            if len(text.full) > FULL_MAX:
                problems.append(f"{where} [{code}]: full is {len(text.full)} characters (at most {FULL_MAX})")
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
    problems += [f"organization.yml: main_menu names unknown article {a!r}" for a in kb.organization.main_menu if a not in kb.articles]
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
