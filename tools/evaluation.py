"""`make eval`: how well the trained assistant answers messages nobody tuned it for.

Every message of the held-out sets goes through the whole assistant (NLU, rules, actions) in a
fresh conversation, as `ask` would send it. The sets, written without seeing the training data:

- `tests/heldout/<lang>.yml` — the first 23 topics and the conversation intents ("in scope");
- `tests/heldout/new_topics/<lang>.yml` — the 16 topics added with the coverage work;
- `tests/heldout/no_article/<lang>.yml` — questions no article answers: the honest answer is none;
- `tests/heldout/stop_like/<lang>.yml` — sentences with "stop" or "cancel" in them that are questions,
  never a request to unsubscribe.

Per set and language it reports article accuracy (the right article was sent), reply-language
accuracy, and for the no-article set the share that got an article anyway; then the most frequent
confusions. `BARS` holds the levels below which `make eval` (and the tests) fail.
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
IN_SCOPE, NEW_TOPICS, NO_ARTICLE, STOP_LIKE = "in scope", "new topics", "no article", "stop-like"
SETS = {
    IN_SCOPE: HELDOUT,
    NEW_TOPICS: HELDOUT / "new_topics",
    NO_ARTICLE: HELDOUT / "no_article",
    STOP_LIKE: HELDOUT / "stop_like",
}
BARS = {IN_SCOPE: 0.95, NEW_TOPICS: 0.90}
"""Lowest article accuracy per language, for the sets whose messages have an article."""
MAX_ANSWERED_WITHOUT_ARTICLE = 0.05
"""Highest share of no-article messages that may get an article, per language."""
MIN_REPLY_LANGUAGE = 0.95


@dataclass
class Score:
    articles: int = 0
    articles_right: int = 0
    messages: int = 0
    language_right: int = 0
    intent_right: int = 0
    answered: int = 0
    """Messages that got an article, right or wrong."""
    opted_out: int = 0
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

    @property
    def answered_share(self) -> float:
        return self.answered / self.messages if self.messages else 0.0

    def add(self, other: Score) -> None:
        for name in ("articles", "articles_right", "messages", "language_right", "intent_right", "answered", "opted_out"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.confusions += other.confusions


Scores = dict[str, dict[str, Score]]
"""set name -> language -> score"""


def load_heldout(directory: Path = HELDOUT) -> dict[str, list[dict[str, str]]]:
    """One held-out set's messages by language."""
    sets = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sets[data["language"]] = data["messages"]
    return sets


async def score(
    assistant: Assistant, sets: dict[str, list[dict[str, str]]], latencies: list[float] | None = None
) -> dict[str, Score]:
    """Scores by language for one held-out set; each message's latency is appended to `latencies`."""
    articles = set(knowledge().articles)
    scores: dict[str, Score] = {}
    for language, messages in sets.items():
        result = scores.setdefault(language, Score())
        for message in messages:
            started = time.perf_counter()
            answer = await assistant.ask(message["text"])
            if latencies is not None:
                latencies.append(time.perf_counter() - started)
            expected = message["intent"]
            result.messages += 1
            result.language_right += answer.language == language
            result.intent_right += answer.intent == expected
            result.answered += answer.article is not None
            result.opted_out += answer.opted_out
            if expected in articles:
                result.articles += 1
                result.articles_right += answer.article == expected
            if answer.article != expected and (expected in articles or answer.article):
                result.confusions[(expected, answer.article or answer.intent)] += 1
    return scores


async def score_all(assistant: Assistant, latencies: list[float] | None = None) -> Scores:
    return {name: await score(assistant, load_heldout(directory), latencies) for name, directory in SETS.items()}


def failures(scores: Scores) -> list[str]:
    """Every bar a language misses, as readable lines (empty: all bars met)."""
    problems = []
    for name, by_language in scores.items():
        for language, s in by_language.items():
            if name in BARS and s.article_accuracy < BARS[name]:
                problems.append(f"{name} [{language}]: article accuracy {s.article_accuracy:.3f} < {BARS[name]:.2f}")
            if name == NO_ARTICLE and s.answered_share > MAX_ANSWERED_WITHOUT_ARTICLE:
                problems.append(
                    f"{name} [{language}]: {s.answered_share:.3f} answered with an article > {MAX_ANSWERED_WITHOUT_ARTICLE:.2f}"
                )
            if s.language_accuracy < MIN_REPLY_LANGUAGE:
                problems.append(f"{name} [{language}]: reply language {s.language_accuracy:.3f} < {MIN_REPLY_LANGUAGE:.2f}")
            if s.opted_out:
                problems.append(f"{name} [{language}]: {s.opted_out} message(s) opted the person out")
    return problems


def table(name: str, by_language: dict[str, Score]) -> list[str]:
    total = Score()
    for s in by_language.values():
        total.add(s)
    rows = [*by_language.items(), ("all", total)]
    if name == NO_ARTICLE:
        lines = [
            f"\n{name} (lower is better)",
            "| language | answered with an article | reply language | messages |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {lang} | {s.answered_share:.3f} ({s.answered}/{s.messages}) | {s.language_accuracy:.3f} | {s.messages} |"
            for lang, s in rows
        ]
        return lines
    lines = [
        f"\n{name}",
        "| language | article accuracy | reply language | intent accuracy (all) | opted out | messages |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {lang} | {s.article_accuracy:.3f} ({s.articles_right}/{s.articles}) | {s.language_accuracy:.3f} | "
        f"{s.intent_accuracy:.3f} | {s.opted_out} | {s.messages} |"
        for lang, s in rows
    ]
    return lines


def report(scores: Scores, latencies: list[float]) -> str:
    lines: list[str] = []
    confusions: Counter = Counter()
    for name, by_language in scores.items():
        lines += table(name, by_language)
        for s in by_language.values():
            confusions += s.confusions
    lines.append("\nMost frequent confusions (expected -> answered: count):")
    lines += [f"  {e} -> {p}: {n}" for (e, p), n in confusions.most_common(15)]
    ordered = sorted(latencies)
    lines.append(
        f"\nLatency per message through the whole assistant: p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )
    return "\n".join(lines)


def main(model: Path | None = None) -> int:
    assistant = Assistant(model)
    latencies: list[float] = []
    scores = asyncio.run(score_all(assistant, latencies))
    print(report(scores, latencies))
    problems = failures(scores)
    for problem in problems:
        print(f"below the bar: {problem}")
    return 1 if problems else 0
