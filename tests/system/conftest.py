"""Fixtures of the system tests: the trained assistant in this process (`make test` trains the
model first). Scratch databases and endpoints files: scratch.py."""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture(scope="session")
def assistant():
    """The trained assistant (model + actions) in this process."""
    from bot.quiet import quiet

    quiet()
    from bot.assistant import Assistant

    return Assistant()


@pytest.fixture(scope="session")
def ask(assistant):
    """ask(text, conversation=None, channel="rest") -> Answer, synchronously."""
    loop = asyncio.new_event_loop()
    yield lambda text, conversation=None, channel="rest": loop.run_until_complete(assistant.ask(text, conversation, channel))
    loop.close()
