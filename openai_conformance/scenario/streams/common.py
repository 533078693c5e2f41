"""What every stream-invariant check shares: parsed events and the Failure they report.

``parsed(events)`` turns the SSE events of a stream (``SSEEvent`` or anything with ``.data``)
into ``Parsed(index, data, payload, done)`` records: ``payload`` is the JSON value of the
event's data (``None`` when it is not JSON), ``done`` marks the Chat Completions terminator
``data: [DONE]``. Indexes are positions in the stream, so a Failure's pointer
``/events/<index>/...`` names the exact event in the report's event list.

``stream_failure(exchange, check, title, ...)`` builds a ``Failure`` carrying the stream's
status line, body excerpt, evidence seq and redacted curl (``Failure.with_exchange``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...checks.failures import Failure

DONE = "[DONE]"


@dataclass(frozen=True)
class Parsed:
    index: int
    data: str
    payload: Any  # parsed JSON, or None when the data is not JSON
    done: bool = False
    event: str | None = None  # the SSE ``event:`` field, when sent

    @property
    def is_json_object(self) -> bool:
        return isinstance(self.payload, dict)


def events_of(exchange: Any) -> list[Any]:
    """The SSE events recorded on an exchange (``Exchange.events`` / ``StreamExchange``)."""
    events = getattr(exchange, "events", None)
    if events is None:
        events = getattr(exchange, "events_so_far", None)
    if callable(events):  # a StreamExchange: its generator is not the recorded list
        events = getattr(exchange, "events_so_far", [])
    return list(events or [])


def parsed(events: list[Any]) -> list[Parsed]:
    out: list[Parsed] = []
    for i, ev in enumerate(events):
        data = getattr(ev, "data", ev)
        data = data if isinstance(data, str) else json.dumps(data)
        name = getattr(ev, "event", None)
        if data.strip() == DONE:
            out.append(Parsed(i, data, None, done=True, event=name))
            continue
        try:
            payload = json.loads(data)
        except ValueError:
            payload = None
        out.append(Parsed(i, data, payload, event=name))
    return out


def stream_failure(
    exchange: Any,
    check: str,
    title: str,
    *,
    operation: str,
    pointer: str | None = None,
    expected: Any = None,
    actual: Any = None,
    message: str = "",
) -> Failure:
    """A Failure of a stream invariant, with the exchange's evidence when there is one."""
    return Failure.of(
        check,
        title,
        operation=operation,
        pointer=pointer,
        expected=expected,
        actual=actual,
        message=message,
        # A stream that never got a status line has no response evidence to attach.
        exchange=exchange if getattr(exchange, "status", None) is not None else None,
    )
