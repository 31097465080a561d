"""Telegram, as a Rasa input channel named `telegram` (webhook: /webhooks/telegram/webhook).

Updates are parsed with python-telegram-bot's `Update` and replies sent with its `Bot`: menus
become inline keyboards, long replies are split under Telegram's 4,096-character limit. Unlike
Rasa's built-in connector, the webhook's secret-token header is checked, an update Telegram
retries (same update_id) is processed once, non-text updates get a kind answer, and the chat id
becomes a keyed pseudonym: it is used to reply, never stored.

Settings (bot.settings): TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and BOT_SECRET_KEY (without
them the channel refuses every request with 503); TELEGRAM_API_URL to use another Bot API server.
"""

from __future__ import annotations

import hmac
import logging
from collections import OrderedDict
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit

from bot.channels.common import OnNewMessage, converse, delete_conversation
from bot.keywords import DELETE, keyword
from bot.privacy.pseudonym import pseudonym
from bot.privacy.redact import install_log_redaction
from bot.settings import settings

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
COMMANDS = {"/start": "/start", "/help": "/help_menu", "/language": "/change_language"}
DELETE_COMMAND = "/delete"


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


class RecentUpdates:
    """The last update ids seen, so a retried update is processed once."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self.ids: OrderedDict[int, None] = OrderedDict()

    def seen(self, update_id: int) -> bool:
        if update_id in self.ids:
            return True
        self.ids[update_id] = None
        while len(self.ids) > self.capacity:
            self.ids.popitem(last=False)
        return False


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
        self.recent = RecentUpdates()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram = Blueprint("telegram_webhook", __name__)

        @telegram.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @telegram.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if self.bot is None:
                return response.text("the Telegram channel is not configured", status=503)
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret):
                logger.warning("Telegram webhook refused: missing or wrong secret token")
                return response.text("forbidden", status=403)
            try:
                update = Update.de_json(request.json, self.bot)
            except Exception:  # malformed JSON or not an Update: nothing to answer
                return response.text("bad request", status=400)
            if update is None or self.recent.seen(update.update_id):
                return response.text("ok")
            await self.handle(on_new_message, request.app.ctx.agent.tracker_store, update)
            return response.text("ok")

        return telegram

    async def handle(self, on_new_message: OnNewMessage, tracker_store: Any, update: Update) -> None:
        assert self.bot is not None  # the webhook refuses every request (503) without one
        chat = update.effective_chat
        if chat is None or update.edited_message:
            return  # edits and service updates: nothing new to answer
        sender = pseudonym(CHANNEL, str(chat.id))
        if update.callback_query:
            await update.callback_query.answer()
            text = update.callback_query.data or ""
        else:
            text = (update.effective_message.text or "").strip() if update.effective_message else ""
        command = text.split("@")[0].lower()  # "/start@SomeBot" in groups
        if command == DELETE_COMMAND or keyword(text) == DELETE:
            await self.bot.send_message(chat.id, await delete_conversation(tracker_store, sender))
            return
        reply = await converse(on_new_message, COMMANDS.get(command) or text, sender, CHANNEL, media=not text)
        if not reply.text:
            return  # after STOP: silent
        parts = split(reply.text)
        for number, part in enumerate(parts, 1):
            await self.bot.send_message(chat.id, part, reply_markup=keyboard(reply.menu) if number == len(parts) else None)
