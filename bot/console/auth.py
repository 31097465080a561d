"""Staff accounts, sessions, CSRF tokens and the audit log.

Passwords are hashed with Argon2 (argon2-cffi), off the event loop and a few at a time. A session
cookie carries a random token; the database keeps only its SHA-256, so a leaked database opens no
session, and setting a password again ends every session of that account. Every form carries the
session's CSRF token, and a POST without it is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.console.db import audit, sessions, users

ROLES = ("admin", "reviewer")
SESSION_SECONDS = 8 * 3600
NAME_LENGTH = 80  # as in console_users.name
hasher = PasswordHasher()
password_work = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
"""Where the console hashes and verifies passwords: not on the event loop, and at most two at a
time (each Argon2 hash takes 64 MiB)."""
T = TypeVar("T")


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str


class LoginThrottle:
    """Slows password guessing without letting anyone lock staff out.

    Failures are counted per client address and per name. The first `free` are free; after
    that each further attempt for that client or that name must wait 2^(n-free) seconds after
    the last one (n failures so far), at most `cap` seconds; an attempt during the wait is
    refused unchecked, so a right password is refused too. A key is forgotten `forget` seconds
    after its last failure, and at most `keys` keys are kept (the oldest are dropped).

    An attempt counts as a failure from the moment it starts (`attempt`) until `succeeded`
    says otherwise, so a burst of simultaneous attempts cannot all slip through."""

    def __init__(
        self,
        free: int = 3,
        cap: float = 300,
        forget: float = 900,
        keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.cap, self.forget, self.keys, self.clock = free, cap, forget, keys, clock
        self.failures: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()  # key: (count, last), oldest first

    @staticmethod
    def _keys(client: str, name: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("client", client), ("name", name[:NAME_LENGTH])  # no account has a longer name

    def _prune(self, now: float) -> None:
        while self.failures and now - next(iter(self.failures.values()))[1] >= self.forget:
            self.failures.popitem(last=False)

    def _wait(self, key: tuple[str, str], now: float) -> float:
        count, last = self.failures.get(key, (0, now))
        if count < self.free:
            return 0.0
        return max(0.0, last + min(self.cap, 2.0 ** (count - self.free)) - now)

    def wait(self, client: str, name: str) -> float:
        """Seconds before `client` may try `name` again (0: now)."""
        return self._waiting(client, name, self.clock())

    def _waiting(self, client: str, name: str, now: float) -> float:
        self._prune(now)
        return max(self._wait(key, now) for key in self._keys(client, name))

    def attempt(self, client: str, name: str) -> float:
        """0, and the attempt is counted (as a failure until `succeeded`); or the seconds to wait
        before trying again, and nothing is counted (so hammering does not lengthen the wait)."""
        now = self.clock()
        waiting = self._waiting(client, name, now)
        if waiting > 0:
            return waiting
        for key in self._keys(client, name):
            count, _ = self.failures.pop(key, (0, now))
            self.failures[key] = (count + 1, now)  # moves to the newest end
        while len(self.failures) > self.keys:
            self.failures.popitem(last=False)
        return 0.0

    def succeeded(self, client: str, name: str) -> None:
        """The attempt was right: the client and the name start afresh (a shared office address
        is not slowed all day by one person's typos; guesses at other names stay counted per name)."""
        for key in self._keys(client, name):
            self.failures.pop(key, None)


async def in_thread(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` in the password worker threads, so Argon2 does not stall every page."""
    return await asyncio.get_running_loop().run_in_executor(password_work, function, *args)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def dummy_hash() -> str:
    """What a password given for an unknown name is verified against: one verify, as for a known name."""
    return hasher.hash(secrets.token_urlsafe(16))


def _checked(password: str) -> str:
    if len(password) < 10:
        raise ValueError("the password must have at least 10 characters")
    return password


def _end_sessions(db: sa.engine.Connection, name: str) -> None:
    db.execute(sessions.delete().where(sessions.c.user == name))


def add_user(engine: sa.engine.Engine, name: str, role: str, password: str) -> None:
    """Create an account, or replace one (its sessions end)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    password_hash = hasher.hash(_checked(password))
    with engine.begin() as db:
        db.execute(users.delete().where(users.c.name == name))
        _end_sessions(db, name)
        db.execute(users.insert().values(name=name, role=role, password_hash=password_hash, created_at=time.time()))


def reset_password(engine: sa.engine.Engine, name: str, password: str, by: str = "cli") -> None:
    """A new password for an existing account: its sessions end, and the audit log says who did it."""
    password_hash = hasher.hash(_checked(password))
    with engine.begin() as db:
        if not db.execute(users.update().where(users.c.name == name).values(password_hash=password_hash)).rowcount:
            raise LookupError(f"there is no console account named {name!r}")
        _end_sessions(db, name)
        record(db, by, "password reset", name)


def _password_ok(stored: str | None, password: str) -> bool:
    """Exactly one Argon2 verification, whether or not the name exists."""
    try:
        hasher.verify(stored or dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def log_in(engine: sa.engine.Engine, name: str, password: str) -> str | None:
    """A new session token, or None when the name or password is wrong. Blocking (Argon2): from
    async code, call it through `in_thread`."""
    with engine.connect() as db:
        stored = db.execute(sa.select(users.c.password_hash).where(users.c.name == name)).scalar()
    if not _password_ok(stored, password):
        return None
    token = secrets.token_urlsafe(32)
    with engine.begin() as db:
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
    """Compared as bytes: compare_digest refuses non-ASCII text, and a forged token may be any text."""
    return bool(submitted) and hmac.compare_digest(session.csrf.encode(), (submitted or "").encode(errors="replace"))


def record(db: sa.engine.Connection, user: str, action: str, target: str = "") -> None:
    """One line of the audit log: who did what to which conversation or export."""
    db.execute(audit.insert().values(at=time.time(), user=user, action=action, target=target[:255]))
