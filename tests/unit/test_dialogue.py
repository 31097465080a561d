"""The shared names (bot/dialogue.py) are the ones domain.yml declares."""

from __future__ import annotations

import yaml

from bot import ROOT
from bot.dialogue import Entity, Intent, Slot, names

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def test_every_slot_constant_is_a_domain_slot_and_every_slot_has_one():
    assert names(Slot) == set(DOMAIN["slots"])


def test_every_intent_constant_is_a_domain_intent():
    assert names(Intent) - {Intent.FALLBACK} <= set(DOMAIN["intents"])
    conversational = {i for i in DOMAIN["intents"] if "." not in i}  # article intents are article ids
    assert conversational <= names(Intent)


def test_every_entity_constant_is_a_domain_entity():
    assert names(Entity) == set(DOMAIN["entities"])
