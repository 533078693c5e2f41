"""Checks of server-sent event streams: framing (SHOULD) and per-event schemas (MUST).

A stream exchange (``client.stream``) exposes ``events`` (parsed SSE events with ``.data`` and
``.event``) and ``findings`` (framing findings from ``sse.py`` with ``.kind``/``.detail``).

The document gives, for each streaming operation, the schema of ONE event payload under
``text/event-stream`` (not of the SSE envelope), so each ``data:`` payload is validated on its
own against it; the discriminated unions (``ResponseStreamEvent``, 53 variants) are validated
against the variant the event's ``type`` names.

``data: [DONE]`` is not JSON: it is the documented end marker of Chat Completions streams
(and of legacy Completions streams, which OpenAI ends the same way; flagging it there would be
a false positive). Anywhere else it is a failure, and it must be the last event.
"""

from __future__ import annotations

import json
from typing import Any

from .context import CheckContext
from .exchange import view
from .failures import Failure, show
from .http import SSE, _failure, _op

DONE = "[DONE]"
# Assistants run streams end with ``event: done`` / ``data: [DONE]`` (components.schemas.
# DoneEvent, "Occurs when a stream ends"; seen in recorded traffic, tests/data/traffic).
DONE_OPERATIONS = frozenset(
    {
        "POST /chat/completions",
        "POST /completions",
        "POST /threads/runs",
        "POST /threads/{thread_id}/runs",
        "POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
    }
)

# Findings the SSE reader reports that are legal per the HTML standard but break strict
# clients in the wild (field notes #19); they are SHOULD-level.
_FRAMING_TEXT = {
    "data-without-space": "'data:' without the following space (strict parsers drop the event)",
    "crlf": "CRLF line endings",
    "missing-trailing-blank-line": "the last event is not terminated by a blank line",
    "event-without-data": "an event with no data line",
    "comment": "comment lines (keep-alives) in the stream",
}
# Keep-alive comments are normal; "events-not-kept" is our memory bound, not the target's.
_BENIGN = frozenset({"comment", "events-not-kept"})


def _no_stream(v: Any, op: Any, check: str, requirement: str, level: str) -> Failure | None:
    """A Failure when there is no event stream to judge at all (a non-2xx answer, or a 2xx
    answer without a single event): judging nothing is never a PASS. (A wrong media type
    with events is stream_event_schema_conformance's finding; the framing can be judged.)"""
    status = v.status
    ok = status is not None and 200 <= status < 300
    if ok and v.events:
        return None
    actual = f"HTTP {status}" if not ok else "0 events"
    return _failure(
        v,
        op,
        title="no event stream to judge",
        check=check,
        requirement=requirement,
        level=level,
        message="a streamed request must be answered 2xx with an event stream",
        expected=f"2xx {SSE} with at least one event",
        actual=actual,
    )


def _data(event: Any) -> str:
    data = getattr(event, "data", event)
    return data if isinstance(data, str) else json.dumps(data)


def sse_framing_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """SHOULD: the stream uses the canonical framing (``data: {json}\\n\\n``, LF line endings,
    every event terminated). Each framing finding of the reader becomes one SHOULD Failure."""
    v = view(exchange)
    op = _op(v, operation, ctx)
    out: list[Failure] = []
    absent = _no_stream(v, op, "sse_framing_conformance", "core/sse-framing", "MUST")
    if absent is not None:
        out.append(absent)
    seen: set[str] = set()
    for finding in v.findings:
        kind = str(getattr(finding, "kind", finding))
        if kind in _BENIGN or kind in seen:
            continue
        seen.add(kind)
        detail = str(getattr(finding, "detail", "") or "")
        out.append(
            _failure(
                v,
                op,
                title=f"SSE framing: {kind}",
                check="sse_framing_conformance",
                requirement="core/sse-framing",
                message=_FRAMING_TEXT.get(kind, kind) + (f" ({detail})" if detail else ""),
                expected="data: <json>\\n\\n",
                actual=kind,
            )
        )
    return out


def stream_event_schema_conformance(
    exchange: Any, operation: Any, ctx: CheckContext
) -> list[Failure]:
    """MUST: the stream is ``text/event-stream`` and each event's data validates against the
    operation's per-event schema; ``[DONE]`` only where documented, and only last."""
    v = view(exchange)
    op = _op(v, operation, ctx)
    check, req = "stream_event_schema_conformance", "core/stream-event-schema"
    out: list[Failure] = []
    if v.content_type != SSE:
        out.append(
            _failure(
                v,
                op,
                title=f"stream sent as {v.content_type or '(no content type)'}",
                check=check,
                requirement=req,
                message="a streamed response must be text/event-stream",
                expected=SSE,
                actual=v.headers.get("content-type", "(missing)"),
            )
        )
    content = op.response_for(v.status) if op is not None else None
    schema = (content or {}).get(SSE)
    done_ok = op is not None and op.id in DONE_OPERATIONS
    events = v.events
    if v.content_type == SSE and not events:
        absent = _no_stream(v, op, check, req, "MUST")
        if absent is not None:
            out.append(absent)
    dropped = [f for f in v.findings if getattr(f, "kind", None) == "connection-dropped"]
    if dropped:
        out.append(
            _failure(
                v,
                op,
                title="stream cut mid-way",
                check=check,
                requirement=req,
                message="the connection broke before the HTTP body was complete: "
                + str(getattr(dropped[0], "detail", "")),
                expected="a complete event stream",
                actual=f"{len(events)} event(s), then the connection dropped",
            )
        )
    for i, event in enumerate(events):
        data = _data(event)
        if data.strip() == DONE:
            if not done_ok:
                out.append(
                    _failure(
                        v,
                        op,
                        title="unexpected [DONE]",
                        check=check,
                        requirement=req,
                        pointer=f"/events/{i}",
                        message="data: [DONE] is only documented for Chat Completions streams",
                        expected="a JSON event",
                        actual="[DONE]",
                    )
                )
            elif i != len(events) - 1:
                out.append(
                    _failure(
                        v,
                        op,
                        title="events after [DONE]",
                        check=check,
                        requirement=req,
                        pointer=f"/events/{i + 1}",
                        message=f"{len(events) - 1 - i} event(s) follow data: [DONE]",
                        expected="[DONE] last",
                        actual=show(_data(events[i + 1])),
                    )
                )
            continue
        try:
            payload = json.loads(data)
        except ValueError:
            out.append(
                _failure(
                    v,
                    op,
                    title=f"event {i} is not JSON",
                    check=check,
                    requirement=req,
                    pointer=f"/events/{i}",
                    message="the event's data does not parse as JSON",
                    expected="a JSON event",
                    actual=show(data),
                )
            )
            continue
        if not schema:
            continue
        kind = payload.get("type") or payload.get("object") if isinstance(payload, dict) else None
        for viol in ctx.validator.validate(payload, schema):
            out.append(
                _failure(
                    v,
                    op,
                    title=f"event {i} ({kind or 'event'}) violates its schema",
                    check=check,
                    requirement=req,
                    pointer=f"/events/{i}{viol.pointer}",
                    message=f"event {i} ({kind or 'untyped'}): {viol.message}",
                    actual=show(viol.actual) if viol.actual is not None else None,
                )
            )
    return out


def event_types(exchange: Any) -> list[str]:
    """The distinct event types a stream carried (``event:`` field or the payload's ``type``),
    for the report's SSE coverage table."""
    out: set[str] = set()
    for event in view(exchange).events:
        name = getattr(event, "event", None)
        if not name or name == "message":
            try:
                payload = json.loads(_data(event))
            except ValueError:
                continue
            name = (
                payload.get("type") or payload.get("object") if isinstance(payload, dict) else None
            )
        if name:
            out.add(str(name))
    return sorted(out)
