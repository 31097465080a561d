"""Removing obvious personal identifiers from text, keeping a typed placeholder so staff can still
follow a conversation ("my A-number is [A-NUMBER]")."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any


def _luhn(digits: str) -> bool:
    """Card numbers carry a Luhn check digit; long numbers that fail it are left alone."""
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()


# Order matters: the most specific patterns first, so a receipt number is not read as a phone.
PATTERNS: list[tuple[re.Pattern, str | Callable[[re.Match], str]]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[EMAIL]"),
    (re.compile(r"\b(?:IOE|EAC|WAC|LIN|SRC|MSC|NBC|YSC)[\s-]?\d{10}\b", re.IGNORECASE), "[RECEIPT]"),
    (re.compile(r"(?<![\w-])A[\s#-]{0,2}\d{3}[\s-]?\d{3}[\s-]?\d{2,3}(?!\d)", re.IGNORECASE), "[A-NUMBER]"),
    (re.compile(r"(?<!\d)\d{3}[\s-]\d{2}[\s-]\d{4}(?!\d)"), "[SSN]"),
    (re.compile(r"(?<!\d)(?:\d[\s-]?){12,18}\d(?!\d)"), _card),
    (re.compile(r"(?<![\w+])\+\d[\d\s().-]{7,16}\d(?!\d)"), "[PHONE]"),
    (re.compile(r"(?<!\d)(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)"), "[PHONE]"),
    (re.compile(r"(?<!\d)\d{9}(?!\d)"), "[SSN]"),  # nine bare digits: an SSN or an A-number without its A
]


def find_contact(text: str) -> str | None:
    """The first phone number or email in `text`: what a person gives to be called back."""
    for pattern, replacement in PATTERNS:
        if replacement in ("[EMAIL]", "[PHONE]") and (found := pattern.search(text)):
            return found.group().strip()
    return None


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    return value


class RedactingFilter(logging.Filter):
    """Rewrites each log record's message with PII removed, whatever logger produced it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def install_log_redaction() -> None:
    """Attach the filter to every handler of the root logger (Rasa's structlog writes through them)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
