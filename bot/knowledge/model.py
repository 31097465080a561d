"""The knowledge base's data model: plain, immutable records loaded from `knowledge/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

TRANSLATION_STATES = ("source", "reviewed", "machine, needs review")
PROVIDER_CATEGORIES = ("legal", "citizenship", "english")


@dataclass(frozen=True)
class Source:
    url: str
    title: str


@dataclass(frozen=True)
class ArticleText:
    """One article in one language."""

    translation: str
    title: str
    short: str
    full: str


@dataclass(frozen=True)
class Article:
    """A curated answer: one id, one intent, every supported language, its sources and dates."""

    id: str
    reviewed: date
    review_by: date
    volatile: bool
    legal: bool
    providers: tuple[str, ...]
    followups: tuple[str, ...]
    sources: tuple[Source, ...]
    text: dict[str, ArticleText]

    def is_stale(self, today: date) -> bool:
        """Past `review_by` the bot still answers, but warns that the facts may have changed."""
        return today > self.review_by


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    names: tuple[str, ...]
    """Lower-case words people use to ask for this language ("español", "中文")."""
    sms_fold: bool = False
    """SMS in this language are sent folded to GSM-7 (knowledge/languages.yml says why)."""


@dataclass(frozen=True)
class Organization:
    """Who runs this deployment and how a person reaches a human there."""

    name: str
    contact: str
    hours: str
    search_radius_miles: float
    main_menu: tuple[str, ...]
    """Article ids offered on greeting and "menu", in order."""


@dataclass(frozen=True)
class Location:
    address_1: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Phone:
    number: str
    description: str = ""


@dataclass(frozen=True)
class Provider:
    """One service of one organisation, with HSDS-style field names."""

    id: str
    organization_name: str
    organization_url: str
    service_name: str
    description: str
    categories: tuple[str, ...]
    service_area: str  # "national" or "local"
    location: Location | None
    phones: tuple[Phone, ...]
    languages: tuple[str, ...]
    source: str
    verified: date

    @property
    def national(self) -> bool:
        return self.service_area == "national"


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the assistant can say, loaded once per process."""

    articles: dict[str, Article]
    ui: dict[str, dict[str, str]]  # language -> key -> text
    languages: dict[str, Language]
    organization: Organization
    providers: tuple[Provider, ...] = field(default=())
    keywords: dict[str, frozenset[str]] = field(default_factory=dict)
    """Channel keywords (stop, start, help, delete) -> the words that mean them, any language."""

    @property
    def default_language(self) -> str:
        """The first language in languages.yml answers when nothing else is known."""
        return next(iter(self.languages))

    def say(self, language: str, key: str, **values: str) -> str:
        """A UI message in `language`, with its {placeholders} filled in."""
        return self.ui[language][key].format(**values)
