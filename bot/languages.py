"""Which language to answer in.

A conversation keeps its language: "ok", "2", a ZIP code or "gracias" never flip it. It changes
when a message is long and clearly in another language (the detector's `reliable` flag) or when
the person asks for a language by name ("español", "English please", "中文").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import opencc

from bot.knowledge.model import Language
from bot.nlu.language_id import normalize


def requested_language(text: str, languages: Mapping[str, Language]) -> str | None:
    """The language a message names, if it names exactly one ("en español por favor" -> "es")."""
    text = normalize(text)
    named = {
        code
        for code, language in languages.items()
        for name in language.names
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    }
    return named.pop() if len(named) == 1 else None


def reply_language(previous: str | None, detected: Mapping[str, Any] | None, default: str) -> str:
    """The conversation's language after this message.

    `detected` is the LanguageDetector's output for the message: {code, confidence, reliable}.
    """
    code = (detected or {}).get("code")
    if previous is None:
        return code or default
    if code and code != previous and (detected or {}).get("reliable"):
        return code
    return previous


SIMPLIFIED, TAIWAN, HONG_KONG = "simplified", "tw", "hk"
"""How a person writes Chinese: articles are written in Simplified; Traditional readers get the
Taiwan or Hong Kong standard, with the local vocabulary (OpenCC s2twp / s2hk)."""
CANTONESE = re.compile("[嘅咗唔喺冇佢哋嗰啲乜嘢睇]")
"""Characters of written Cantonese: a Traditional writer who uses them is most likely from Hong Kong."""
DAYS_LATER = re.compile(r"(?<=[0-9〇零一二两兩三四五六七八九十百千几幾]天)后")
"""OpenCC reads "180天后" ("180 days later") as 天后, the goddess, and leaves 后 as it is."""


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def chinese_script(text: str) -> str | None:
    """TAIWAN or HONG_KONG when `text` uses Traditional characters, SIMPLIFIED when it uses
    Simplified ones, None when it has neither (a number, "你好", which both scripts write alike)."""
    if _converter("t2s").convert(text) != text:
        return HONG_KONG if CANTONESE.search(text) else TAIWAN
    if _converter("s2t").convert(text) != text:
        return SIMPLIFIED
    return None


def in_script(text: str, script: str | None) -> str:
    """Chinese text (written in Simplified) as a reader of `script` expects it."""
    if script not in (TAIWAN, HONG_KONG):
        return text
    converted = _converter("s2twp" if script == TAIWAN else "s2hk").convert(text)
    return DAYS_LATER.sub("後", converted)
