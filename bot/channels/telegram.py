"""Telegram, as a Rasa input channel named `telegram` (webhook: /webhooks/telegram/webhook).

Updates are parsed with python-telegram-bot's `Update` and replies sent with its `Bot`: menus
become inline keyboards, long replies are split under Telegram's 4,096-character limit. Unlike
Rasa's built-in connector, the webhook's secret-token header is checked; each update_id is claimed
once in the tracker store's database and counts as handled only when its reply was sent (a retry
re-sends a reply that failed, and never takes a second turn); non-text updates get a kind answer;
when the assistant cannot take the turn the person gets "please try again" in their language; and
the chat id becomes a keyed pseudonym: it is used to reply, never stored.

Settings (bot.settings): TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and BOT_SECRET_KEY (without
them the channel refuses every request with 503); TELEGRAM_API_URL to use another Bot API server.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.error import TelegramError

from bot.channels.claims import BUSY, SENT, WORKING, claims_on
from bot.channels.common import (
    OnNewMessage,
    Outgoing,
    TurnFailed,
    apology,
    channel_blueprint,
    delete_conversation,
    queue_for_staff,
    take_turn,
)
from bot.keywords import DELETE, keyword
from bot.privacy.pseudonym import pseudonym
from bot.privacy.redact import install_log_redaction
from bot.privacy.store import unwrap
from bot.settings import settings

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
COMMANDS = {"/start": "/start", "/help": "/help_menu", "/language": "/change_language"}
DELETE_COMMAND = "/delete"
MAX_UPDATE_BYTES = 256 * 1024
"""A Telegram update is a few kilobytes; anything much larger is refused before it is parsed."""


def make_bot() -> Bot | None:
    """A python-telegram-bot `Bot`, or None (with a warning) when the channel's secrets are missing."""
    config = settings()
    if problem := config.secret_problem():
        logger.warning(f"Telegram channel disabled: {problem}")
        return None
    if not config.telegram_bot_token or not config.telegram_webhook_secret:
        logger.warning("Telegram channel disabled: TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET must be set")
        return None
    base = config.telegram_api_url
    return Bot(config.telegram_bot_token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")


def split(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Telegram refuses messages over 4,096 characters: cut at paragraph breaks, then lines."""
    parts: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        for piece in [block] if len(block) <= limit else [block[i : i + limit] for i in range(0, len(block), limit)]:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) > limit:
                parts.append(current)
                candidate = piece
            current = candidate
    return [*parts, current] if current else parts


def keyboard(menu: list[str]) -> InlineKeyboardMarkup | None:
    """One button per menu entry; pressing it sends the entry's number, as typing it would."""
    if not menu:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"{n}. {title}", callback_data=str(n))] for n, title in enumerate(menu, 1)]
    )


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        return cls()

    def __init__(self) -> None:
        install_log_redaction()
        self.bot = make_bot()
        self.secret = settings().telegram_webhook_secret

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram = channel_blueprint("telegram_webhook")

        @telegram.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if self.bot is None:
                return response.text("the Telegram channel is not configured", status=503)
            given = request.headers.get(SECRET_HEADER, "").encode(errors="replace")
            if not hmac.compare_digest(given, self.secret.encode()):
                logger.warning("Telegram webhook refused: missing or wrong secret token")
                return response.text("forbidden", status=403)
            if len(request.body) > MAX_UPDATE_BYTES:
                return response.text("request too large", status=413)
            try:
                update = Update.de_json(json.loads(request.body), self.bot)
            except Exception:  # malformed JSON or not an Update: nothing to answer
                return response.text("bad request", status=400)
            chat = update.effective_chat if update else None
            if update is None or chat is None or update.edited_message:
                return response.text("ok")  # edits and service updates: nothing new to answer
            return await self.deliver(on_new_message, request.app.ctx.agent, update, chat.id)

        return telegram

    async def deliver(self, on_new_message: OnNewMessage, agent: Any, update: Update, chat_id: int) -> response.HTTPResponse:
        """Answer an update exactly once. It counts as handled only once its reply was sent: a retry
        of an update whose reply could not be sent re-sends the stored reply without a second turn."""
        try:
            claims = claims_on(unwrap(agent.tracker_store).engine)
            claim = claims.claim(f"{CHANNEL}:{update.update_id}")
        except Exception as error:  # the database is down: nothing can be processed safely
            logger.error(f"Telegram update {update.update_id} not claimed: {type(error).__name__}")
            text = update.effective_message.text if update.effective_message else ""
            await self.send(chat_id, Outgoing(await apology(agent, pseudonym(CHANNEL, str(chat_id)), text or "")))
            return response.text("ok")
        if claim.state == SENT:
            return response.text("ok")
        if claim.state == BUSY:
            return response.text("in progress", status=503)  # Telegram retries; the first delivery answers
        if claim.state == WORKING:
            try:
                outgoing = await self.handle(on_new_message, agent, update, chat_id)
            except TurnFailed as failed:
                if not failed.processed:
                    claims.release(claim)
                    await self.send(chat_id, Outgoing(failed.apology))
                    return response.text("ok")
                outgoing = Outgoing(failed.apology)
            claims.answered(claim, json.dumps({"text": outgoing.text, "menu": outgoing.menu}))
        stored = json.loads(claim.reply or "{}")
        try:
            await self.send(chat_id, Outgoing(stored.get("text") or "", menu=stored.get("menu") or []))
        except TelegramError as error:  # not sent: Telegram's retry re-sends the stored reply
            logger.error(f"Telegram reply to update {update.update_id} not sent: {error}")
            return response.text("reply not sent", status=502)
        claims.sent(claim)
        return response.text("ok")

    async def handle(self, on_new_message: OnNewMessage, agent: Any, update: Update, chat_id: int) -> Outgoing:
        """The reply to one update (empty after STOP: the assistant stays silent)."""
        assert self.bot is not None  # the webhook refuses every request (503) without one
        sender = pseudonym(CHANNEL, str(chat_id))
        if update.callback_query:
            await update.callback_query.answer()
            text = update.callback_query.data or ""
        else:
            text = (update.effective_message.text or "").strip() if update.effective_message else ""
        command = text.split("@")[0].lower()  # "/start@SomeBot" in groups
        if command == DELETE_COMMAND or keyword(text) == DELETE:
            return Outgoing(await delete_conversation(agent, sender))
        message_id = f"update-{update.update_id}"
        reply = await take_turn(agent, on_new_message, COMMANDS.get(command) or text, sender, CHANNEL, not text, message_id)
        return await queue_for_staff(agent, reply, sender, CHANNEL, str(chat_id), None)

    async def send(self, chat_id: int, outgoing: Outgoing) -> None:
        assert self.bot is not None
        parts = split(outgoing.text)
        for number, part in enumerate(parts, 1):
            await self.bot.send_message(chat_id, part, reply_markup=keyboard(outgoing.menu) if number == len(parts) else None)
