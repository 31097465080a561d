"""The action server: rasa-sdk's own, bound where it should be and closed to strangers.

`rasa run actions` listens on every interface and runs any action for anyone who can reach it: a
crafted POST to :5055/webhook could put a fake entry into the staff's call-back queue. This one
listens on 127.0.0.1 unless told otherwise, and whenever ACTION_SERVER_TOKEN is set it requires
the token Rasa sends with every call (`token` of `action_endpoint` in the endpoints file, passed
as the `token` query parameter). Listening beyond loopback without a token is refused.
"""

from __future__ import annotations

import hmac
import ipaddress

from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import Sanic, response
from sanic.request import Request

from bot.settings import settings

OPEN_PATHS = {"/health"}
"""Paths anyone may call: the health check that supervisors and Kubernetes probes use."""


def create_app(token: str) -> Sanic:
    app = create_sdk_app("actions", cors_origins=None)

    @app.middleware("request")
    async def require_token(request: Request) -> response.HTTPResponse | None:
        if not token or request.path in OPEN_PATHS:
            return None
        given = request.args.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.text("forbidden", status=403)
        return None

    return app


def loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(host: str, port: int) -> int:
    token = settings().action_server_token
    if not token and not loopback(host):
        raise SystemExit(f"ACTION_SERVER_TOKEN must be set to listen on {host} (see README, production profile)")
    create_app(token).run(host=host, port=port, workers=1, access_log=False)
    return 0
