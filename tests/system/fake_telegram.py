"""A small fake of Telegram's Bot API on loopback, so python-telegram-bot's real HTTP path runs in
tests: it records what the bot sends and serves queued updates to getUpdates."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web
from loopback import LoopbackApi

from tools.waiting import wait_for


class FakeTelegram(LoopbackApi):
    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.sent: list[dict[str, Any]] = []  # sendMessage calls
        self.calls: list[str] = []  # every method called
        self.queued: list[dict[str, Any]] = []  # updates for getUpdates
        self.failing_sends = 0  # the next this many sendMessage calls fail as Telegram does (502)
        self.rate_limits: list[int] = []  # the next sendMessage calls answered 429 with these retry_after

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._method)

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: v for k, v in (await request.post()).items()}
        if method == "getMe":
            result: Any = {"id": 4242, "is_bot": True, "first_name": "Test", "username": "test_bot"}
        elif method == "sendMessage" and self.rate_limits:
            wait = self.rate_limits.pop(0)
            return web.json_response(
                {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {wait}",
                 "parameters": {"retry_after": wait}},
                status=429,
            )  # fmt: skip
        elif method == "sendMessage" and self.failing_sends:
            self.failing_sends -= 1
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        elif method == "sendMessage":
            markup = params.get("reply_markup")
            params["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
            self.sent.append(params)
            result = {
                "message_id": len(self.sent),
                "date": int(time.time()),
                "text": params.get("text"),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
        elif method == "getUpdates":
            offset = int(params.get("offset") or 0)
            result = [u for u in self.queued if u["update_id"] >= offset]
            if not result:
                await asyncio.sleep(0.2)
        else:  # setWebhook, deleteWebhook, answerCallbackQuery…
            result = True
        return web.json_response({"ok": True, "result": result})

    def wait_for_messages(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        """The messages sent so far, once there are `count`; TimeoutError if they do not come."""
        return wait_for(
            lambda: self.sent if len(self.sent) >= count else None, timeout=timeout, what=f"{count} Telegram messages"
        )


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Ana"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": user,
        },
    }


def photo_update(update_id: int, chat_id: int) -> dict[str, Any]:
    update = text_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}]
    return update


def button_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Ana"}
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}, "text": "menu"}
    return {
        "update_id": update_id,
        "callback_query": {"id": f"cb{update_id}", "from": user, "chat_instance": "x", "message": message, "data": data},
    }
