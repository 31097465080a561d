"""Messages staff send from the console, delivered on the person's own channel: SMS and WhatsApp
through Twilio's REST API, Telegram through the Bot API.

The assistant itself never needs this: it answers inside the webhook's response. A staff reply
comes later, so it must be sent. Limits are respected, and failures come back as a sentence for
staff: Telegram's 429 is waited out once when `retry_after` is short; Twilio's error codes
(a recipient who opted out, WhatsApp's 24-hour window) are named.

Settings (bot.settings): TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (TWILIO_API_URL for another
API server, as the tests use), TELEGRAM_BOT_TOKEN (TELEGRAM_API_URL).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import Forbidden, RetryAfter, TelegramError
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.handoffs import Destination
from bot.settings import settings

logger = logging.getLogger(__name__)
TELEGRAM_MAX_WAIT_SECONDS = 10.0
"""Telegram's 429 says how long to wait; a wait this short is done before one retry, a longer one
is shown to staff ("try again in a minute") rather than holding the page."""
SMS_MAX_CHARS = 1600
"""Twilio refuses a longer SMS body (error 21617)."""
TWILIO_PROBLEMS = {
    21211: "The phone number is not valid.",
    21408: "Sending to this country is not enabled on the Twilio account.",
    21610: "The person has opted out (they replied STOP to this number); nothing can be sent until they reply START.",
    21614: "This number cannot receive SMS.",
    21617: "The message is too long for one SMS (at most 1,600 characters).",
    63016: "WhatsApp allows free-form messages only within 24 hours of the person's last message; "
    "after that only an approved template can be sent.",
    20429: "Twilio is limiting how fast messages go out. Try again in a minute.",
}


async def send(to: Destination, text: str) -> str | None:
    """Deliver `text`; None when it went out, otherwise why not, in words staff can act on."""
    try:
        if to.channel == "telegram":
            return await _telegram(int(to.address), text)
        return await _twilio(to, text)
    except Exception as error:  # never a 500 in the console: staff see what happened
        logger.error(f"staff message on {to.channel} not sent: {type(error).__name__}")
        return f"The message could not be sent ({type(error).__name__}). Try again in a few minutes."


async def _telegram(chat_id: int, text: str) -> str | None:
    config = settings()
    if not config.telegram_bot_token:
        return "Telegram is not configured here (TELEGRAM_BOT_TOKEN)."
    bot = Bot(config.telegram_bot_token, base_url=f"{config.telegram_api_url}/bot")
    for attempt in range(2):
        try:
            await bot.send_message(chat_id, text)
            return None
        except RetryAfter as limited:
            wait = limited.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            if attempt or seconds > TELEGRAM_MAX_WAIT_SECONDS:
                return f"Telegram is limiting messages to this chat: try again in {seconds:.0f} seconds."
            await asyncio.sleep(seconds)
        except Forbidden:
            return "The person has blocked the bot or deleted the chat on Telegram: the message cannot be delivered."
        except TelegramError as error:
            return f"Telegram refused the message: {error.message}"
    return None


async def _twilio(to: Destination, text: str) -> str | None:
    config = settings()
    if not (config.twilio_account_sid and config.twilio_auth_token and to.reply_from):
        return "Twilio is not configured here (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)."
    if to.channel == "sms" and len(text) > SMS_MAX_CHARS:
        return TWILIO_PROBLEMS[21617]
    client = Client(config.twilio_account_sid, config.twilio_auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = config.twilio_api_url
    try:
        await client.messages.create_async(to=to.address, from_=to.reply_from, body=text)
    except TwilioRestException as error:
        return TWILIO_PROBLEMS.get(error.code or 0, f"Twilio refused the message (error {error.code}): {error.msg}")
    finally:
        await client.http_client.close()
    return None
