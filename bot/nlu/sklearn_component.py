"""A Rasa graph component that owns one scikit-learn model, saved the way Rasa saves its own:
with skops, not pickle.

A pickle runs arbitrary code when loaded; skops loads only the types it is told to trust. We trust
scikit-learn, NumPy and SciPy types and our own sentence-encoder step, and refuse anything else. Subclasses fit `self.model` in
`train` and call `self.persist()`.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "bot.nlu.sentence_encoder.")
FILE_NAME = "model.skops"


class SklearnComponent(GraphComponent):
    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, model: Any = None) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.model = model

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> SklearnComponent:
        return cls(config, model_storage, resource)

    def persist(self) -> Resource:
        import skops.io as sio

        with self.model_storage.write_to(self.resource) as directory:
            sio.dump(self.model, directory / FILE_NAME)
        return self.resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SklearnComponent:
        import skops.io as sio

        with model_storage.read_from(resource) as directory:
            path = directory / FILE_NAME
            untrusted = sio.get_untrusted_types(file=path)
            refused = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
            if refused:
                raise ValueError(f"refusing to load {path}: untrusted types {refused}")
            return cls(config, model_storage, resource, sio.load(path, trusted=untrusted))
