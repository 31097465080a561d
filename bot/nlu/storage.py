"""Saving scikit-learn models inside a Rasa model, the way Rasa does: with skops, not pickle.

A pickle runs arbitrary code when loaded; skops loads only the types it is told to trust. We trust
scikit-learn, NumPy and SciPy types and refuse anything else.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")
FILE_NAME = "model.skops"


def save(model: Any, model_storage: ModelStorage, resource: Resource) -> None:
    import skops.io as sio

    with model_storage.write_to(resource) as directory:
        sio.dump(model, directory / FILE_NAME)


def load(model_storage: ModelStorage, resource: Resource) -> Any:
    import skops.io as sio

    with model_storage.read_from(resource) as directory:
        path = directory / FILE_NAME
        untrusted = sio.get_untrusted_types(file=path)
        refused = [name for name in untrusted if not name.startswith(TRUSTED_PREFIXES)]
        if refused:
            raise ValueError(f"refusing to load {path}: untrusted types {refused}")
        return sio.load(path, trusted=untrusted)
