"""What both channels do the same way: keywords, deletion, and collecting the assistant's reply."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.knowledge.loader import knowledge
from bot.nlu.language_id import normalize
from bot.privacy.store import unwrap

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
KEYWORD_INTENTS = {"stop": "/stop", "start": "/start", "help": "/help_menu"}
"""Keywords become Rasa intent messages ("/stop"), which skip the NLU model entirely."""


def keyword(text: str) -> str | None:
    """stop, start, help or delete when the whole message is one of their words."""
    word = normalize(re.sub(r"^[\s/!.¡¿?]+|[\s!.?。！？]+$", "", text))
    return next((name for name, words in knowledge().keywords.items() if word in words), None)


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
    """Erase a conversation; the confirmation, in the language the conversation had."""
    tracker = await tracker_store.retrieve(sender)
    language = (tracker.get_slot("language") if tracker else None) or knowledge().default_language
    unwrap(tracker_store).delete(sender)
    return knowledge().say(language, "deleted")
