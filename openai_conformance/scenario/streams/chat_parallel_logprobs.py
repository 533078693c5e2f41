"""Chat stream invariants of parallel tool calls and of logprobs, one named check each.

* ``chat_stream_parallel_tool_calls_conformance(exchange, stream, tools=)``: with several
  calls in one choice, every tool-call fragment carries an integer ``index``; the indexes are
  dense from 0 (one per call); the first fragment of each call carries ``id``, ``type`` and
  ``function.name`` and later fragments do not repeat ``id`` or ``function.name`` (they only
  append ``function.arguments``: clients concatenate the strings); the assembled calls are
  valid (``tools.tool_call_problems``: unique ids, type function, arguments a JSON-object
  string valid for the tool); the choice finishes with ``tool_calls``. The shape is the one
  the real API streams (tests/data/traffic: traceloop ``..._streaming_parallel.yaml`` and
  opentelemetry-python-contrib ``..._multiple_tools_streaming_*.yaml``: ``type`` appears
  only in the first fragment, but a repeated ``type`` is harmless and not judged).
* ``chat_stream_logprobs_conformance(exchange, stream, top=)``: every choice's content
  chunks carry ``logprobs.content`` whose tokens concatenate to the delta content, each entry
  with a logprob <= 0 and at most ``top`` alternatives (``logprobs.stream_logprob_problems``).

Whether the target streamed several calls / any logprobs at all is the caller's question
(an absent optional feature is UNSUPPORTED, not FAIL): see ``calls_of`` and
``logprobs.streams_logprobs``.
"""

from __future__ import annotations

from typing import Any

from ...checks.failures import Failure
from .chat_assembly import ChatStream, ChoiceAssembly, assemble_chat_stream
from .common import events_of, stream_failure
from .logprobs import stream_logprob_problems
from .tools import tool_call_problems

OP = "POST /chat/completions"
PARALLEL = "chat_stream_parallel_tool_calls_conformance"
LOGPROBS = "chat_stream_logprobs_conformance"
HEAD = ("id", "type", "name")


def _assembled(exchange: Any, stream: ChatStream | None) -> ChatStream:
    return stream if stream is not None else assemble_chat_stream(events_of(exchange))


def calls_of(stream: ChatStream) -> int:
    """The most tool calls any one choice of the stream made (by index or by distinct id:
    two calls sharing one index are still two calls)."""
    return max(
        (max(len(c.tool_calls), len(c.call_ids)) for c in stream.choices.values()), default=0
    )


def _parallel_choice(exchange: Any, idx: Any, c: ChoiceAssembly, tools: Any) -> list[Failure]:
    def fail(**kw: Any) -> Failure:
        return stream_failure(exchange, PARALLEL, operation=OP, **kw)

    out: list[Failure] = []
    indexes = sorted(c.tool_calls)
    if indexes != list(range(len(indexes))):
        out.append(
            fail(
                title=f"the tool-call indexes of choice {idx} are not dense from 0",
                message="each call has its own index 0, 1, ...: clients place fragments by it",
                expected=list(range(len(indexes))),
                actual=indexes,
            )
        )
    for k in indexes:
        call = c.tool_calls[k]
        missing = [name for name in HEAD if name not in call.head]
        if missing:
            out.append(
                fail(
                    title=f"the first fragment of tool call {k} lacks {', '.join(missing)}",
                    pointer=f"/events/{call.first_event}/choices/0/delta/tool_calls",
                    message="the first fragment of a call carries id, type and function.name",
                    expected="id, type, function.name",
                    actual=sorted(call.head),
                )
            )
    for pointer, message, expected, actual in tool_call_problems(c.calls(), tools):
        out.append(
            fail(
                title=f"assembled tool call of choice {idx}: {message}",
                pointer=f"/assembled/choices/{idx}/tool_calls{pointer}",
                expected=expected,
                actual=actual,
            )
        )
    if c.finish_reason != "tool_calls":
        out.append(
            fail(
                title=f"choice {idx} made tool calls but finishes with {c.finish_reason!r}",
                pointer=f"/events/{c.finish_event}/choices/0/finish_reason"
                if c.finish_event is not None
                else None,
                expected="tool_calls",
                actual=c.finish_reason,
            )
        )
    return out


def chat_stream_parallel_tool_calls_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
    *,
    tools: dict[str, dict[str, Any]] | None = None,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    out = [
        stream_failure(
            exchange, PARALLEL, operation=OP, title=p.message, pointer=p.pointer, actual=p.actual
        )
        for p in s.problems()
        if "/tool_calls" in p.pointer
    ]
    for idx, c in s.choices.items():
        if c.tool_calls:
            out += _parallel_choice(exchange, idx, c, tools)
    return out


def chat_stream_logprobs_conformance(
    exchange: Any,
    stream: ChatStream | None = None,
    *,
    top: int,
) -> list[Failure]:
    s = _assembled(exchange, stream)
    return [
        stream_failure(
            exchange,
            LOGPROBS,
            operation=OP,
            title=f"choice {idx}: {message}",
            pointer=pointer,
            expected=expected,
            actual=actual,
        )
        for idx, c in s.choices.items()
        for pointer, message, expected, actual in stream_logprob_problems(c, top)
    ]
