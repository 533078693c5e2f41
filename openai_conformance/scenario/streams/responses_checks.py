"""Invariants of a Responses stream, one named check per category of ``responses_machine``.

``responses_stream_<category>_conformance(exchange, stream=None)``
replays the recorded exchange (or uses the given replay) and returns one Failure per problem
filed under that category (capped at five; the first is usually the cause).
``responses_stream_completed_conformance`` is the precondition of the content checks: the
stream ended in ``response.completed`` (a ``failed``/``incomplete`` end, or an ``error``
event, is reported as what it is).
"""

from __future__ import annotations

from typing import Any

from ...checks.failures import Failure
from .common import events_of, stream_failure
from .responses_machine import ResponsesStream, replay_responses_stream

OP = "POST /responses"
_CAP = 5


def _replayed(exchange: Any, stream: ResponsesStream | None) -> ResponsesStream:
    return stream if stream is not None else replay_responses_stream(events_of(exchange))


def _category(
    category: str, exchange: Any, stream: ResponsesStream | None, check: str
) -> list[Failure]:
    s = _replayed(exchange, stream)
    return [
        stream_failure(
            exchange,
            check,
            p.message,
            operation=OP,
            pointer=p.pointer,
            actual=p.actual,
        )
        for p in s.problems[category][:_CAP]
    ]


def responses_stream_first_event_conformance(
    exchange: Any, stream: ResponsesStream | None = None
) -> list[Failure]:
    return _category("first-event", exchange, stream, "responses_stream_first_event_conformance")


def responses_stream_sequence_conformance(
    exchange: Any, stream: ResponsesStream | None = None
) -> list[Failure]:
    return _category("sequence", exchange, stream, "responses_stream_sequence_conformance")


def responses_stream_nesting_conformance(
    exchange: Any, stream: ResponsesStream | None = None
) -> list[Failure]:
    return _category("nesting", exchange, stream, "responses_stream_nesting_conformance")


def responses_stream_deltas_conformance(
    exchange: Any, stream: ResponsesStream | None = None
) -> list[Failure]:
    return _category("deltas", exchange, stream, "responses_stream_deltas_conformance")


def responses_stream_terminal_conformance(
    exchange: Any, stream: ResponsesStream | None = None
) -> list[Failure]:
    return _category("terminal", exchange, stream, "responses_stream_terminal_conformance")


def responses_stream_completed_conformance(
    exchange: Any, stream: ResponsesStream | None = None
) -> list[Failure]:
    s = _replayed(exchange, stream)
    errors = [
        e for e in s.events if isinstance(e.payload, dict) and e.payload.get("type") == "error"
    ]
    if errors:
        got: Any = errors[0].payload
    elif s.terminals and s.terminals[0].payload.get("type") == "response.completed":
        return []
    else:
        got = s.terminals[0].payload.get("type") if s.terminals else "(no terminal event)"
    return [
        stream_failure(
            exchange,
            "responses_stream_completed_conformance",
            "the stream did not complete",
            operation=OP,
            message="a valid request must stream to response.completed",
            expected="response.completed",
            actual=got,
        )
    ]
