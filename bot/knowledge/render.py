"""Turning articles, menus and provider lists into the text a person receives.

Everything here is a pure function of the knowledge base, so the actions, the `ask` command and
the tests all produce the same words.
"""

from __future__ import annotations

from datetime import date

from bot.knowledge.model import Article, KnowledgeBase
from bot.knowledge.providers import Match, search
from bot.sms_encoding import fold

LANGUAGE_KEY = "lang:"
"""Menu entries are article ids, or `lang:<code>` in the language menu."""
FINDER_ARTICLES = ("help.legal", "help.citizenship_clinic", "english.classes")
"""Articles whose point is finding a place nearby: they ask for a ZIP code when none is known,
and are offered when someone sends a ZIP code without saying what they are looking for."""


def link(url: str) -> str:
    """A URL as people type it: no scheme, no www, no trailing slash."""
    for prefix in ("https://", "http://", "www."):
        url = url.removeprefix(prefix)
    return url.rstrip("/")


def paragraphs(*parts: str | None) -> str:
    return "\n\n".join(part for part in parts if part)


def menu_title(kb: KnowledgeBase, key: str, language: str) -> str:
    if key.startswith(LANGUAGE_KEY):
        return kb.languages[key.removeprefix(LANGUAGE_KEY)].name
    return kb.articles[key].text[language].title


def menu(kb: KnowledgeBase, language: str, keys: list[str], intro_key: str) -> str:
    """A numbered menu: the intro line, one line per choice, and how to answer."""
    lines = [kb.say(language, intro_key)]
    lines += [f"{number}. {menu_title(kb, key, language)}" for number, key in enumerate(keys, 1)]
    lines.append(kb.say(language, "reply_number"))
    return "\n".join(lines)


def article_body(
    kb: KnowledgeBase, article: Article, language: str, long_form: bool, today: date, legal_key: str = "legal_notice"
) -> str:
    """The answer itself with its notices: "may have changed" when stale, "not legal advice" when
    legal (`legal_key` names the notice: SMS carries a one-line one)."""
    text = article.text[language]
    return paragraphs(
        text.full if long_form else text.short,
        kb.say(language, "stale_notice", date=article.reviewed.isoformat()) if article.is_stale(today) else None,
        kb.say(language, legal_key) if article.legal else None,
    )


def zip_question(kb: KnowledgeBase, article: Article, language: str) -> str | None:
    """ "Send me your ZIP code…" for an article that finds places nearby; None for the others."""
    return kb.say(language, "ask_zip") if article.id in FINDER_ARTICLES else None


def sms_answer(kb: KnowledgeBase, article: Article, language: str, today: date, finder: str | None) -> str:
    """The first SMS of an answer: the short form with its notices (the legal one in one line), the
    finder (places near the person's ZIP code, or the question for one), and the MORE hint.
    `as_sent` of it is what `kb check` and `python -m bot cost` count: what people pay for."""
    body = article_body(kb, article, language, long_form=False, today=today, legal_key="sms_legal_notice")
    return paragraphs(body, finder, kb.say(language, "more_hint"))


def as_sent(kb: KnowledgeBase, language: str | None, text: str) -> str:
    """An SMS as it leaves: folded to GSM-7 in the languages whose readers accept it
    (knowledge/languages.yml), as written in the others."""
    known = kb.languages.get(language or "")
    return fold(text) if known and known.sms_fold else text


def first_sms(kb: KnowledgeBase, article: Article, language: str, today: date) -> str:
    """The first SMS a person receives for this article before any ZIP code is known, as sent."""
    return as_sent(kb, language, sms_answer(kb, article, language, today, zip_question(kb, article, language)))


def provider_line(match: Match) -> str:
    provider = match.provider
    if match.miles is None:
        return f"- {provider.service_name}: {link(provider.source)}"
    location = provider.location
    address = ", ".join(part for part in (location.address_1, location.city) if part) if location else ""
    phone = provider.phones[0].number if provider.phones else ""
    details = "; ".join(part for part in (address, phone, link(provider.organization_url)) if part)
    return f"- {provider.organization_name} ({match.miles:.0f} mi): {details}"


def providers_block(kb: KnowledgeBase, language: str, categories: tuple[str, ...], zip_code: str, limit: int = 3) -> str:
    """Local providers near `zip_code` (those speaking `language` first), then national directories."""
    local: list[Match] = []
    national: list[Match] = []
    radius = kb.organization.search_radius_miles
    for category in categories:
        speaking, _ = search(kb.providers, zip_code, category, radius, language)
        anyone, directories = search(kb.providers, zip_code, category, radius)
        for match in speaking + anyone:
            if match.provider not in [m.provider for m in local]:
                local.append(match)
        national += [d for d in directories if d.provider not in [m.provider for m in national]]
    near = (
        "\n".join([kb.say(language, "providers_near", zip=zip_code), *map(provider_line, local[:limit])])
        if local
        else kb.say(language, "providers_none_near", zip=zip_code)
    )
    anywhere = "\n".join([kb.say(language, "providers_national"), *map(provider_line, national[:limit])]) if national else None
    return paragraphs(near, anywhere)
