"""Keyed pseudonyms for the people who write in.

The same phone number always maps to the same pseudonym, so a conversation continues; without
the deployment's secret key (`BOT_SECRET_KEY`) nobody can go back from the pseudonym to the number,
not even by trying every phone number in the country (which a plain hash would allow).
"""

from __future__ import annotations

import hashlib
import hmac

from bot.settings import settings


class MissingSecret(RuntimeError):
    pass


def secret_key() -> bytes:
    """The deployment secret; without a usable one nothing that needs it may run (the channels and
    the call-back offer switch themselves off, see `Settings.secret_problem`)."""
    if problem := settings().secret_problem():
        raise MissingSecret(problem)
    return settings().secret_key.encode()


def pseudonym(channel: str, identifier: str) -> str:
    """`<channel>-<24 hex digits>`: stable per person and channel, irreversible without the key."""
    digest = hmac.new(secret_key(), f"{channel}:{identifier}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:24]}"
