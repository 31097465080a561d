"""A SQL tracker store that redacts before it writes, and can delete and purge conversations.

Configured in endpoints.yml as `type: bot.privacy.store.RedactingSQLTrackerStore` with the usual
SQLTrackerStore settings, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.redact import redact_bot_text, redact_value


def redacted(event: Event) -> Event:
    """The event as it may be stored: everything a person wrote and every slot value redacted; bot
    messages too, keeping the official details the knowledge base gives (redact_bot_text)."""
    data = event.as_dict()
    if isinstance(event, BotUttered):
        data["text"] = redact_bot_text(data["text"]) if data.get("text") else data.get("text")
        return Event.from_parameters(data)
    return Event.from_parameters(redact_value(data))


STORED = "_events_in_store"
"""Set on a tracker this store read or saved: how many of its events the store holds."""


def unwrap(store: Any) -> Any:
    """The configured store inside the FailSafeTrackerStore that Rasa wraps around it."""
    return getattr(store, "_tracker_store", store)


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # After a database outage the pool holds dead connections; pre-ping swaps them for live ones
        # instead of failing the first turn after recovery.
        old: sa.engine.Engine = getattr(self, "engine")  # noqa: B009 (set by SQLTrackerStore, untyped)
        options = create_engine_kwargs(str(old.url))
        if old.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a SQLite connection for every session (NullPool): a
            # tenth of a turn. A pool keeps them; each is used by one session at a time.
            options |= {"poolclass": sa.pool.QueuePool, "connect_args": {"check_same_thread": False}}
        self.engine = sa.create_engine(old.url, pool_pre_ping=True, hide_parameters=True, **options)
        old.dispose()
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        if self.engine.dialect.name == "sqlite":
            # Write-ahead logging: one fsync per turn instead of two, and the console reads while
            # the assistant writes. Still fully synchronous: a committed turn survives a crash.
            sa.event.listen(self.engine, "connect", lambda connection, _: connection.execute("PRAGMA journal_mode=WAL"))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        setattr(tracker, STORED, len(tracker.events))

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """The events to write: those after what the tracker was read with or last saved (Rasa
        counts the stored events with a query on every save: a tenth of a turn)."""
        stored = getattr(tracker, STORED, None)
        new = super()._additional_events(session, tracker) if stored is None else itertools.islice(tracker.events, stored, None)
        return (redacted(event) for event in new)

    def delete(self, sender_id: str) -> int:
        """Remove every event of one conversation; the number of events removed."""
        with self.session_scope() as session:
            removed = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        return removed

    def purge(self, older_than_days: float) -> list[str]:
        """Remove conversations whose last event is older than the retention period; their ids."""
        cutoff = time.time() - older_than_days * 86400
        with self.session_scope() as session:
            last_seen = sa.func.max(self.SQLEvent.timestamp)
            stale = [
                row[0]
                for row in session.query(self.SQLEvent.sender_id).group_by(self.SQLEvent.sender_id).having(last_seen < cutoff)
            ]
            if stale:
                session.query(self.SQLEvent).filter(self.SQLEvent.sender_id.in_(stale)).delete(synchronize_session=False)
            session.commit()
        return stale
