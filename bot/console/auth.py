"""Staff accounts, sessions, CSRF tokens and the audit log.

Passwords are hashed with Argon2 (argon2-cffi). A session cookie carries a random token; the
database keeps only its SHA-256, so a leaked database opens no session. Every form carries the
session's CSRF token, and a POST without it is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from bot.console.db import audit, sessions, users

ROLES = ("admin", "reviewer")
SESSION_SECONDS = 8 * 3600
hasher = PasswordHasher()


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str


class LoginAttempts:
    """Slows password guessing: after `limit` failures for one name within `window` seconds,
    that name cannot sign in until the window has passed."""

    def __init__(self, limit: int = 5, window: float = 900) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, list[float]] = {}

    def blocked(self, name: str) -> bool:
        recent = [t for t in self.failures.get(name, []) if time.time() - t < self.window]
        self.failures[name] = recent
        return len(recent) >= self.limit

    def failed(self, name: str) -> None:
        self.failures.setdefault(name, []).append(time.time())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(engine: sa.engine.Engine, name: str, role: str, password: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ValueError("the password must have at least 10 characters")
    with engine.begin() as db:
        db.execute(users.delete().where(users.c.name == name))
        db.execute(users.insert().values(name=name, role=role, password_hash=hasher.hash(password), created_at=time.time()))


def log_in(engine: sa.engine.Engine, name: str, password: str) -> str | None:
    """A new session token, or None when the name or password is wrong."""
    with engine.begin() as db:
        stored = db.execute(sa.select(users.c.password_hash).where(users.c.name == name)).scalar()
        try:
            hasher.verify(stored or hasher.hash(secrets.token_hex(8)), password)  # same work for unknown names
        except VerificationError:
            return None
        if stored is None:
            return None
        token = secrets.token_urlsafe(32)
        db.execute(
            sessions.insert().values(
                token_hash=_digest(token), user=name, csrf=secrets.token_urlsafe(32), expires_at=time.time() + SESSION_SECONDS
            )
        )
        record(db, name, "login")
    return token


def session_for(engine: sa.engine.Engine, token: str | None) -> Session | None:
    if not token:
        return None
    with engine.begin() as db:
        row = db.execute(
            sa.select(sessions.c.user, sessions.c.csrf, users.c.role)
            .join(users, users.c.name == sessions.c.user)
            .where(sessions.c.token_hash == _digest(token), sessions.c.expires_at > time.time())
        ).first()
    return Session(row.user, row.role, row.csrf) if row else None


def log_out(engine: sa.engine.Engine, token: str | None) -> None:
    if not token:
        return
    with engine.begin() as db:
        db.execute(sessions.delete().where(sessions.c.token_hash == _digest(token)))


def csrf_ok(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")


def record(db: sa.engine.Connection, user: str, action: str, target: str = "") -> None:
    """One line of the audit log: who did what to which conversation or export."""
    db.execute(audit.insert().values(at=time.time(), user=user, action=action, target=target[:255]))
