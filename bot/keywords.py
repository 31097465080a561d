"""Whole-message keywords: STOP, START, HELP, PERSON, DELETE and YES, in every supported language.

A keyword acts only when it is the whole message ("STOP", "Parar.", "/stop"): a sentence that
merely contains such a word ("stop my deportation", "cancelar mi cita") is a question and goes to
the model like any other. That is the one rule that keeps a guess from doing something a person
cannot undo: only these exact words opt out or erase. The words live in knowledge/keywords.yml.
"""

from __future__ import annotations

import re

from bot.dialogue import Intent
from bot.knowledge.loader import knowledge
from bot.nlu.language_id import normalize

STOP, START, HELP, HUMAN, DELETE, YES = "stop", "start", "help", "human", "delete", "yes"
INTENTS = {STOP: Intent.STOP, START: Intent.START, HELP: Intent.HELP_MENU, HUMAN: Intent.ASK_HUMAN}
"""The intent each keyword means. DELETE has none: the channels erase the conversation before Rasa
sees the message, since nothing about an erased conversation may be stored. YES has none either: it
means something only as the answer to the offer of a staff member in the chat (actions)."""

_EDGES = re.compile(r"^[\s/!.¡¿?]+|[\s!.?。！？]+$")


def keyword(text: str) -> str | None:
    """stop, start, help, human, delete or yes when the whole message is one of their words."""
    word = normalize(_EDGES.sub("", text))
    return next((name for name, words in knowledge().keywords.items() if word in words), None)
