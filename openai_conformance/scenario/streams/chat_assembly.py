"""Assemble a Chat Completions stream into what the non-streamed call would have returned.

``assemble_chat_stream(events) -> ChatStream`` reads every ``chat.completion.chunk`` once and
keeps, per choice ``index``: the role of the first delta, the concatenated ``content`` and
``refusal``, the tool calls assembled by ``delta.tool_calls[].index`` (the first delta of a
call carries ``id``/``type``/``function.name``; later deltas append ``function.arguments``),
the ``finish_reason`` and where it came, any non-standard reasoning field
(``reasoning_content``/``reasoning``) and, per chunk, the delta ``content`` next to the
choice's ``logprobs`` (``LogprobChunk``: what ``logprobs: true`` streams). Stream-level
facts: where ``[DONE]`` came, events after it, error events (``{"error": ...}`` after HTTP
200), non-JSON events and the chunks that carry a non-null ``usage``.

Nothing here judges: shape problems found while assembling (a tool-call delta without
``index``, a later fragment of a call repeating its ``id`` or ``function.name``, arguments
that are not a string, a second ``finish_reason``) are kept as
``Problem(event, pointer, message)`` for the checks in ``chat_checks`` to report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .common import Parsed, parsed

NONSTANDARD_REASONING = ("reasoning_content", "reasoning")


@dataclass(frozen=True)
class Problem:
    event: int
    pointer: str
    message: str
    actual: Any = None


@dataclass
class ToolCallAssembly:
    index: int
    id: str | None = None
    type: str | None = None
    name: str | None = None
    arguments: str = ""
    first_event: int = 0
    fragments: int = 0  # tool-call deltas seen for this index
    head: frozenset[str] = frozenset()  # of id, type, name: what the first fragment carried

    def as_call(self) -> dict[str, Any]:
        """The call in the non-streamed ``message.tool_calls[]`` shape."""
        return {
            "id": self.id,
            "type": self.type,
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class LogprobChunk:
    """One chunk of a choice: where it is, its delta ``content`` and the choice ``logprobs``
    it carries (absent and ``null`` are both ``None``)."""

    event: int
    position: int  # the choice's position in the chunk's ``choices``
    content: str | None
    logprobs: Any


@dataclass
class ChoiceAssembly:
    index: Any
    first_event: int
    first_delta: dict[str, Any]
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: dict[int, ToolCallAssembly] = field(default_factory=dict)
    finish_reason: str | None = None
    finish_event: int | None = None
    last_event: int = 0
    after_finish: list[int] = field(default_factory=list)  # events with deltas after finish
    reasoning_fields: dict[str, int] = field(default_factory=dict)  # field -> first event
    problems: list[Problem] = field(default_factory=list)
    logprob_chunks: list[LogprobChunk] = field(default_factory=list)
    call_ids: list[str] = field(default_factory=list)  # distinct tool-call ids, in order

    def calls(self) -> list[dict[str, Any]]:
        return [self.tool_calls[k].as_call() for k in sorted(self.tool_calls)]


@dataclass
class ChatStream:
    events: list[Parsed]
    chunks: list[Parsed] = field(default_factory=list)
    choices: dict[Any, ChoiceAssembly] = field(default_factory=dict)
    done_at: int | None = None
    errors: list[Parsed] = field(default_factory=list)
    not_json: list[Parsed] = field(default_factory=list)
    usage_chunks: list[Parsed] = field(default_factory=list)

    @property
    def last_index(self) -> int:
        return len(self.events) - 1

    def content(self, index: int = 0) -> str | None:
        choice = self.choices.get(index)
        return choice.content if choice else None

    def problems(self) -> list[Problem]:
        return [p for c in self.choices.values() for p in c.problems]


def _append(current: str | None, piece: Any) -> str | None:
    if not isinstance(piece, str):
        return current
    return (current or "") + piece


def _repeated(ev: int, pointer: str, idx: int, name: str, value: Any) -> Problem:
    # Clients merge fragments by appending their strings (openai-python's accumulate_delta
    # exempts only index and type): a repeated id or name is doubled, not confirmed.
    return Problem(
        ev,
        pointer,
        f"a later fragment of tool call {idx} repeats its {name}: only the first fragment "
        "carries it, later ones append function.arguments (clients concatenate the strings)",
        value,
    )


def _tool_deltas(choice: ChoiceAssembly, ev: int, k: int, deltas: Any) -> None:
    base = f"/events/{ev}/choices/{k}/delta/tool_calls"
    if not isinstance(deltas, list):
        choice.problems.append(Problem(ev, base, "delta.tool_calls is not an array", deltas))
        return
    for j, d in enumerate(deltas):
        where = f"{base}/{j}"
        if not isinstance(d, dict):
            choice.problems.append(Problem(ev, where, "a tool-call delta is not an object", d))
            continue
        idx = d.get("index")
        if not isinstance(idx, int) or isinstance(idx, bool):
            choice.problems.append(
                Problem(ev, f"{where}/index", "the tool-call delta has no integer 'index'", idx)
            )
            # Assemble anyway the way lenient clients do: a delta with an id opens a new call,
            # one without continues the last call, so the other checks still see the calls.
            if d.get("id") or not choice.tool_calls:
                idx = len(choice.tool_calls)
            else:
                idx = max(choice.tool_calls)
        call = choice.tool_calls.get(idx)
        if call is None:
            call = choice.tool_calls[idx] = ToolCallAssembly(idx, first_event=ev)
        call.fragments += 1
        fn_head: dict[str, Any] = d["function"] if isinstance(d.get("function"), dict) else {}
        if call.fragments == 1:
            carried = {"id": d.get("id"), "type": d.get("type"), "name": fn_head.get("name")}
            call.head = frozenset(k for k, v in carried.items() if v)
        if call.fragments > 1 and d.get("id") == call.id and call.id is not None:
            choice.problems.append(_repeated(ev, f"{where}/id", idx, "id", d["id"]))
        if call.fragments > 1 and fn_head.get("name") and call.name is not None:
            choice.problems.append(
                _repeated(ev, f"{where}/function/name", idx, "function.name", fn_head["name"])
            )
        if isinstance(d.get("id"), str) and d["id"] and d["id"] not in choice.call_ids:
            choice.call_ids.append(d["id"])
        if d.get("id"):
            if call.id is not None and call.id != d["id"]:
                choice.problems.append(
                    Problem(
                        ev,
                        f"{where}/id",
                        f"tool call index {idx} changes its id from {call.id!r} (two calls "
                        "share one index)",
                        d["id"],
                    )
                )
            call.id = call.id or d["id"]
        if d.get("type"):
            call.type = d["type"]
        fn = d.get("function") or {}
        if not isinstance(fn, dict):
            continue
        if fn.get("name") and call.name is None:
            call.name = fn["name"]
        args = fn.get("arguments")
        if isinstance(args, str):
            call.arguments += args
        elif args is not None:
            choice.problems.append(
                Problem(
                    ev,
                    f"{where}/function/arguments",
                    "function.arguments is not a string (a JSON-encoded text is documented)",
                    args,
                )
            )
            call.arguments += json.dumps(args)


def _choice_delta(stream: ChatStream, ev: Parsed, k: int, item: Any) -> None:
    if not isinstance(item, dict):
        return
    idx = item.get("index")
    delta: dict[str, Any] = item["delta"] if isinstance(item.get("delta"), dict) else {}
    choice = stream.choices.get(idx)
    if choice is None:
        choice = stream.choices[idx] = ChoiceAssembly(idx, ev.index, dict(delta))
    meaningful = any(delta.get(key) not in (None, "", []) for key in delta)
    if choice.finish_reason is not None and meaningful:
        choice.after_finish.append(ev.index)
    choice.last_event = ev.index
    content = delta.get("content") if isinstance(delta.get("content"), str) else None
    choice.logprob_chunks.append(LogprobChunk(ev.index, k, content, item.get("logprobs")))
    if delta.get("role") and choice.role is None:
        choice.role = delta["role"]
    choice.content = _append(choice.content, delta.get("content"))
    choice.refusal = _append(choice.refusal, delta.get("refusal"))
    for name in NONSTANDARD_REASONING:
        if delta.get(name) not in (None, "") and name not in choice.reasoning_fields:
            choice.reasoning_fields[name] = ev.index
    if delta.get("tool_calls") is not None:
        _tool_deltas(choice, ev.index, k, delta["tool_calls"])
    reason = item.get("finish_reason")
    if reason is not None:
        if choice.finish_reason is not None:
            choice.problems.append(
                Problem(
                    ev.index,
                    f"/events/{ev.index}/choices/{k}/finish_reason",
                    f"a second finish_reason for choice {idx} (first at event "
                    f"{choice.finish_event})",
                    reason,
                )
            )
        else:
            choice.finish_reason, choice.finish_event = reason, ev.index


def assemble_chat_stream(events: list[Any]) -> ChatStream:
    """Assemble the SSE events of one chat stream (see module doc)."""
    stream = ChatStream(parsed(events))
    for ev in stream.events:
        if ev.done:
            if stream.done_at is None:
                stream.done_at = ev.index
            continue
        if ev.payload is None:
            stream.not_json.append(ev)
            continue
        if not isinstance(ev.payload, dict):
            stream.not_json.append(ev)
            continue
        if "error" in ev.payload and "choices" not in ev.payload:
            stream.errors.append(ev)
            continue
        stream.chunks.append(ev)
        if ev.payload.get("usage") is not None:
            stream.usage_chunks.append(ev)
        for k, item in enumerate(ev.payload.get("choices") or []):
            _choice_delta(stream, ev, k, item)
    return stream
