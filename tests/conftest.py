"""Shared fixtures. The tests use their own provider directory (fictional, see fixtures/)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
os.environ["BOT_PROVIDERS"] = str(FIXTURES / "providers.yml")  # before anything loads the knowledge base
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def assistant():
    """The trained assistant (model + actions) in this process; `make test` trains it first."""
    from bot.quiet import quiet

    quiet()
    from bot.assistant import Assistant

    return Assistant()


@pytest.fixture(scope="session")
def ask(assistant):
    """ask(text, conversation=None) -> Answer, synchronously."""
    loop = asyncio.new_event_loop()
    yield lambda text, conversation=None, channel="rest": loop.run_until_complete(
        assistant.ask(text, conversation, channel)
    )
    loop.close()
