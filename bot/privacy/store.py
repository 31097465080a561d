"""A SQL tracker store that redacts before it writes, and can delete and purge conversations.

Configured in endpoints.yml as `type: bot.privacy.store.RedactingSQLTrackerStore` with the usual
SQLTrackerStore settings, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import BotUttered, Event

from bot.privacy.redact import redact_value


def redacted(event: Event) -> Event:
    """The event as it may be stored. Bot messages come from the knowledge base and are kept as
    they are (they hold official phone numbers); everything a person wrote, and every slot value,
    is redacted."""
    if isinstance(event, BotUttered):
        return event
    return Event.from_parameters(redact_value(event.as_dict()))


def unwrap(store: Any) -> Any:
    """The configured store inside the FailSafeTrackerStore that Rasa wraps around it."""
    return getattr(store, "_tracker_store", store)


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # After a database outage the pool holds dead connections; pre-ping swaps them for live ones
        # instead of failing the first turn after recovery.
        old: sa.engine.Engine = getattr(self, "engine")  # noqa: B009 (set by SQLTrackerStore, untyped)
        self.engine = sa.create_engine(old.url, pool_pre_ping=True, hide_parameters=True, **create_engine_kwargs(str(old.url)))
        old.dispose()
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        return (redacted(event) for event in super()._additional_events(session, tracker))

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
