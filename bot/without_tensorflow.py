"""Serving a model that uses no TensorFlow without loading TensorFlow.

Rasa 3.6 imports TensorFlow at module level in about twenty modules (training callbacks, model
utilities, the DIET and TED classes its recipe registers) whether or not the pipeline uses them.
Our pipeline (config.yml) uses none: TensorFlow cost the Rasa process about 400 MB of its 650 MB
and two seconds of its start, and never ran.

When every component in config.yml is on `WITHOUT_TENSORFLOW` (or is ours), `install()` puts an
import hook in front of TensorFlow: `import tensorflow` then yields a stand-in on which every
attribute is a class that can be subclassed, called or used as a decorator and does nothing — what
Rasa's module-level code needs to import. A component that really ran TensorFlow would fail loudly
on the first call (the stand-ins return stand-ins, never numbers), which is why the hook is only
installed for an allow-listed pipeline. Training always uses the real TensorFlow.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

WITHOUT_TENSORFLOW = frozenset(
    {
        "WhitespaceTokenizer", "RegexEntityExtractor", "RegexFeaturizer", "EntitySynonymMapper",
        "FallbackClassifier", "KeywordIntentClassifier", "LogisticRegressionClassifier",
        "CountVectorsFeaturizer", "LexicalSyntacticFeaturizer", "RulePolicy", "MemoizationPolicy",
        "AugmentedMemoizationPolicy",
    }
)  # fmt: skip
"""Rasa components whose code calls no TensorFlow (read in rasa/nlu and rasa/core/policies, 3.6)."""

TENSORFLOW_PACKAGES = ("tensorflow", "keras", "tensorflow_addons", "tensorflow_hub", "tensorflow_text")


class _StandIn(type):
    """A class whose attributes are stand-in classes; calling it returns one, or, used as a
    decorator, gives back what it decorates."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stand_in(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return _stand_in(f"{cls.__qualname__}()")

    def __getitem__(cls, item: Any) -> Any:
        return cls

    def __or__(cls, other: Any) -> Any:  # type annotations such as `tf.Tensor | None`
        return cls

    def __ror__(cls, other: Any) -> Any:
        return cls

    def __iter__(cls) -> Any:
        return iter(())

    def __bool__(cls) -> bool:
        return False


def _stand_in(name: str) -> Any:
    return _StandIn(name, (), {"__module__": "bot.without_tensorflow"})


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _stand_in(f"{self.__name__}.{name}")


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: Sequence[str] | None = None, target: Any = None) -> Any:
        if name.split(".")[0] in TENSORFLOW_PACKAGES:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StandInModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def needs_tensorflow(config: Path) -> bool:
    """Whether a component of `config` (a Rasa config.yml) may run TensorFlow."""
    settings = yaml.safe_load(config.read_text())
    names = [part["name"] for key in ("pipeline", "policies") for part in settings.get(key) or []]
    return any(name not in WITHOUT_TENSORFLOW and not name.startswith("bot.") for name in names)


def install(config: Path) -> bool:
    """Put the stand-in in front of TensorFlow if `config` needs none and TensorFlow is not loaded
    yet; whether it was put there."""
    if "tensorflow" in sys.modules or needs_tensorflow(config):
        return False
    sys.meta_path.insert(0, _StandInFinder())
    return True
