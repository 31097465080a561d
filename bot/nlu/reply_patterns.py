"""Rasa component for replies that need no statistics: a keyword (STOP, START, HELP, PERSON), a
menu number, a ZIP code, a language name, or a message without a single word.

People answer "reply 1, 2 or 3" with "2", "#2" or "2.", answer "what is your ZIP code?" with
"02139", ask for a language by writing its name ("español"), and sometimes send only an emoji or
nothing at all. A classifier trained on sentences guesses at such messages; a pattern is certain.
When a pattern matches the whole message it replaces the predicted intent with confidence 1.0.

Keywords are recognised here, for every channel, and nowhere else: the classifier has no examples
of `stop` or `start`, so only the exact word can opt a person out (see bot/keywords.py).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.dialogue import Entity, Intent
from bot.keywords import INTENTS as KEYWORD_INTENTS
from bot.keywords import keyword
from bot.knowledge.loader import knowledge
from bot.nlu.language_id import normalize

WORD = re.compile(r"[^\W_]")  # a letter or digit in any script; emoji and punctuation are not
MENU_NUMBER = re.compile(r"^\s*[#(]?\s*([1-9])\s*[.)]?\s*$")
ZIP_ONLY = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*[.!]?\s*$")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ReplyPatternClassifier(GraphComponent):
    """Recognises keywords (`stop`, `start`, `help_menu`, `ask_human`), menu numbers (`choose`),
    bare ZIP codes (`inform_location`), language names (`change_language`) and messages with no
    words (`no_text`)."""

    def __init__(self) -> None:
        self.language_names = {name for language in knowledge().languages.values() for name in language.names}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ReplyPatternClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not WORD.search(text):
                self._set(message, Intent.NO_TEXT)
            elif (word := keyword(text)) in KEYWORD_INTENTS:
                self._set(message, KEYWORD_INTENTS[word])
            elif number := MENU_NUMBER.match(text):
                self._set(message, Intent.CHOOSE, Entity.NUMBER, number.group(1))
            elif zip_match := ZIP_ONLY.match(text):
                self._set(message, Intent.INFORM_LOCATION, Entity.ZIP, zip_match.group(1))
            elif normalize(text).strip(" .!?¿¡") in self.language_names:
                self._set(message, Intent.CHANGE_LANGUAGE)
        return messages

    @staticmethod
    def _set(message: Message, intent: str, entity: str | None = None, value: str = "") -> None:
        message.set(INTENT, {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}], add_to_output=True)
        if entity is None:
            return
        text = message.get(TEXT)
        start = text.index(value)
        found = {
            "entity": entity,
            "value": value,
            "start": start,
            "end": start + len(value),
            "extractor": "ReplyPatternClassifier",
        }
        others = [e for e in message.get(ENTITIES, []) if e.get("entity") != entity]
        message.set(ENTITIES, [*others, found], add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
