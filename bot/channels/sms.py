"""SMS and WhatsApp over Twilio, as a Rasa input channel named `sms` (webhook: /webhooks/sms/webhook).

Twilio delivers WhatsApp messages with the same webhook and signature as SMS; the sender is
`whatsapp:+…`. Those turns run as channel `whatsapp`: the pseudonym is a `whatsapp-…` one, the
answer is the full article (WhatsApp has no segments: up to 4,096 characters a message), nothing
is folded, and STOP, START and DELETE work as on SMS. Point a Twilio WhatsApp sender's "when a
message comes in" at this same URL.

Unlike Rasa's built-in Twilio connector:
- a request is refused cheaply before anything else: a body larger than any Twilio webhook, then a
  missing or wrong X-Twilio-Signature (checked with the `twilio` library's validator);
- the phone number becomes a keyed pseudonym before anything else sees it;
- each MessageSid is claimed once, before the turn, in the tracker store's database: a retried
  webhook gets the same reply without a second turn, on any instance, even after a restart;
- when the assistant cannot take the turn (store, Redis or action server down) the person gets
  "please try again in a few minutes" in their language and the claim is released;
- the reply goes back in the webhook response as TwiML, so the number is never needed afterwards.

Settings (bot.settings): TWILIO_AUTH_TOKEN and BOT_SECRET_KEY (without them the channel refuses
every request with 503, so the assistant still runs locally with no accounts), SMS_WEBHOOK_URL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.claims import BUSY, WORKING, Claim, Claims, claims_on
from bot.channels.common import (
    OnNewMessage,
    TurnFailed,
    apology,
    channel_blueprint,
    delete_conversation,
    queue_for_staff,
    take_turn,
)
from bot.keywords import DELETE, keyword
from bot.knowledge.loader import knowledge
from bot.knowledge.render import as_sent
from bot.privacy.pseudonym import pseudonym
from bot.privacy.redact import install_log_redaction
from bot.privacy.store import unwrap
from bot.settings import settings
from bot.sms_encoding import restore_at_signs

logger = logging.getLogger(__name__)
CHANNEL = "sms"
WHATSAPP = "whatsapp"
WHATSAPP_MAX_CHARS = 4096
"""WhatsApp's limit for one text message."""
MAX_FORM_BYTES = 64 * 1024
"""Twilio's webhook is a small form: a body of at most 1,600 characters plus a few dozen fields
and media URLs. Anything larger is refused before it is parsed."""
BUSY_WAIT_SECONDS = 15
"""A retry that arrives while the first delivery is still being answered waits this long for its
reply (Twilio itself gives up on a webhook after 15 s)."""


def twiml(text: str | None) -> response.HTTPResponse:
    """A TwiML reply; no <Message> at all when there is nothing to say (after STOP). A text longer
    than one WhatsApp message goes as several, split between paragraphs. (An SMS reply is always
    shorter: the assistant pages SMS answers itself, with MORE.)"""
    reply = MessagingResponse()
    for part in whatsapp_messages(text or ""):
        reply.message(part)
    return response.text(str(reply), content_type="application/xml")


def whatsapp_messages(text: str) -> list[str]:
    """`text` in messages of at most WHATSAPP_MAX_CHARS, split between paragraphs where it can."""
    messages: list[str] = []
    for paragraph in text.split("\n\n"):
        while len(paragraph) > WHATSAPP_MAX_CHARS:  # one paragraph too long for a message
            messages.append(paragraph[:WHATSAPP_MAX_CHARS])
            paragraph = paragraph[WHATSAPP_MAX_CHARS:]
        if messages and len(messages[-1]) + 2 + len(paragraph) <= WHATSAPP_MAX_CHARS:
            messages[-1] += "\n\n" + paragraph
        elif paragraph:
            messages.append(paragraph)
    return messages


def channel_of(sender: str) -> str:
    """`whatsapp` for a Twilio WhatsApp sender (`whatsapp:+…`), else `sms`."""
    return WHATSAPP if sender.startswith("whatsapp:") else CHANNEL


def configured_validator() -> RequestValidator | None:
    """Twilio's validator, or None (with a warning) when the channel's secrets are missing."""
    if problem := settings().secret_problem():
        logger.warning(f"SMS channel disabled: {problem}")
        return None
    if not settings().twilio_auth_token:
        logger.warning("SMS channel disabled: TWILIO_AUTH_TOKEN is not set")
        return None
    return RequestValidator(settings().twilio_auth_token)


def media_count(params: dict[str, str]) -> int:
    value = params.get("NumMedia") or "0"
    return int(value) if value.isdigit() else 0


class SmsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SmsInput:
        return cls()

    def __init__(self) -> None:
        install_log_redaction()
        self.validator = configured_validator()
        self.public_url = settings().sms_webhook_url

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        sms = channel_blueprint("sms_webhook")

        @sms.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if self.validator is None:
                return response.text("the SMS channel is not configured", status=503)
            if len(request.body) > MAX_FORM_BYTES:
                return response.text("request too large", status=413)
            # Twilio posts urlencoded fields; a picture arrives with an empty "Body=", which is signed
            # too, and Sanic's own form parsing drops blank values.
            form = parse_qs(request.body.decode(errors="replace"), keep_blank_values=True)
            params = {key: values[0] for key, values in form.items()}
            signature = request.headers.get("X-Twilio-Signature", "")
            if not self.validator.validate(self.public_url or request.url, params, signature):
                logger.warning("SMS webhook refused: missing or invalid X-Twilio-Signature")
                return response.text("forbidden", status=403)
            sid, number = params.get("MessageSid"), params.get("From")
            if not sid or not number:
                return response.text("bad request", status=400)
            agent = request.app.ctx.agent
            channel = channel_of(number)
            sender = pseudonym(channel, number)
            try:
                claims = claims_on(unwrap(agent.tracker_store).engine)
                claim = claims.claim(f"{CHANNEL}:{sid}")
            except Exception as error:  # the database is down: nothing can be processed safely
                logger.error(f"SMS {sid} not claimed: {type(error).__name__}")
                return twiml(await apology(agent, sender, params.get("Body") or ""))
            if claim.state == BUSY:
                claim = await self.wait_for_answer(claims, claim)
            if claim.state != WORKING:
                return twiml(claim.reply)
            try:
                text = await self.handle(on_new_message, agent, sender, channel, params)
            except TurnFailed as failed:
                if failed.processed:  # stored without an answer: answer the retry with the apology too
                    claims.answered(claim, failed.apology)
                else:
                    claims.release(claim)
                return twiml(failed.apology)
            claims.answered(claim, text)
            return twiml(text)

        return sms

    async def wait_for_answer(self, claims: Claims, claim: Claim) -> Claim:
        """The reply of a delivery that another request is answering right now (a retry that came
        in while the first was still in progress), once it has one."""
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            try:
                current = claims.current(claim.key)
            except Exception as error:  # the database went away: the first delivery answers
                logger.error(f"SMS {claim.key} not followed: {type(error).__name__}")
                break
            if current is None or current.state != WORKING:
                return claims.claim(claim.key) if current is None else current
        return Claim(claim.key, BUSY, None)  # still not answered: an empty TwiML, the first delivery answers

    async def handle(
        self, on_new_message: OnNewMessage, agent: Any, sender: str, channel: str, params: dict[str, str]
    ) -> str | None:
        """The reply to one SMS or WhatsApp message, or None when the assistant stays silent (after STOP).

        A picture with text is answered from the text; a picture alone is marked as media, so the
        action asks kindly for words, in the conversation's language. A WhatsApp location or
        contact card comes without text or media: it gets the same kind "please write" reply."""
        body = restore_at_signs((params.get("Body") or "").strip())
        if keyword(body) == DELETE:
            return await delete_conversation(agent, sender)
        picture_only = not body and media_count(params) > 0
        reply = await take_turn(agent, on_new_message, body, sender, channel, media=picture_only, message_id=params["MessageSid"])
        reply = await queue_for_staff(agent, reply, sender, channel, params["From"], params.get("To"))
        if not reply.text:
            return None
        return as_sent(knowledge(), reply.language, reply.text) if channel == CHANNEL else reply.text
