"""Keyed pseudonyms for the people who write in.

The same phone number always maps to the same pseudonym, so a conversation continues; without
the deployment's secret key (`BOT_SECRET_KEY`) nobody can go back from the pseudonym to the number,
not even by trying every phone number in the country (which a plain hash would allow).
"""

from __future__ import annotations

import hashlib
import hmac
import os

SECRET_ENV = "BOT_SECRET_KEY"
MIN_SECRET_LENGTH = 16


class MissingSecret(RuntimeError):
    pass


def secret_key() -> bytes:
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise MissingSecret(
            f"{SECRET_ENV} must be set to a random secret of at least {MIN_SECRET_LENGTH} characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return secret.encode()


def secret_problem() -> str | None:
    """Why the deployment secret cannot be used, or None when it can (the channels and the call-back
    offer switch themselves off rather than run without it)."""
    try:
        secret_key()
    except MissingSecret as missing:
        return str(missing)
    return None


def pseudonym(channel: str, identifier: str) -> str:
    """`<channel>-<24 hex digits>`: stable per person and channel, irreversible without the key."""
    digest = hmac.new(secret_key(), f"{channel}:{identifier}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:24]}"
