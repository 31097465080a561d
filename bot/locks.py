"""A Redis lock store that is safe with several Rasa instances.

Rasa answers one message of a conversation at a time by taking a ticket from a lock store. Rasa
Open Source's RedisLockStore keeps each conversation's tickets as one JSON value that it reads,
changes and writes back: two instances that do this at once lose a ticket (RasaHQ/rasa #9213), and
two turns of one conversation then run together. Here every step is one atomic Redis operation (a
Lua script): a ticket is an INCR, the ticket being served is a number only ever advanced by
compare-and-set, and each ticket holds a lease that expires, so the ticket of an instance that died
is skipped instead of blocking the conversation. Configured in endpoints.production.yml:

    lock_store:
      type: bot.locks.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

POLL_SECONDS = 0.02
"""How often a waiting turn looks whether it is its turn (Rasa's own lock store waits 1 s)."""
IDLE_SECONDS = 86_400
"""A conversation's counters expire after a day without messages."""

TAKE_TICKET = """
local n = redis.call('INCR', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], n) end
redis.call('SET', KEYS[3] .. n, 1, 'PX', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return n
"""
"""KEYS: next ticket, ticket served, lease prefix. ARGV: lease ms, idle s. The new ticket, with its
lease; the first ticket of a conversation is served at once."""

SKIP_DEAD = """
local serving = tonumber(redis.call('GET', KEYS[1]))
if serving == tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[2] .. serving) == 0 then
  redis.call('SET', KEYS[1], serving + 1)
  return serving + 1
end
return serving
"""
"""KEYS: ticket served, lease prefix. ARGV: the ticket the caller saw served. Advance past it only
if it is still served and its lease is gone (its instance died); the ticket served now."""

RELEASE = """
if tonumber(redis.call('GET', KEYS[1])) == tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], tonumber(ARGV[1]) + 1)
end
redis.call('DEL', KEYS[2] .. ARGV[1])
return 1
"""
"""KEYS: ticket served, lease prefix. ARGV: the caller's ticket. Serve the next ticket."""


class AtomicRedisLockStore(LockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = endpoint_config.kwargs
        self.red = redis.StrictRedis(
            host=endpoint_config.url or "localhost", port=int(options.get("port") or 6379), db=int(options.get("db") or 0),
            password=options.get("password"), socket_timeout=5, socket_connect_timeout=5,
        )  # fmt: skip
        self.prefix = f"{options.get('key_prefix') or 'assistant'}:lock:"
        self.take_ticket = self.red.register_script(TAKE_TICKET)
        self.skip_dead = self.red.register_script(SKIP_DEAD)
        self.release = self.red.register_script(RELEASE)

    def _keys(self, conversation_id: str) -> tuple[str, str, str]:
        base = f"{self.prefix}{conversation_id}"
        return f"{base}:next", f"{base}:serving", f"{base}:lease:"

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> AsyncGenerator[Any, None]:
        """Hold the conversation for one turn, in the order tickets were taken."""
        next_key, serving_key, lease = self._keys(conversation_id)
        ticket = int(self.take_ticket(keys=[next_key, serving_key, lease], args=[int(lock_lifetime * 1000), IDLE_SECONDS]))
        try:
            await self._wait_for_turn(serving_key, lease, ticket, lock_lifetime)
            yield ticket
        finally:
            self.release(keys=[serving_key, lease], args=[ticket])

    async def _wait_for_turn(self, serving_key: str, lease: str, ticket: int, lock_lifetime: float) -> None:
        deadline = time.monotonic() + lock_lifetime
        while True:
            self.red.set(f"{lease}{ticket}", 1, px=int(lock_lifetime * 1000))  # still waiting: keep the lease
            serving = int(self.red.get(serving_key) or ticket)
            if serving == ticket:
                return
            if serving > ticket:
                raise LockError(f"ticket {ticket} was skipped: its lease expired while it waited")
            if int(self.skip_dead(keys=[serving_key, lease], args=[serving])) == ticket:
                return
            if time.monotonic() > deadline:
                raise LockError(f"waited {lock_lifetime:g} s for ticket {serving} to finish")
            await asyncio.sleep(POLL_SECONDS)

    # Rasa's interface for its own ticket-list stores; nothing calls them for this one.
    def get_lock(self, conversation_id: str) -> None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(*self._keys(conversation_id)[:2])

    def save_lock(self, lock: Any) -> None:
        raise NotImplementedError("AtomicRedisLockStore keeps no ticket lists")
