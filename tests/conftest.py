"""Fixtures of every test. unit/ needs no model and no server; system/ runs the trained model,
servers, PostgreSQL, Redis and a browser. The tests use their own provider directory (fictional,
see fixtures/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
os.environ["BOT_PROVIDERS"] = str(FIXTURES / "providers.yml")  # before anything loads the knowledge base
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture
def environment(monkeypatch):
    """environment(NAME=value, …) sets variables for this test and makes bot.settings read them."""
    from bot.settings import settings

    def set_variables(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        settings.cache_clear()

    yield set_variables
    monkeypatch.undo()
    settings.cache_clear()
