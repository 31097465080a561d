"""The REST channel of the embedded profile (`python -m bot chat`, a web page on the same machine),
as a Rasa input channel named `rest` (webhook: /webhooks/rest/webhook, Rasa's own address).

Rasa's own REST channel answers 500 to an empty body or a JSON list, drops messages that are
null, a number or a list without a word, and stores any sender id as it comes, a phone number
included. This one refuses malformed input with 400 and says why, refuses a sender id that looks
like personal data, answers a reply whole (menu as buttons), and never answers with silence when
the assistant cannot take the turn. It has no authentication: the production profile leaves it
out (credentials.production.yml).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import OnNewMessage, TurnFailed, channel_blueprint, take_turn
from bot.privacy.redact import install_log_redaction, redact

CHANNEL = "rest"
MAX_BODY_BYTES = 64 * 1024
SENDER = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def problem(body: Any) -> str | None:
    """Why a request body is not a message, or None when it is one."""
    if not isinstance(body, dict):
        return 'send a JSON object: {"sender": "...", "message": "..."}'
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return "sender must be 1 to 64 letters, digits or _ . : -"
    if redact(sender) != sender:
        return "sender looks like personal data (a phone number, an email…): use a random id"
    if not isinstance(message, str):
        return "message must be a string"
    return None


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self) -> None:
        install_log_redaction()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        rest = channel_blueprint("rest_webhook")

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if len(request.body) > MAX_BODY_BYTES:
                return response.json({"error": "request too large"}, status=413)
            try:
                body = json.loads(request.body or b"null")
            except ValueError:
                return response.json({"error": "the body is not JSON"}, status=400)
            if reason := problem(body):
                return response.json({"error": reason}, status=400)
            sender = body["sender"]
            try:
                reply = await take_turn(request.app.ctx.agent, on_new_message, body["message"].strip(), sender, CHANNEL)
            except TurnFailed as failed:
                return response.json([{"recipient_id": sender, "text": failed.apology}], status=503)
            if not reply.text:
                return response.json([])  # after STOP: silent
            buttons = [{"title": title, "payload": str(number)} for number, title in enumerate(reply.menu, 1)]
            return response.json([{"recipient_id": sender, "text": reply.text, **({"buttons": buttons} if buttons else {})}])

        return rest
