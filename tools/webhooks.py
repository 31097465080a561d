"""Talking to a running assistant's channels as Twilio and Telegram do: signed SMS webhooks,
Telegram updates with the secret header, and the environment that switches the channels on."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ElementTree
from typing import Any

from twilio.request_validator import RequestValidator

TOKEN = "test-twilio-auth-token"
SECRET = "test-telegram-webhook-secret"
PHONE = "+16175550123"


def channel_environment(rasa_url: str, telegram_api_url: str) -> dict[str, str]:
    """What a server needs for its SMS and Telegram channels to accept our requests."""
    return {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "BOT_SECRET_KEY": "a-long-random-deployment-secret",
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_URL": telegram_api_url,
        "SMS_WEBHOOK_URL": f"{rasa_url}/webhooks/sms/webhook",
    }


def sms(
    server: Any,
    body: str,
    sid: str | None = None,
    phone: str = PHONE,
    sign: bool = True,
    tamper: dict | None = None,
    public_url: str | None = None,
    **extra: str,
) -> tuple[int, str | None]:
    """POST a Twilio webhook to `server` (a running assistant); (status, the reply text or None
    when the TwiML has no message). Signed for `public_url`, the address Twilio was given, when the
    request reaches the server another way (one of several instances behind a load balancer)."""
    url = f"{server.url}/webhooks/sms/webhook"
    params = {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "From": phone,
        "To": "+15550100000",
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(public_url or url, params)} if sign else {}
    params |= tamper or {}
    request = urllib.request.Request(url, urllib.parse.urlencode(params).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            message = ElementTree.fromstring(response.read()).find("Message")
            return response.status, None if message is None else message.text
    except urllib.error.HTTPError as error:
        return error.code, None


def telegram(server: Any, update: dict | bytes, secret: str | None = SECRET) -> int:
    """POST a Telegram update to `server`'s webhook; the status."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json"} | ({"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {})
    request = urllib.request.Request(f"{server.url}/webhooks/telegram/webhook", body, headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
