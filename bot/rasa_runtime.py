"""What we change in how Rasa 3.6 runs: our actions inside its process, and three per-turn costs
found by profiling it under load (py-spy; issue 10's note has the profiles).

Rasa Open Source calls custom actions over HTTP. In the embedded profile (`endpoints.yml`:
`action_endpoint: url: in-process://actions`) the action endpoint instead hands the request to
rasa-sdk's `ActionExecutor` in the same process: the actions that run are exactly those the action
server runs (`rasa run actions` and `python -m bot actions` keep working for deployments that want
one, with an http:// URL), minus the network, the JSON encoding and a second process.

Rasa also re-validates every action response with jsonschema, building the validator again on
every call (a fifth of the Rasa process's CPU under load in issue 10's profile). `install()`
validates with one compiled validator, and not at all for responses our own executor produced in
this process.

Rasa looks up the class of every stored event by walking all subclasses of `Event` (a sixth of
the CPU of a turn, reading the tracker back); `install()` remembers the answer per type name.

A turn's cost grew with the length of the conversation: the tracker store reads, replays and
saves every event since the session started, and the rule policy rebuilds every past state (the
last of 200 turns cost six times the first). A session now also ends after
`MAX_SESSION_EVENTS` events, as it does after an hour of silence: Rasa starts a new one, carrying
every slot over (domain.yml: `carry_over_slots_to_new_session`) — one SlotSet per slot with its
current value: Rasa's own copies every SlotSet of the old session, so each session would start
with all of the previous one's and grow without end. All that a turn depends on is in
slots (our rules are one step: intent -> action), the whole history stays in the store for the
console, and the cost of a turn stays flat.

`bot.rasa_launcher` (how the Procfile starts Rasa) and `bot.assistant` call `install()` before
Rasa reads its endpoints.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import ActionSessionStart, RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.events import Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk.executor import ActionExecutor

from bot import IN_PROCESS_ACTIONS as IN_PROCESS_URL

MAX_SESSION_EVENTS = 48
"""About fifteen turns: long enough for any exchange our rules follow, short enough to read fast."""


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


_resolve_by_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}


def _resolve_event_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """`Event.resolve_by_type`, remembered per type name."""
    known = _event_types.get(type_name)
    if known is None:
        known = _resolve_by_type(type_name, default)
        if known is not None and known is not default:
            _event_types[type_name] = known
    return known


_has_session_expired = MessageProcessor._has_session_expired


def events_in_session(tracker: DialogueStateTracker) -> int:
    """How many events the tracker holds since its latest session started."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        count += 1
    return count


def _session_expired_or_long(self: MessageProcessor, tracker: DialogueStateTracker) -> bool:
    return _has_session_expired(self, tracker) or events_in_session(tracker) > MAX_SESSION_EVENTS


def _current_slots(tracker: DialogueStateTracker) -> list[SlotSet]:
    """The slots a new session carries over: each slot set in the old one, once, as it is now."""
    latest = {event.key: event for event in tracker.applied_events() if isinstance(event, SlotSet)}
    return [SlotSet(key, event.value, metadata=event.metadata) for key, event in latest.items()]


def install() -> None:
    """Make Rasa understand `in-process://actions`, validate action responses cheaply, find event
    types at once, and keep sessions short enough that a turn's cost does not grow."""
    RemoteAction._validate_action_result = _validate_action_result
    AvailableEndpoints.read_endpoints = classmethod(_read_endpoints_with_in_process_actions)
    Event.resolve_by_type = staticmethod(_resolve_event_type)
    MessageProcessor._has_session_expired = _session_expired_or_long
    ActionSessionStart._slot_set_events_from_tracker = staticmethod(_current_slots)
