"""Invariants of a Chat Completions stream, one named check per invariant.

Each ``chat_stream_*_conformance(exchange, stream=None, ...)`` takes the
recorded stream exchange (``StreamExchange.exchange``: it carries ``events``), assembles it
with ``assemble_chat_stream`` unless an assembly is passed, and returns ``list[Failure]``:

* ``ids``: every chunk has ``object: chat.completion.chunk`` and the first chunk's ``id``,
  ``created`` and ``model``;
* ``role``: the first delta of every choice carries ``role: assistant``;
* ``tool_call_deltas``: every tool-call delta carries an integer ``index``; calls assemble
  into valid calls (``tools.tool_call_problems``: id, type, name, arguments a JSON string);
* ``finish_reason``: every choice ends with exactly one ``finish_reason``, on its last chunk
  (``tool_calls`` when the choice made calls, one of ``allowed`` when given);
* ``terminal``: the stream ends with ``data: [DONE]`` and nothing after it, or — a failure
  after HTTP 200 — with an error event in the error envelope (optionally followed by
  ``[DONE]``); never silently (field notes #5, #7);
* ``completed``: the stream carried chunks and no error event (precondition of the content
  checks: a mid-stream error is reported as what it is);
* ``usage``: with ``include_usage`` exactly one chunk carries ``usage``, it is the last chunk,
  its ``choices`` is ``[]`` and the totals add up; without it no chunk carries usage;
* ``reasoning_fields``: (MAY) no non-standard ``reasoning_content``/``reasoning`` fields.
"""

from __future__ import annotations

from typing import Any

from ...checks.failures import Failure
from ...checks.http import envelope_problems
from .chat_assembly import ChatStream, assemble_chat_stream
from .common import events_of, stream_failure
from .tools import tool_call_problems, usage_problems

OP = "POST /chat/completions"
CHUNK = "chat.completion.chunk"


def _assembled(exchange: Any, stream: ChatStream | None) -> ChatStream:
    return stream if stream is not None else assemble_chat_stream(events_of(exchange))


def _fail(exchange: Any, check: str, **kw: Any) -> Failure:
    return stream_failure(exchange, check, operation=OP, **kw)


def chat_stream_ids_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    check = "chat_stream_ids_conformance"
    out: list[Failure] = []
    if not s.chunks:
        return [
            _fail(
                exchange,
                check,
                title="the stream carried no chunk",
                expected="chunks",
                actual=len(s.events),
            )
        ]
    first = s.chunks[0].payload
    for ev in s.chunks:
        p = ev.payload
        if p.get("object") != CHUNK:
            out.append(
                _fail(
                    exchange,
                    check,
                    title=f"chunk {ev.index} has object {p.get('object')!r}",
                    pointer=f"/events/{ev.index}/object",
                    expected=repr(CHUNK),
                    actual=p.get("object"),
                )
            )
        for name in ("id", "created", "model"):
            if p.get(name) != first.get(name):
                out.append(
                    _fail(
                        exchange,
                        check,
                        title=f"chunk {ev.index} changes {name}",
                        pointer=f"/events/{ev.index}/{name}",
                        message=f"every chunk of one completion repeats the first chunk's {name}",
                        expected=repr(first.get(name)),
                        actual=p.get(name),
                    )
                )
        if len(out) >= 5:
            break
    return out


def chat_stream_role_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    out = []
    for idx, c in s.choices.items():
        if c.first_delta.get("role") != "assistant":
            out.append(
                _fail(
                    exchange,
                    "chat_stream_role_conformance",
                    title=f"the first delta of choice {idx} does not carry role 'assistant'",
                    pointer=f"/events/{c.first_event}/choices/0/delta/role",
                    expected="'assistant'",
                    actual=c.first_delta.get("role"),
                    message="clients read the message role from the first delta of each choice",
                )
            )
    return out


def chat_stream_tool_call_deltas_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
    *,
    tools: dict[str, dict[str, Any]] | None = None,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    check = "chat_stream_tool_call_deltas_conformance"
    out = [
        _fail(exchange, check, title=p.message, pointer=p.pointer, actual=p.actual)
        for p in s.problems()
        if "/tool_calls" in p.pointer
    ]
    for idx, c in s.choices.items():
        for pointer, message, expected, actual in tool_call_problems(c.calls(), tools):
            out.append(
                _fail(
                    exchange,
                    check,
                    title=f"assembled tool call of choice {idx}: {message}",
                    pointer=f"/assembled/choices/{idx}/tool_calls{pointer}",
                    expected=expected,
                    actual=actual,
                )
            )
    return out


def chat_stream_finish_reason_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
    *,
    allowed: tuple[str, ...] | None = None,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    check = "chat_stream_finish_reason_conformance"
    out = [
        _fail(exchange, check, title=p.message, pointer=p.pointer, actual=p.actual)
        for p in s.problems()
        if p.pointer.endswith("/finish_reason")
    ]
    if not s.choices:
        out.append(
            _fail(
                exchange,
                check,
                title="the stream carried no choice",
                expected="at least one choice",
                actual=0,
            )
        )
    for idx, c in s.choices.items():
        if c.finish_reason is None:
            out.append(
                _fail(
                    exchange,
                    check,
                    title=f"choice {idx} never gets a finish_reason",
                    expected="a finish_reason on the last chunk of the choice",
                    actual=None,
                )
            )
            continue
        if c.after_finish:
            out.append(
                _fail(
                    exchange,
                    check,
                    title=f"choice {idx} continues after its finish_reason",
                    pointer=f"/events/{c.after_finish[0]}",
                    message=f"finish_reason came at event {c.finish_event}, deltas follow it",
                    expected="finish_reason on the last chunk of the choice",
                    actual=f"{len(c.after_finish)} delta chunk(s) after it",
                )
            )
        want: tuple[str, ...] | None = ("tool_calls",) if c.tool_calls else allowed
        if want is not None and c.finish_reason not in want:
            out.append(
                _fail(
                    exchange,
                    check,
                    title=f"choice {idx} finishes with {c.finish_reason!r}",
                    pointer=f"/events/{c.finish_event}/choices/0/finish_reason",
                    message="the choice made tool calls"
                    if c.tool_calls
                    else "the answer ended for another reason",
                    expected=" | ".join(want),
                    actual=c.finish_reason,
                )
            )
    return out


def chat_stream_terminal_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    check = "chat_stream_terminal_conformance"
    dropped = str(getattr(exchange, "error", "") or "")
    last = s.last_index
    if s.errors:
        err = s.errors[0]
        out = [
            _fail(
                exchange,
                check,
                title=f"the error event is not the error envelope: {msg}",
                pointer=f"/events/{err.index}{ptr}",
                expected="{'error': {message, type, param, code}}",
                actual=err.payload,
            )
            for ptr, msg, _exp, _got in envelope_problems(err.payload)
        ]
        tail = [e for e in s.events[err.index + 1 :] if not e.done]
        if tail:
            out.append(
                _fail(
                    exchange,
                    check,
                    title="events follow the error event",
                    pointer=f"/events/{tail[0].index}",
                    expected="the stream ends after the error",
                    actual=tail[0].data,
                )
            )
        return out
    if s.done_at is None:
        return [
            _fail(
                exchange,
                check,
                title="the stream ends without data: [DONE]",
                pointer=f"/events/{last + 1}",
                message="without the terminator a truncated stream looks complete"
                + (f" ({dropped})" if dropped else ""),
                expected="data: [DONE] as the last event",
                actual=s.events[-1].data if s.events else "(no events)",
            )
        ]
    if s.done_at != last:
        return [
            _fail(
                exchange,
                check,
                title="events follow data: [DONE]",
                pointer=f"/events/{s.done_at + 1}",
                expected="nothing after [DONE]",
                actual=s.events[s.done_at + 1].data,
            )
        ]
    return []


def chat_stream_completed_conformance(
    exchange: Any, stream: ChatStream | None = None
) -> list[Failure]:
    """The stream delivered chunks and no error event (precondition of content checks)."""
    s = _assembled(exchange, stream)
    check = "chat_stream_completed_conformance"
    if s.errors:
        err = s.errors[0]
        return [
            _fail(
                exchange,
                check,
                title="the stream reported an error after HTTP 200",
                pointer=f"/events/{err.index}",
                message="a valid request must stream to completion",
                expected="chunks then data: [DONE]",
                actual=err.payload,
            )
        ]
    if not s.chunks:
        return [
            _fail(
                exchange,
                check,
                title="the stream carried no chunk",
                expected="chat.completion.chunk events",
                actual=f"{len(s.events)} event(s)",
            )
        ]
    if s.not_json:
        bad = s.not_json[0]
        return [
            _fail(
                exchange,
                check,
                title=f"event {bad.index} is not a JSON chunk",
                pointer=f"/events/{bad.index}",
                expected="a JSON chunk",
                actual=bad.data,
            )
        ]
    return []


def chat_stream_usage_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
    *,
    include_usage: bool,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    check = "chat_stream_usage_conformance"
    f = lambda **kw: _fail(exchange, check, **kw)  # noqa: E731
    if not include_usage:
        return [
            f(
                title="a usage chunk was sent although stream_options.include_usage was not set",
                pointer=f"/events/{ev.index}/usage",
                message="clients reading choices[0] of every chunk break on it",
                expected="no usage",
                actual=ev.payload.get("usage"),
            )
            for ev in s.usage_chunks[:1]
        ]
    if len(s.usage_chunks) != 1:
        return [
            f(
                title=f"{len(s.usage_chunks)} chunks carry usage",
                message="with stream_options.include_usage exactly one final chunk carries usage",
                expected="exactly one usage chunk",
                actual=[e.index for e in s.usage_chunks] or "none",
            )
        ]
    ev = s.usage_chunks[0]
    out: list[Failure] = []
    if ev is not s.chunks[-1]:
        out.append(
            f(
                title="the usage chunk is not the last chunk",
                pointer=f"/events/{ev.index}",
                expected="the usage chunk last (before [DONE])",
                actual=f"event {ev.index} of {s.chunks[-1].index}",
            )
        )
    if ev.payload.get("choices") != [] or not isinstance(ev.payload.get("choices"), list):
        out.append(
            f(
                title="the usage chunk's choices is not []",
                pointer=f"/events/{ev.index}/choices",
                message="the usage chunk has an empty choices array (not null, not absent)",
                expected="[]",
                actual=ev.payload.get("choices", "(absent)"),
            )
        )
    for pointer, message, expected, actual in usage_problems(ev.payload.get("usage")):
        out.append(
            f(
                title=message,
                pointer=f"/events/{ev.index}/usage{pointer}",
                expected=expected,
                actual=actual,
            )
        )
    return out


def chat_stream_reasoning_fields_conformance(
    exchange: Any, stream: ChatStream | None = None
) -> list[Failure]:
    s = _assembled(exchange, stream)
    return [
        _fail(
            exchange,
            "chat_stream_reasoning_fields_conformance",
            title=f"non-standard delta field {name!r}",
            pointer=f"/events/{at}/choices/0/delta/{name}",
            message="reasoning is not part of the documented chat delta; generic clients drop it",
            expected="documented delta fields only",
            actual=name,
        )
        for c in s.choices.values()
        for name, at in c.reasoning_fields.items()
    ]
