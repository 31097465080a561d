"""`make eval`: how well the trained assistant answers messages nobody tuned it for.

Every message of `tests/heldout/<lang>.yml` goes through the whole assistant (NLU, rules,
actions) in a fresh conversation, as `ask` would send it. Per language it reports article
accuracy (the right article was sent), reply-language accuracy (the reply is in the asker's
language) and intent accuracy over all messages, then the most frequent confusions.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import ROOT
from bot.assistant import Assistant
from bot.knowledge.loader import knowledge

HELDOUT = ROOT / "tests" / "heldout"


@dataclass
class Score:
    articles: int = 0
    articles_right: int = 0
    messages: int = 0
    language_right: int = 0
    intent_right: int = 0
    confusions: Counter = field(default_factory=Counter)

    @property
    def article_accuracy(self) -> float:
        return self.articles_right / self.articles if self.articles else 0.0

    @property
    def language_accuracy(self) -> float:
        return self.language_right / self.messages if self.messages else 0.0

    @property
    def intent_accuracy(self) -> float:
        return self.intent_right / self.messages if self.messages else 0.0


def load_heldout(directory: Path = HELDOUT) -> dict[str, list[dict[str, str]]]:
    """Held-out messages by language."""
    sets = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sets[data["language"]] = data["messages"]
    return sets


async def score(assistant: Assistant, sets: dict[str, list[dict[str, str]]]) -> tuple[dict[str, Score], list[float]]:
    articles = set(knowledge().articles)
    scores: dict[str, Score] = {}
    latencies: list[float] = []
    for language, messages in sets.items():
        result = scores.setdefault(language, Score())
        for message in messages:
            started = time.perf_counter()
            answer = await assistant.ask(message["text"])
            latencies.append(time.perf_counter() - started)
            expected = message["intent"]
            result.messages += 1
            result.language_right += answer.language == language
            result.intent_right += answer.intent == expected
            if expected in articles:
                result.articles += 1
                result.articles_right += answer.article == expected
            if answer.intent != expected:
                result.confusions[(expected, answer.intent)] += 1
    return scores, latencies


def report(scores: dict[str, Score], latencies: list[float]) -> str:
    lines = [
        "| language | article accuracy | reply language | intent accuracy (all) | messages |",
        "|---|---|---|---|---|",
    ]
    total = Score()
    for language, s in scores.items():
        lines.append(
            f"| {language} | {s.article_accuracy:.3f} ({s.articles_right}/{s.articles}) | "
            f"{s.language_accuracy:.3f} | {s.intent_accuracy:.3f} | {s.messages} |"
        )
        for name in ("articles", "articles_right", "messages", "language_right", "intent_right"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.confusions += s.confusions
    lines.append(
        f"| all | {total.article_accuracy:.3f} ({total.articles_right}/{total.articles}) | "
        f"{total.language_accuracy:.3f} | {total.intent_accuracy:.3f} | {total.messages} |"
    )
    lines.append("\nMost frequent confusions (expected -> predicted: count):")
    lines += [f"  {e} -> {p}: {n}" for (e, p), n in total.confusions.most_common(12)]
    ordered = sorted(latencies)
    lines.append(
        f"\nLatency per message through the whole assistant: p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )
    return "\n".join(lines)


def main(min_accuracy: float = 0.0, model: Path | None = None) -> int:
    assistant = Assistant(model)
    scores, latencies = asyncio.run(score(assistant, load_heldout()))
    print(report(scores, latencies))
    failing = [language for language, s in scores.items() if s.article_accuracy < min_accuracy]
    if failing:
        print(f"\nBelow {min_accuracy:.2f} article accuracy: {', '.join(failing)}")
    return 1 if failing else 0
