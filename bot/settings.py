"""Every setting the deployment gives through the environment, read in one place.

`settings()` reads the environment once per process; everything else asks it. Secrets stay out of
files: a deployment sets them in its environment (or its Kubernetes Secrets).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot import ROOT

MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class Settings:
    secret_key: str
    """BOT_SECRET_KEY: turns phone numbers and chat ids into pseudonyms and encrypts contacts."""
    twilio_auth_token: str
    """TWILIO_AUTH_TOKEN: checks the signature of every SMS webhook."""
    twilio_account_sid: str
    """TWILIO_ACCOUNT_SID: the account staff replies are sent from (bot.outbound)."""
    twilio_api_url: str
    """TWILIO_API_URL: another REST API server (the tests use a fake one on loopback)."""
    sms_webhook_url: str
    """SMS_WEBHOOK_URL: the public URL Twilio calls, when the server sits behind a proxy."""
    telegram_bot_token: str
    """TELEGRAM_BOT_TOKEN, from @BotFather."""
    telegram_webhook_secret: str
    """TELEGRAM_WEBHOOK_SECRET: the secret token Telegram sends with every webhook request."""
    telegram_api_url: str
    """TELEGRAM_API_URL: another Bot API server (the tests use a fake one on loopback)."""
    providers_file: Path | None
    """BOT_PROVIDERS: a provider directory kept outside the repository."""
    endpoints: Path
    """ENDPOINTS: the Rasa endpoints file the deployment runs with (stores, action server)."""
    retention_days: float
    """BOT_RETENTION_DAYS: conversations idle longer than this are purged."""
    console_port: int
    """CONSOLE_PORT: where the staff console listens."""
    action_server_token: str
    """ACTION_SERVER_TOKEN: the shared secret Rasa sends to the action server (production profile)."""

    def secret_problem(self) -> str | None:
        """Why the deployment secret cannot be used, or None when it can."""
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            return (
                f"BOT_SECRET_KEY must be set to a random secret of at least {MIN_SECRET_LENGTH} characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return None


@cache
def settings() -> Settings:
    """The settings of this process (tests that change the environment call `settings.cache_clear()`)."""
    env = os.environ
    return Settings(
        secret_key=env.get("BOT_SECRET_KEY", ""),
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
        twilio_api_url=env.get("TWILIO_API_URL", "https://api.twilio.com"),
        sms_webhook_url=env.get("SMS_WEBHOOK_URL", ""),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
        telegram_api_url=env.get("TELEGRAM_API_URL", "https://api.telegram.org"),
        providers_file=Path(env["BOT_PROVIDERS"]) if env.get("BOT_PROVIDERS") else None,
        endpoints=ROOT / env.get("ENDPOINTS", "endpoints.yml"),
        retention_days=float(env.get("BOT_RETENTION_DAYS", 90)),
        console_port=int(env.get("CONSOLE_PORT", 5002)),
        action_server_token=env.get("ACTION_SERVER_TOKEN", ""),
    )
