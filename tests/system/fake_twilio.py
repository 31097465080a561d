"""A small fake of Twilio's REST API on loopback: the Messages resource the console sends staff
replies with, speaking Twilio's wire format (form-encoded POST, HTTP basic auth with the account
SID and auth token, JSON answers and Twilio's error documents), so the `twilio` library's real
HTTP path runs in tests."""

from __future__ import annotations

import base64
import uuid

from aiohttp import web
from loopback import LoopbackApi


class FakeTwilio(LoopbackApi):
    def __init__(self, port: int, account_sid: str, auth_token: str) -> None:
        super().__init__(port)
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sent: list[dict[str, str]] = []  # accepted messages: To, From, Body
        self.refusals: list[tuple[int, int, str]] = []  # the next sends refused: (HTTP status, Twilio code, message)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create_message)

    async def _create_message(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected or request.match_info["sid"] != self.account_sid:
            return self._error(401, 20003, "Authenticate")
        form = {key: str(value) for key, value in (await request.post()).items()}
        if not form.get("To") or not form.get("From") or not form.get("Body"):
            return self._error(400, 21604, "A 'To' phone number is required.")
        if self.refusals:
            return self._error(*self.refusals.pop(0))
        self.sent.append(form)
        sid = f"SM{uuid.uuid4().hex}"
        return web.json_response(
            {"sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form["From"], "body": form["Body"],
             "status": "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
             "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"},
            status=201,
        )  # fmt: skip

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response(
            {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
            status=status,
        )
