"""SMS over Twilio, as a Rasa input channel named `sms` (webhook: /webhooks/sms/webhook).

Unlike Rasa's built-in Twilio connector, every request's X-Twilio-Signature is checked with the
`twilio` library's validator; the phone number becomes a keyed pseudonym before anything else
sees it; a webhook Twilio retries (same MessageSid) is answered again but processed once; and the
reply goes back in the webhook response as TwiML, so the number is never needed afterwards.

Settings (bot.settings): TWILIO_AUTH_TOKEN and BOT_SECRET_KEY (without them the channel refuses
every request with 503, so the assistant still runs locally with no accounts), SMS_WEBHOOK_URL.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.common import OnNewMessage, converse, delete_conversation
from bot.keywords import DELETE, keyword
from bot.privacy.pseudonym import pseudonym
from bot.privacy.redact import install_log_redaction
from bot.settings import settings
from bot.sms_encoding import fold, restore_at_signs

logger = logging.getLogger(__name__)
CHANNEL = "sms"


def twiml(text: str | None) -> response.HTTPResponse:
    """A TwiML reply; no <Message> at all when there is nothing to say (after STOP)."""
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return response.text(str(reply), content_type="application/xml")


def configured_validator() -> RequestValidator | None:
    """Twilio's validator, or None (with a warning) when the channel's secrets are missing."""
    if problem := settings().secret_problem():
        logger.warning(f"SMS channel disabled: {problem}")
        return None
    if not settings().twilio_auth_token:
        logger.warning("SMS channel disabled: TWILIO_AUTH_TOKEN is not set")
        return None
    return RequestValidator(settings().twilio_auth_token)


class RecentReplies:
    """Replies by MessageSid for a day, so a retried webhook gets the same answer unprocessed."""

    def __init__(self, capacity: int = 10_000, seconds: float = 86_400) -> None:
        self.capacity, self.seconds = capacity, seconds
        self.replies: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    def get(self, sid: str) -> tuple[bool, str | None]:
        entry = self.replies.get(sid)
        if entry and time.monotonic() - entry[0] < self.seconds:
            return True, entry[1]
        return False, None

    def put(self, sid: str, text: str | None) -> None:
        self.replies[sid] = (time.monotonic(), text)
        while len(self.replies) > self.capacity:
            self.replies.popitem(last=False)


class SmsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SmsInput:
        credentials = credentials or {}
        return cls(fold_languages=credentials.get("fold_languages") or [])

    def __init__(self, fold_languages: list[str]) -> None:
        install_log_redaction()
        self.validator = configured_validator()
        self.public_url = settings().sms_webhook_url
        self.fold_languages = set(fold_languages)
        self.recent = RecentReplies()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        sms = Blueprint("sms_webhook", __name__)

        @sms.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @sms.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if self.validator is None:
                return response.text("the SMS channel is not configured", status=503)
            # Twilio posts urlencoded fields; a picture arrives with an empty "Body=", which is signed
            # too, and Sanic's own form parsing drops blank values.
            params = {
                key: values[0] for key, values in parse_qs(request.body.decode(errors="replace"), keep_blank_values=True).items()
            }
            signature = request.headers.get("X-Twilio-Signature", "")
            if not self.validator.validate(self.public_url or request.url, params, signature):
                logger.warning("SMS webhook refused: missing or invalid X-Twilio-Signature")
                return response.text("forbidden", status=403)
            sid, number = params.get("MessageSid"), params.get("From")
            if not sid or not number:
                return response.text("bad request", status=400)
            seen, text = self.recent.get(sid)
            if not seen:
                text = await self.handle(on_new_message, request.app.ctx.agent.tracker_store, pseudonym(CHANNEL, number), params)
                self.recent.put(sid, text)
            return twiml(text)

        return sms

    async def handle(self, on_new_message: OnNewMessage, tracker_store: Any, sender: str, params: dict[str, str]) -> str | None:
        """The reply to one SMS, or None when the assistant stays silent (after STOP).

        A picture with text is answered from the text; a picture alone is marked as media, so the
        action asks kindly for words, in the conversation's language."""
        body = restore_at_signs((params.get("Body") or "").strip())
        if keyword(body) == DELETE:
            return await delete_conversation(tracker_store, sender)
        picture_only = not body and int(params.get("NumMedia") or 0) > 0
        reply = await converse(on_new_message, body, sender, CHANNEL, media=picture_only)
        if not reply.text:
            return None
        return fold(reply.text) if reply.language in self.fold_languages else reply.text
