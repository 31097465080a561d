"""What an SMS costs: GSM-7 or UCS-2 encoding, segments, and optional folding to GSM-7.

Carriers bill per segment. A message that fits the GSM-7 alphabet carries 160 characters in one
segment (153 per segment when split); a single character outside it (á, “, 中) switches the whole
message to UCS-2: 70 characters (67 when split), characters beyond the BMP (emoji) counting twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")  # two septets each
FOLDS = {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}


@dataclass(frozen=True)
class Cost:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def cost(text: str) -> Cost:
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, part = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
        encoding = "UCS-2"
    return Cost(encoding, units, 1 if units <= single else -(-units // part))


def fold(text: str) -> str:
    """Replace characters outside GSM-7 by their closest GSM-7 form where one exists (á→a,
    “→", —→-); letters GSM-7 has (é, ñ, ü) stay. Text in other scripts is left as it is."""
    folded = []
    for char in text:
        char = FOLDS.get(char, char)
        if char not in GSM7_BASIC and char not in GSM7_EXTENDED and len(char) == 1:
            base = unicodedata.normalize("NFKD", char)[0]
            char = base if base in GSM7_BASIC else char
        folded.append(char)
    return "".join(folded)


GSM_AT = re.compile(r"(?<=\w)¡(?=\w)")
"""Some carriers deliver the GSM-7 "@" (code 0) as "¡" (code 64), so "ana@gmail.com" arrives as
"ana¡gmail.com". Between two letters or digits "¡" can only be such an "@"; Spanish "¡Hola!"
keeps its "¡"."""


def restore_at_signs(text: str) -> str:
    return GSM_AT.sub("@", text)


SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def pages(text: str, max_segments: int, more_hint: str, as_sent: Callable[[str], str] = str) -> list[str]:
    """Split `text` at sentence boundaries into pages of at most `max_segments` segments as sent
    (`as_sent`: folded where the language folds), every page but the last ending with `more_hint`
    ("Reply MORE for more"). Paragraph breaks are kept; a single sentence longer than a page
    becomes a page of its own."""
    if cost(as_sent(text)).segments <= max_segments:
        return [text]
    result: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        for number, sentence in enumerate(s for s in SENTENCE_END.split(paragraph) if s.strip()):
            separator = "" if not current else (" " if number else "\n\n")
            candidate = current + separator + sentence.strip()
            if current and cost(as_sent(f"{candidate}\n\n{more_hint}")).segments > max_segments:
                result.append(f"{current}\n\n{more_hint}")
                candidate = sentence.strip()
            current = candidate
    return [*result, current]
