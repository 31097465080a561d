"""What both channels do the same way: deletion, and collecting the assistant's reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot import handoffs
from bot.knowledge.loader import knowledge
from bot.privacy.store import unwrap

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
@dataclass
class Reply:
    text: str
    language: str | None
    menu: list[str]


async def converse(on_new_message: OnNewMessage, text: str, sender: str, channel: str) -> Reply:
    """Hand one message to Rasa and collect the whole reply (Rasa sends each paragraph as its own
    message; they are joined back so the channel can decide how to deliver them)."""
    collector = CollectingOutputChannel()
    await on_new_message(UserMessage(text, collector, sender, input_channel=channel))
    texts = [m["text"] for m in collector.messages if m.get("text")]
    facts = next((m["custom"] for m in collector.messages if isinstance(m.get("custom"), dict)), {})
    return Reply("\n\n".join(texts), facts.get("language"), facts.get("menu") or [])


async def delete_conversation(tracker_store: Any, sender: str) -> str:
    """Erase a conversation and everything kept about the person apart from it (a pending request
    to be contacted, with its contact); the confirmation, in the language the conversation had."""
    tracker = await tracker_store.retrieve(sender)
    language = (tracker.get_slot("language") if tracker else None) or knowledge().default_language
    unwrap(tracker_store).delete(sender)
    handoffs.forget([sender])
    return knowledge().say(language, "deleted")
