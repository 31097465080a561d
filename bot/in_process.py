"""Our actions inside the Rasa process, and the per-call costs Rasa 3.6 adds around them.

Rasa Open Source calls custom actions over HTTP. In the embedded profile (`endpoints.yml`:
`action_endpoint: url: in-process://actions`) the action endpoint instead hands the request to
rasa-sdk's `ActionExecutor` in the same process: the actions that run are exactly those the action
server runs (`rasa run actions` and `python -m bot actions` keep working for deployments that want
one, with an http:// URL), minus the network, the JSON encoding and a second process.

Rasa also re-validates every action response with jsonschema, building the validator again on
every call (a fifth of the Rasa process's CPU under load in issue 10's profile). `install()`
validates with one compiled validator, and not at all for responses our own executor produced in
this process.

`bot.rasa_launcher` (how the Procfile starts Rasa) and `bot.assistant` call `install()` before
Rasa reads its endpoints.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor

from bot import IN_PROCESS_ACTIONS as IN_PROCESS_URL


class InProcessActions(EndpointConfig):
    """An action endpoint that runs the `actions` package in this process."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(url=IN_PROCESS_URL, **kwargs)
        self.executor = ActionExecutor()
        self.executor.register_package("actions")

    async def request(self, method: str = "post", subpath: str | None = None, **kwargs: Any) -> Any:
        return await self.executor.run(kwargs["json"])


def in_process(endpoint: EndpointConfig | None) -> bool:
    return endpoint is not None and endpoint.url == IN_PROCESS_URL


@cache
def _response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server's response, with the validator compiled once; skipped for
    our in-process executor, whose responses rasa-sdk builds from typed events."""
    if not in_process(self.action_endpoint):
        _response_validator().validate(result)
    return True


_read_endpoints = AvailableEndpoints.read_endpoints.__func__


def _read_endpoints_with_in_process_actions(cls: type[AvailableEndpoints], endpoint_file: str) -> AvailableEndpoints:
    endpoints = _read_endpoints(cls, endpoint_file)
    if in_process(endpoints.action) and not isinstance(endpoints.action, InProcessActions):
        endpoints.action = InProcessActions(**endpoints.action.kwargs)
    return endpoints


def install() -> None:
    """Make Rasa understand `in-process://actions` and validate action responses cheaply."""
    RemoteAction._validate_action_result = _validate_action_result
    AvailableEndpoints.read_endpoints = classmethod(_read_endpoints_with_in_process_actions)
