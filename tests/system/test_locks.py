"""The lock store of the production profile against a real Redis: turns of one conversation never
overlap and run in the order they arrived, across instances, and a dead instance's ticket is
skipped."""

from __future__ import annotations

import asyncio
import time
import uuid

from rasa.utils.endpoints import EndpointConfig

from bot.locks import AtomicRedisLockStore
from tools.waiting import wait_for


def instances(count: int) -> list[AtomicRedisLockStore]:
    """Lock stores as `count` Rasa instances would each have one (separate connections)."""
    return [
        AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, key_prefix=f"test-{uuid.uuid4().hex}"))
        for _ in range(count)
    ]


async def turns(stores: list, conversation: str, count: int) -> tuple[int, list[int]]:
    """Run `count` turns of one conversation at once, spread over `stores`; the most turns that were
    inside the lock together, and the order they entered it."""
    inside, most, order = 0, 0, []

    async def turn(number: int) -> None:
        nonlocal inside, most
        await asyncio.sleep(number * 0.002)  # arrive in order, a little apart
        async with stores[number % len(stores)].lock(conversation, lock_lifetime=30):
            inside += 1
            most = max(most, inside)
            order.append(number)
            await asyncio.sleep(0.005)
            inside -= 1

    await asyncio.gather(*(turn(n) for n in range(count)))
    return most, order


def test_turns_of_one_conversation_never_overlap_and_keep_their_order_across_instances():
    stores = instances(3)
    prefix = stores[0].prefix  # one Redis namespace shared by the three "instances"
    for store in stores:
        store.prefix = prefix
    most, order = asyncio.run(turns(stores, "conversation-a", 60))
    assert most == 1 and order == sorted(order)


def test_a_ticket_whose_instance_died_is_skipped_instead_of_blocking_the_conversation():
    store = instances(1)[0]
    next_key, serving_key, lease = store._keys("conversation-b")
    ticket = store.take_ticket(keys=[next_key, serving_key, lease], args=[100, 60])  # taken, then the instance died
    wait_for(lambda: not store.red.exists(f"{lease}{ticket}"), timeout=5, what="the dead ticket's lease to run out")
    started = time.monotonic()
    most, order = asyncio.run(turns([store], "conversation-b", 3))
    assert most == 1 and order == [0, 1, 2] and time.monotonic() - started < 5
