"""Which language to answer in.

A conversation keeps its language: "ok", "2", a ZIP code or "gracias" never flip it. It changes
when a message is long and clearly in another language (the detector's `reliable` flag) or when
the person asks for a language by name ("español", "English please", "中文").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

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


@lru_cache(maxsize=2)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def chinese_script(text: str) -> bool | None:
    """True when `text` uses Traditional characters, False when it uses Simplified ones, None when
    it has neither (a number, "你好", which both scripts write alike)."""
    if _converter("t2s").convert(text) != text:
        return True
    if _converter("s2t").convert(text) != text:
        return False
    return None


def to_traditional(text: str) -> str:
    """Chinese articles are written in Simplified; people who write Traditional read it back (OpenCC)."""
    return _converter("s2t").convert(text)
