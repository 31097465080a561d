"""Training only when needed.

`make run` and `make test` call `train()` on every start. Asking Rasa whether its model is up to
date costs about 15 s (it reads all the training data and fingerprints the whole graph), so we
keep our own fingerprint beside the model: a hash of everything training reads or runs — config,
domain, training data, and the code of our NLU components — and reuse the model while it matches.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

MODEL_NAME = "assistant"


def inputs(root: Path) -> list[Path]:
    """The files a model is made from."""
    return sorted(
        [root / "config.yml", root / "domain.yml", *(root / "data").rglob("*.yml"), *(root / "bot" / "nlu").glob("*.py")]
    )


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256(f"rasa {version('rasa')}".encode())
    for path in inputs(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def model_path(root: Path) -> Path:
    return root / "models" / f"{MODEL_NAME}.tar.gz"


def _fingerprint_path(root: Path) -> Path:
    return root / "models" / f"{MODEL_NAME}.inputs"


def model_is_current(root: Path) -> bool:
    """Whether the model was made from the inputs as they are now."""
    model, recorded = model_path(root), _fingerprint_path(root)
    return model.exists() and recorded.exists() and recorded.read_text() == fingerprint(root)


def train(root: Path, force: bool = False) -> Path:
    """Train the model for the project at `root` unless one made from the same inputs exists;
    returns the model file."""
    if not force and model_is_current(root):
        return model_path(root)
    current = fingerprint(root)
    recorded = _fingerprint_path(root)
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
    recorded.write_text(current)
    return Path(result.model)


def ensure_model(root: Path) -> Path:
    """The trained model as it is (`ask` and the tests use what `make` trained); trained first
    only if there is none."""
    model = model_path(root)
    return model if model.exists() else train(root)
