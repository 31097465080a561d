"""Training only when needed: Rasa fingerprints config, domain and data, and reuses a model whose
inputs have not changed, so calling this on every start costs seconds, not minutes."""

from __future__ import annotations

from pathlib import Path

from rasa.model import get_latest_model

MODEL_NAME = "assistant"


def train(root: Path, force: bool = False) -> Path:
    """Train (or reuse) the model for the project at `root`; returns the model file."""
    from rasa.api import train as rasa_train

    result = rasa_train(
        domain=str(root / "domain.yml"),
        config=str(root / "config.yml"),
        training_files=[str(root / "data")],
        output=str(root / "models"),
        fixed_model_name=MODEL_NAME,
        force_training=force,
    )
    if result.code != 0 or not result.model:
        raise RuntimeError("training failed; run `rasa train` to see why")
    return Path(result.model)


def ensure_model(root: Path) -> Path:
    """The latest model in `root/models`, training one if there is none."""
    latest = get_latest_model(str(root / "models"))
    return Path(latest) if latest else train(root)
