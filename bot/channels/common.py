"""What every channel does the same way: hand one message to Rasa and take the reply whole, and
erase a conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot import handoffs
from bot.knowledge.loader import knowledge
from bot.privacy.store import unwrap

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass
class Outgoing:
    """The assistant's reply to one message, as the tracker stored it and as it is delivered: the
    text, its language (SMS folding) and the titles of its numbered menu (Telegram buttons)."""

    text: str = ""
    language: str | None = None
    menu: list[str] = field(default_factory=list)


class ReplyCollector(OutputChannel):
    """Rasa's own collector cuts a reply into paragraphs and would send extra data as a separate
    message; this one keeps each bot message whole, with its buttons and metadata."""

    def __init__(self) -> None:
        self.replies: list[Outgoing] = []

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if message.get("text"):
            menu = [button["title"] for button in message.get("buttons") or []]
            self.replies.append(Outgoing(message["text"], message.get("language"), menu))

    def reply(self) -> Outgoing:
        """Everything said this turn (actions send one message; an empty reply means silence)."""
        if len(self.replies) == 1:
            return self.replies[0]
        return Outgoing(
            "\n\n".join(r.text for r in self.replies),
            next((r.language for r in reversed(self.replies) if r.language), None),
            next((r.menu for r in reversed(self.replies) if r.menu), []),
        )


async def converse(on_new_message: OnNewMessage, text: str, sender: str, channel: str, media: bool = False) -> Outgoing:
    """Hand one message to Rasa; its reply. `media` marks a message that came with a picture, a
    voice note or a sticker, so the action can say it only reads text."""
    collector = ReplyCollector()
    await on_new_message(UserMessage(text, collector, sender, input_channel=channel, metadata={"media": media}))
    return collector.reply()


async def delete_conversation(tracker_store: Any, sender: str) -> str:
    """Erase a conversation and everything kept about the person apart from it (a pending request
    to be contacted, with its contact); the confirmation, in the language the conversation had."""
    tracker = await tracker_store.retrieve(sender)
    language = (tracker.get_slot("language") if tracker else None) or knowledge().default_language
    unwrap(tracker_store).delete(sender)
    handoffs.forget([sender])
    return knowledge().say(language, "deleted")
