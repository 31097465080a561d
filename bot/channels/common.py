"""What every channel does the same way: take a turn (one message in, the reply out, whole), tell
a person kindly when the assistant cannot take it, and erase a conversation."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot import handoffs
from bot.dialogue import Slot
from bot.keywords import DELETE, keyword
from bot.knowledge.loader import knowledge
from bot.privacy.store import unwrap

logger = logging.getLogger(__name__)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
MAX_MESSAGE_CHARS = 2000
"""Longer messages get a kind request for a shorter one instead of a turn: a question fits in far
fewer characters, and a megabyte of text would hold up every conversation while it is read."""


@dataclass
class Outgoing:
    """The assistant's reply to one message, as the tracker stored it and as it is delivered: the
    text, its language (SMS folding) and the titles of its numbered menu (Telegram buttons).
    `silent` when the assistant deliberately says nothing (after STOP, while staff answer);
    `handoff` when the person just agreed to a staff member answering in this chat."""

    text: str = ""
    language: str | None = None
    menu: list[str] = field(default_factory=list)
    silent: bool = False
    handoff: bool = False


class TurnFailed(Exception):
    """The assistant could not take the turn. `apology` is what to tell the person; `processed`
    says whether the message was stored anyway (the action server failed after it), in which case
    a retry must not process it again."""

    def __init__(self, apology: str, processed: bool) -> None:
        super().__init__(apology)
        self.apology, self.processed = apology, processed


class ReplyCollector(OutputChannel):
    """Rasa's own collector cuts a reply into paragraphs and would send extra data as a separate
    message; this one keeps each bot message whole, with its buttons and metadata."""

    def __init__(self) -> None:
        self.replies: list[Outgoing] = []

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        if message.get("silent"):
            self.replies.append(Outgoing(silent=True))
        elif message.get("text"):
            menu = [button["title"] for button in message.get("buttons") or []]
            self.replies.append(Outgoing(message["text"], message.get("language"), menu, handoff=bool(message.get("handoff"))))

    def reply(self) -> Outgoing:
        """Everything said this turn (actions send one message)."""
        spoken = [r for r in self.replies if r.text]
        if len(spoken) == 1:
            return spoken[0]
        return Outgoing(
            "\n\n".join(r.text for r in spoken),
            next((r.language for r in reversed(spoken) if r.language), None),
            next((r.menu for r in reversed(spoken) if r.menu), []),
            silent=not spoken and any(r.silent for r in self.replies),
            handoff=any(r.handoff for r in spoken),
        )


async def converse(
    on_new_message: OnNewMessage, text: str, sender: str, channel: str, media: bool = False, message_id: str | None = None
) -> Outgoing:
    """Hand one message to Rasa; its reply. `media` marks a message that came with a picture, a
    voice note or a sticker, so the action can say it only reads text. `message_id` is the
    channel's id of the delivery (MessageSid, update_id), stored with the turn so that a turn can
    be traced to the webhook that brought it (and counted: `make soak`)."""
    collector = ReplyCollector()
    message = UserMessage(text, collector, sender, input_channel=channel, message_id=message_id, metadata={"media": media})
    await on_new_message(message)
    return collector.reply()


async def take_turn(
    agent: Any,
    on_new_message: OnNewMessage,
    text: str,
    sender: str,
    channel: str,
    media: bool = False,
    message_id: str | None = None,
) -> Outgoing:
    """One turn, or TurnFailed with an apology in the person's language: never an empty answer that
    looks like success. Rasa's stores fail loudly here (see `honest_stores`), so a tracker store or
    a lock store that cannot be reached stops the turn before anything is processed."""
    if len(text) > MAX_MESSAGE_CHARS:
        return Outgoing(knowledge().say(await conversation_language(agent, sender, text), "too_long"))
    try:
        reply = await converse(on_new_message, text, sender, channel, media, message_id)
    except Exception as error:
        logger.error(f"turn of {sender} not taken: {type(error).__name__}: {error}")
        raise TurnFailed(await apology(agent, sender, text), processed=False) from error
    if not reply.text and not reply.silent:  # the action server failed: the message is stored, unanswered
        logger.error(f"turn of {sender} stored without an answer (is the action server up?)")
        raise TurnFailed(await apology(agent, sender, text), processed=True)
    return reply


async def queue_for_staff(
    agent: Any, reply: Outgoing, sender: str, channel: str, address: str, reply_from: str | None
) -> Outgoing:
    """When the person just agreed to a staff member answering here, queue the conversation with
    the address the answer must go to (encrypted; bot.handoffs). Only the channel knows it, and
    only during this request. If it cannot be kept, the person is told to try again, not promised
    an answer that cannot come."""
    if not reply.handoff:
        return reply
    try:
        handoffs.open_chat(sender, reply.language, channel, address, reply_from)
    except Exception as error:
        logger.error(f"handoff of {sender} not queued: {type(error).__name__}")
        return Outgoing(await apology(agent, sender, ""), reply.language)
    return reply


async def conversation_language(agent: Any, sender: str, text: str) -> str:
    """The conversation's language if the store can tell, else the message's, else the default."""
    try:
        tracker = await unwrap(agent.tracker_store).retrieve(sender)
        if tracker and tracker.get_slot(Slot.LANGUAGE):
            return str(tracker.get_slot(Slot.LANGUAGE))
    except Exception:  # the store is down: the message itself will have to tell
        pass
    try:
        parsed = await agent.parse_message(text[:MAX_MESSAGE_CHARS])
        code = (parsed.get("language") or {}).get("code")
        if code in knowledge().languages:
            return str(code)
    except Exception:
        pass
    return knowledge().default_language


async def apology(agent: Any, sender: str, text: str) -> str:
    """ "Please try again in a few minutes" — or, when the message was DELETE, "I could not delete
    your conversation": a person must never believe an erasure happened when it did not."""
    key = "delete_failed" if keyword(text) == DELETE else "try_again"
    return knowledge().say(await conversation_language(agent, sender, text), key)


def honest_stores(agent: Any) -> None:
    """Take the FailSafeTrackerStore away that Rasa wraps around every tracker store: on an error it
    answers from an empty tracker and keeps writes in memory, so a database outage silently loses
    turns and forgets who opted out. Without it a store error stops the turn (`take_turn`)."""
    store = unwrap(agent.tracker_store)
    agent.tracker_store = store
    if getattr(agent, "processor", None) is not None:
        agent.processor.tracker_store = store


async def delete_conversation(agent: Any, sender: str) -> str:
    """Erase a conversation and everything kept about the person apart from it (a pending request
    to be contacted, with its contact); the confirmation, in the language the conversation had, or
    an honest "could not" when the store cannot be reached."""
    language = await conversation_language(agent, sender, "")
    try:
        unwrap(agent.tracker_store).delete(sender)
        handoffs.forget([sender])
    except Exception as error:
        logger.error(f"could not delete {sender}: {type(error).__name__}")
        return knowledge().say(language, "delete_failed")
    return knowledge().say(language, "deleted")


MAX_REQUEST_BYTES = 1024 * 1024
"""Sanic allows 100 MB per request; the whole Rasa server gets 1 MB once one of our channels loads."""


def channel_blueprint(name: str) -> Blueprint:
    """The blueprint of one of our channels, with what each needs: the server-wide request-size
    cap, Rasa's FailSafeTrackerStore taken away (`honest_stores`), and a health route."""
    blueprint = Blueprint(name, __name__)

    @blueprint.listener("before_server_start")
    async def limit_request_size(app: Sanic, loop: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_REQUEST_BYTES)

    @blueprint.listener("after_server_start")
    async def fail_loudly(app: Sanic, loop: Any) -> None:
        honest_stores(app.ctx.agent)

    @blueprint.route("/", methods=["GET"])
    async def health(request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    return blueprint
