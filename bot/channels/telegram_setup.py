"""`python -m bot telegram`: register the webhook with Telegram, or poll for deployments without a
public HTTPS address.

Polling forwards each update to the running assistant's own Telegram webhook (with the secret
token), so both modes go through exactly the same channel code.
"""

from __future__ import annotations

import asyncio

import httpx

from bot.channels.telegram import SECRET_HEADER, make_bot
from bot.settings import settings

ALLOWED_UPDATES = ["message", "callback_query"]


def _bot():
    bot = make_bot()
    if bot is None:
        raise SystemExit("Set TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and BOT_SECRET_KEY first (see README).")
    return bot


async def set_webhook(url: str, secret: str) -> None:
    async with _bot() as bot:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        print(f"Telegram will send updates to {url}")


async def poll(rasa_url: str, secret: str, idle_seconds: int = 25) -> None:
    """Forward updates until interrupted. An update counts as delivered only when the assistant
    answered it with 200: otherwise it is fetched and forwarded again after a pause, like
    Telegram's own webhook retries (the assistant claims each update once, so nothing doubles)."""
    webhook = f"{rasa_url.rstrip('/')}/webhooks/telegram/webhook"
    async with _bot() as bot, httpx.AsyncClient(timeout=120) as client:
        await bot.delete_webhook()  # Telegram delivers by webhook or by polling, never both
        offset = None
        pause = 1.0
        print(f"Polling Telegram; forwarding updates to {webhook}", flush=True)
        while True:
            for update in await bot.get_updates(offset=offset, timeout=idle_seconds, allowed_updates=ALLOWED_UPDATES):
                try:
                    answer = await client.post(webhook, json=update.to_dict(), headers={SECRET_HEADER: secret})
                    delivered = answer.status_code == 200
                except httpx.HTTPError:
                    delivered = False
                if not delivered:
                    print(f"update {update.update_id} not delivered; retrying in {pause:.0f} s", flush=True)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 60)
                    break
                pause = 1.0
                offset = update.update_id + 1


def main(set_url: str | None, rasa_url: str) -> int:
    """Register `set_url` as the webhook, or (without it) poll and forward to `rasa_url`."""
    secret = settings().telegram_webhook_secret
    asyncio.run(set_webhook(set_url, secret) if set_url else poll(rasa_url, secret))
    return 0
