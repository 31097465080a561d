"""`make eval-langid`: every language-ID backend on the labelled short messages in
`tests/language_id.yml`, with and without the script rule, so the default is chosen by measurement."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import yaml

from bot import ROOT
from bot.knowledge.loader import knowledge
from bot.nlu.language_id import BACKENDS, DOMAIN, make_detector, read_examples, train_domain_model, word_count

LABELLED = ROOT / "tests" / "language_id.yml"


def measure(backend: str, use_script: bool, messages: list[dict[str, str]], model: Any = None) -> dict[str, float]:
    detect = make_detector(knowledge().languages, backend, use_script, model)
    right: Counter = Counter()
    total: Counter = Counter()
    started = time.perf_counter()
    for message in messages:
        found = detect(message["text"])
        for group in ("all", message["language"], "short" if word_count(message["text"]) <= 2 else "long"):
            total[group] += 1
            right[group] += found.language == message["language"]
    elapsed = time.perf_counter() - started
    result = {group: right[group] / total[group] for group in total}
    result["us_per_message"] = elapsed / len(messages) * 1e6
    return result


def main() -> int:
    messages = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["messages"]
    languages = list(knowledge().languages)
    header = ["backend", "script rule", "all", "1-2 words", *languages, "µs/msg"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    model = train_domain_model(read_examples(ROOT / "data" / "nlu", languages))
    for backend in [DOMAIN, *BACKENDS]:
        for use_script in (False, True):
            r = measure(backend, use_script, messages, model)
            cells = [backend, "yes" if use_script else "no", f"{r['all']:.3f}", f"{r['short']:.3f}"]
            cells += [f"{r.get(code, 0):.2f}" for code in languages] + [f"{r['us_per_message']:.0f}"]
            print("| " + " | ".join(cells) + " |")
    print(f"\n{len(messages)} messages from {LABELLED.relative_to(ROOT)}")
    return 0
