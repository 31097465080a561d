"""Numbers for staff and funders, and the questions the assistant could not answer.

Everything is computed from the console's index, so a month of a busy deployment is a few
thousand rows read once per page view.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from bot.console.db import conversations, messages
from bot.console.index import UNSURE


@dataclass
class Month:
    label: str
    days: list[str]
    messages_per_day: dict[str, int]
    conversations_per_day: dict[str, int]
    by_language: Counter = field(default_factory=Counter)  # conversations
    by_channel: Counter = field(default_factory=Counter)  # conversations
    messages_by_language: Counter = field(default_factory=Counter)
    daily_breakdown: Counter = field(default_factory=Counter)  # (day, "language es" | "channel sms") -> messages
    top_articles: list[tuple[str, int]] = field(default_factory=list)
    answered: int = 0
    unsure: int = 0
    handoffs: int = 0
    opt_outs: int = 0

    @property
    def daily_messages(self) -> list[int]:
        return [self.messages_per_day[day] for day in self.days]

    @property
    def daily_conversations(self) -> list[int]:
        return [self.conversations_per_day[day] for day in self.days]

    @property
    def conversations(self) -> int:
        return sum(self.by_language.values())

    @property
    def messages(self) -> int:
        return self.answered + self.unsure

    @property
    def answered_share(self) -> float:
        return self.answered / self.messages if self.messages else 0.0

    def csv_rows(self) -> list[list[Any]]:
        """The monthly report as rows: metric, breakdown, value."""
        rows: list[list[Any]] = [
            ["month", "", self.label],
            ["conversations", "all", self.conversations],
            ["messages", "all", self.messages],
            ["answered share", "all", f"{self.answered_share:.3f}"],
            ["asked for a person", "all", self.handoffs],
            ["opted out", "all", self.opt_outs],
        ]
        rows += [["conversations", f"language {k}", v] for k, v in sorted(self.by_language.items())]
        rows += [["conversations", f"channel {k}", v] for k, v in sorted(self.by_channel.items())]
        rows += [["article answers", k, v] for k, v in self.top_articles]
        rows += [["messages", f"day {d}", self.messages_per_day[d]] for d in self.days]
        rows += [["messages", f"day {d} {part}", n] for (d, part), n in sorted(self.daily_breakdown.items())]
        return rows

    @property
    def breakdown_columns(self) -> list[str]:
        return sorted({part for _, part in self.daily_breakdown})

    @property
    def active_days(self) -> list[str]:
        return [day for day in self.days if self.messages_per_day[day]]


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


def month_bounds(label: str) -> tuple[float, float]:
    start = datetime.strptime(label, "%Y-%m").replace(tzinfo=timezone.utc)
    end = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start.timestamp(), end.timestamp()


def month(engine: sa.engine.Engine, label: str) -> Month:
    start, end = month_bounds(label)
    days = []
    cursor = start
    while cursor < end:
        days.append(_day(cursor))
        cursor += 86400
    result = Month(label, days, dict.fromkeys(days, 0), dict.fromkeys(days, 0))
    with engine.connect() as db:
        rows = db.execute(
            sa.select(
                messages.c.sender_id,
                messages.c.at,
                messages.c.intent,
                messages.c.article,
                messages.c.language,
                conversations.c.channel,
                conversations.c.language.label("conversation_language"),
                conversations.c.asked_person,
                conversations.c.opted_out,
            )
            .join(conversations, conversations.c.sender_id == messages.c.sender_id)
            .where(messages.c.at >= start, messages.c.at < end)
        ).fetchall()
    seen_per_day: dict[str, set[str]] = defaultdict(set)
    people: dict[str, Any] = {}
    articles: Counter = Counter()
    for row in rows:
        day = _day(row.at)
        result.messages_per_day[day] += 1
        seen_per_day[day].add(row.sender_id)
        people[row.sender_id] = row
        language = row.language or row.conversation_language or "?"
        result.messages_by_language[language] += 1
        result.daily_breakdown[(day, f"language {language}")] += 1
        result.daily_breakdown[(day, f"channel {row.channel or '?'}")] += 1
        if row.intent in UNSURE:
            result.unsure += 1
        else:
            result.answered += 1
        if row.article:
            articles[row.article] += 1
    result.conversations_per_day = {day: len(seen_per_day[day]) for day in days}
    for person in people.values():
        result.by_language[person.conversation_language or "?"] += 1
        result.by_channel[person.channel or "?"] += 1
        result.handoffs += bool(person.asked_person)
        result.opt_outs += bool(person.opted_out)
    result.top_articles = articles.most_common(10)
    return result


def unanswered_groups(engine: sa.engine.Engine, threshold: float = 0.45, limit: int = 30) -> list[list[dict[str, Any]]]:
    """Messages the assistant was unsure about, grouped by similarity (character n-gram TF-IDF,
    cosine), largest group first: the most common gaps in the knowledge base come first."""
    with engine.connect() as db:
        rows = [
            r._asdict()
            for r in db.execute(
                sa.select(messages.c.event_id, messages.c.sender_id, messages.c.text, messages.c.language, messages.c.at)
                .where(messages.c.intent.in_(sorted(UNSURE)))
                .order_by(messages.c.at.desc())
                .limit(5000)
            )
        ]
    return sorted(group_similar(rows, threshold), key=len, reverse=True)[:limit]


def group_similar(rows: list[dict[str, Any]], threshold: float) -> list[list[dict[str, Any]]]:
    if not rows:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit_transform(
        [r["text"].lower() for r in rows]
    )
    groups: list[list[int]] = []
    for index in range(len(rows)):
        for group in groups:  # joins the first group whose first message is similar enough
            if (vectors[index] @ vectors[group[0]].T).toarray()[0, 0] >= threshold:
                group.append(index)
                break
        else:
            groups.append([index])
    return [[rows[i] for i in group] for group in groups]
