"""Rasa component that tags each message with its language.

The result goes into the parse data as `language: {code, confidence, reliable}` and so reaches the
tracker and the actions. `reliable` says whether the message is long and clear enough to change a
conversation's language: "ok", "2" or "gracias" are not (see `bot.languages.reply_language`).

With the `domain` backend (the default, see `make eval-langid`) the component trains a small
classifier on `data/nlu/<lang>.yml` during `rasa train` and keeps it inside the Rasa model, so a
change to the examples retrains it like any other part of the pipeline.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import ROOT
from bot.knowledge.loader import knowledge
from bot.nlu.language_id import DEFAULT_BACKEND, DOMAIN, make_detector, read_examples, train_domain_model, word_count
from bot.nlu.sklearn_component import SklearnComponent

LANGUAGE = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class LanguageDetector(SklearnComponent):
    """Detects the language of each message among the supported ones."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "backend": DEFAULT_BACKEND,
            "use_script": True,
            "training_data": "data/nlu",  # the domain backend's <lang>.yml files, from the project root
            # Below these, a message does not change the conversation's language.
            "min_words": 2,
            "min_confidence": 0.7,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, model: Any = None) -> None:
        super().__init__(config, model_storage, resource, model)
        self.languages = list(knowledge().languages)
        self.detect = make_detector(self.languages, config["backend"], config["use_script"], model)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the domain model on the per-language files (the library backends need nothing)."""
        if self.config["backend"] == DOMAIN:
            self.model = train_domain_model(read_examples(ROOT / self.config["training_data"], self.languages))
        return self.persist()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = self.detect(text)
            reliable = (
                found.language is not None
                and found.confidence >= self.config["min_confidence"]
                and word_count(text) >= self.config["min_words"]
            )
            message.set(
                LANGUAGE,
                {"code": found.language, "confidence": round(found.confidence, 3), "reliable": reliable},
                add_to_output=True,
            )
        return messages
