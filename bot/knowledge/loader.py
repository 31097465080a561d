"""Reads `knowledge/` into a `KnowledgeBase`.

Loading is strict about structure (a missing field is an error naming the file), and leaves the
judgement calls (missing translations, stale dates, SMS length) to `bot.knowledge.check`, so that
a running bot can still load a knowledge base that `kb check` would refuse.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot import ROOT
from bot.knowledge.model import (
    Article,
    ArticleText,
    KnowledgeBase,
    Language,
    Location,
    Organization,
    Phone,
    Provider,
    Source,
)
from bot.settings import settings

KNOWLEDGE_DIR = ROOT / "knowledge"


class KnowledgeError(ValueError):
    """The knowledge base cannot be read: the message names the file and the field."""


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeError(f"{path}: {error}") from error
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping at the top level")
    return data


def _field(data: dict[str, Any], key: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise KnowledgeError(f"{path}: missing field '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise KnowledgeError(f"{path}: field '{key}' has the wrong type ({type(value).__name__})")
    return value


def _article(path: Path) -> Article:
    data = _read(path)
    texts = {}
    for language, entry in _field(data, "text", path, dict).items():
        where = Path(f"{path} [{language}]")
        texts[language] = ArticleText(
            translation=_field(entry, "translation", where, str),
            title=_field(entry, "title", where, str).strip(),
            short=_field(entry, "short", where, str).strip(),
            full=_field(entry, "full", where, str).strip(),
        )
    return Article(
        id=_field(data, "id", path, str),
        reviewed=_field(data, "reviewed", path, date),
        review_by=_field(data, "review_by", path, date),
        volatile=_field(data, "volatile", path, bool),
        legal=_field(data, "legal", path, bool),
        providers=tuple(_field(data, "providers", path, list)),
        followups=tuple(_field(data, "followups", path, list)),
        sources=tuple(
            Source(url=_field(s, "url", path, str), title=_field(s, "title", path, str))
            for s in _field(data, "sources", path, list)
        ),
        text=texts,
    )


def _provider(data: dict[str, Any], path: Path) -> Provider:
    where = Path(f"{path} [{data.get('id', '?')}]")
    organization = _field(data, "organization", where, dict)
    service = _field(data, "service", where, dict)
    location = data.get("location")
    return Provider(
        id=_field(data, "id", where, str),
        organization_name=_field(organization, "name", where, str),
        organization_url=organization.get("url") or "",
        service_name=_field(service, "name", where, str),
        description=service.get("description") or "",
        categories=tuple(_field(service, "categories", where, list)),
        service_area=_field(data, "service_area", where, str),
        location=Location(**{k: str(v or "") for k, v in location.items()}) if location else None,
        phones=tuple(Phone(**phone) for phone in data.get("phones") or ()),
        languages=tuple(data.get("languages") or ()),
        source=_field(data, "source", where, str),
        verified=_field(data, "verified", where, date),
    )


def load_knowledge(directory: Path = KNOWLEDGE_DIR, providers: Path | None = None) -> KnowledgeBase:
    """Load articles, UI strings, languages, organisation and providers from `directory`.

    `providers` names another provider file (tests use their own fixture directory).
    """
    languages = {
        code: Language(
            code=code,
            name=entry["name"],
            names=tuple(n.lower() for n in entry["names"]),
            sms_fold=bool(entry.get("sms_fold", False)),
        )
        for code, entry in _field(_read(directory / "languages.yml"), "languages", directory, dict).items()
    }
    articles = {}
    for path in sorted((directory / "articles").glob("*.yml")):
        article = _article(path)
        if article.id != path.stem:
            raise KnowledgeError(f"{path}: id '{article.id}' does not match the file name")
        articles[article.id] = article
    ui = {path.stem: {k: str(v).strip() for k, v in _read(path).items()} for path in sorted((directory / "ui").glob("*.yml"))}
    org = _read(directory / "organization.yml")
    organization = Organization(
        name=_field(org, "name", directory, str),
        contact=_field(org, "contact", directory, str),
        hours=_field(org, "hours", directory, str),
        search_radius_miles=float(_field(org, "search_radius_miles", directory, (int, float))),
        main_menu=tuple(_field(org, "main_menu", directory, list)),
    )
    provider_path = providers or directory / "providers.yml"
    provider_list = _field(_read(provider_path), "providers", provider_path, list)
    keywords = {name: frozenset(str(w).lower() for w in words) for name, words in _read(directory / "keywords.yml").items()}
    return KnowledgeBase(
        keywords=keywords,
        articles=articles,
        ui=ui,
        languages=languages,
        organization=organization,
        providers=tuple(_provider(entry, provider_path) for entry in provider_list),
    )


@lru_cache(maxsize=1)
def knowledge() -> KnowledgeBase:
    """The deployment's knowledge base, read once per process.

    `BOT_PROVIDERS` may name a provider file kept outside the repository (a deployment's own
    directory, or a test fixture).
    """
    return load_knowledge(providers=settings().providers_file)
