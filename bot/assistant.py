"""The trained assistant in one process: the model plus `actions/`, without servers.

`python -m bot ask`, the evaluation and the tests use it. The actions run in this process
(bot/rasa_runtime.py), exactly as the embedded profile's Rasa server runs them.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import skops.io  # noqa: F401  (before Rasa imports TensorFlow: bot/rasa_launcher.py says why)

# isort: split
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from bot import ROOT, rasa_runtime
from bot.channels.common import ReplyCollector, honest_stores
from bot.training import ensure_model

REST_CHANNEL = "rest"


@dataclass
class Answer:
    """One message in, everything we know about the reply out (the `ask --json` record)."""

    text: str
    language: str | None
    intent: str | None
    confidence: float
    article: str | None
    reply: str
    opted_out: bool

    def as_dict(self) -> dict[str, Any]:
        """The `ask --json` record as CONTENT.md specifies it (opted_out is for the evaluation)."""
        record = asdict(self)
        del record["opted_out"]
        return record


class Assistant:
    """Loads the latest trained model (training one first if there is none).

    Call `bot.quiet.quiet()` first unless you want Rasa's debug log.
    """

    def __init__(self, model: Path | None = None, endpoints: Path | None = None) -> None:
        """`endpoints` names a Rasa endpoints file whose tracker and lock stores to use (for example
        endpoints.production.yml: PostgreSQL and Redis); without it, conversations stay in memory."""
        rasa_runtime.install()
        stores = {}
        if endpoints:
            from rasa.core.lock_store import LockStore
            from rasa.core.tracker_store import TrackerStore
            from rasa.core.utils import AvailableEndpoints

            configured = AvailableEndpoints.read_endpoints(str(endpoints))
            stores = {
                "tracker_store": TrackerStore.create(configured.tracker_store),
                "lock_store": LockStore.create(configured.lock_store),
            }
        self.agent = Agent.load(str(model or ensure_model(ROOT)), action_endpoint=rasa_runtime.InProcessActions(), **stores)
        honest_stores(self.agent)

    async def ask(self, text: str, conversation: str | None = None, channel: str = REST_CHANNEL) -> Answer:
        """Send `text` as a user of `channel` in `conversation` (a new one when None)."""
        sender = conversation or uuid.uuid4().hex
        output = ReplyCollector()
        await self.agent.handle_message(UserMessage(text, output, sender, input_channel=channel))
        tracker = await self.agent.tracker_store.retrieve(sender)
        parsed = tracker.latest_message.parse_data if tracker.latest_message else {}
        turn = tracker.events_after_latest_restart()
        since_user = turn[max(i for i, e in enumerate(turn) if e.type_name == "user") :]
        articles = [e.value for e in since_user if e.type_name == "slot" and e.key == "article"]
        return Answer(
            text=text,
            language=tracker.get_slot("language"),
            intent=parsed.get("intent", {}).get("name"),
            confidence=round(float(parsed.get("intent", {}).get("confidence") or 0.0), 3),
            article=articles[-1] if articles else None,
            reply=output.reply().text,
            opted_out=bool(tracker.get_slot("opted_out")),
        )
