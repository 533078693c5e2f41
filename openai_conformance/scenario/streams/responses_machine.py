"""The Responses event sequence run through a state machine.

``replay_responses_stream(events) -> ResponsesStream`` reads the stream once and files every
deviation under the invariant it breaks (``problems[category]``):

``first-event``  the first event is ``response.created`` (or ``response.queued``);
``sequence``     every event has an integer ``sequence_number``, strictly increasing;
``nesting``      ``output_item.added`` opens item ``output_index`` (0, 1, 2 … in order);
                 ``content_part.added`` opens part ``content_index`` of an open item with the
                 same ``item_id``; text/refusal/function-call-argument events and
                 ``content_part.done`` refer to an open item (same ``output_index`` and
                 ``item_id``) and, for parts, an open part; ``output_item.done`` closes an
                 item whose parts are all closed; nothing stays open at the terminal event;
``deltas``       per (item_id, content_index) the ``output_text.delta`` values concatenate to
                 the ``output_text.done`` text and to the final response's part text; per
                 function call the argument deltas concatenate to the ``.done`` arguments and
                 to the final item's arguments;
``terminal``     exactly one terminal event (``response.completed``/``failed``/``incomplete``),
                 and it is the last event; its ``response.status`` matches its type.

Event types the machine does not model (reasoning, built-in tools) are checked for nesting
only when they name an item (``output_index`` + ``item_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .chat_assembly import Problem
from .common import Parsed, parsed

TERMINAL = {
    "response.completed": "completed",
    "response.failed": "failed",
    "response.incomplete": "incomplete",
}
FIRST = ("response.created", "response.queued")
CATEGORIES = ("first-event", "sequence", "nesting", "deltas", "terminal")
_TEXT = ("response.output_text", "response.refusal")


@dataclass
class _Item:
    item_id: Any
    output_index: int
    kind: Any
    parts: dict[Any, bool] = field(default_factory=dict)  # content_index -> open
    open: bool = True


@dataclass
class ResponsesStream:
    events: list[Parsed]
    problems: dict[str, list[Problem]] = field(default_factory=lambda: {c: [] for c in CATEGORIES})
    items: list[_Item] = field(default_factory=list)
    text_deltas: dict[tuple[Any, Any], str] = field(default_factory=dict)
    text_done: dict[tuple[Any, Any], str] = field(default_factory=dict)
    args_deltas: dict[Any, str] = field(default_factory=dict)
    args_done: dict[Any, str] = field(default_factory=dict)
    terminals: list[Parsed] = field(default_factory=list)
    final: dict[str, Any] | None = None
    types: list[str] = field(default_factory=list)

    def add(self, category: str, ev: int, pointer: str, message: str, actual: Any = None) -> None:
        self.problems[category].append(Problem(ev, pointer, message, actual))

    def output_text(self) -> str:
        """The streamed text of every output_text part, in order."""
        return "".join(v for k, v in self.text_deltas.items() if k[1] is not None)


def _item(s: ResponsesStream, ev: Parsed, p: dict[str, Any]) -> _Item | None:
    oi, iid = p.get("output_index"), p.get("item_id")
    at = f"/events/{ev.index}"
    if not isinstance(oi, int) or not 0 <= oi < len(s.items):
        s.add(
            "nesting",
            ev.index,
            f"{at}/output_index",
            f"{p.get('type')} names output_index {oi!r}, which no output_item.added opened",
            oi,
        )
        return None
    item = s.items[oi]
    if iid is not None and iid != item.item_id:
        s.add(
            "nesting",
            ev.index,
            f"{at}/item_id",
            f"{p.get('type')} names item {iid!r} at output_index {oi} ({item.item_id!r})",
            iid,
        )
    if not item.open:
        s.add(
            "nesting",
            ev.index,
            at,
            f"{p.get('type')} refers to item {oi} after its output_item.done",
            p.get("type"),
        )
    return item


def _part(s: ResponsesStream, ev: Parsed, p: dict[str, Any], item: _Item) -> None:
    ci = p.get("content_index")
    if not item.parts.get(ci, False):
        s.add(
            "nesting",
            ev.index,
            f"/events/{ev.index}/content_index",
            f"{p.get('type')}: content_index {ci!r} is no open part of item {item.output_index}",
            ci,
        )


def _step(s: ResponsesStream, ev: Parsed, p: dict[str, Any]) -> None:
    kind = str(p.get("type"))
    at = f"/events/{ev.index}"
    if kind == "response.output_item.added":
        it: dict[str, Any] = p["item"] if isinstance(p.get("item"), dict) else {}
        if p.get("output_index") != len(s.items):
            s.add(
                "nesting",
                ev.index,
                f"{at}/output_index",
                f"output_item.added opens index {p.get('output_index')!r}, not {len(s.items)}",
                p.get("output_index"),
            )
        s.items.append(_Item(it.get("id"), len(s.items), it.get("type")))
        return
    if kind == "response.output_item.done":
        item = _item(s, ev, {**p, "item_id": (p.get("item") or {}).get("id")})
        if item is not None:
            if any(item.parts.values()):
                s.add(
                    "nesting",
                    ev.index,
                    at,
                    f"output_item.done for item {item.output_index} while parts are open",
                )
            item.open = False
        return
    if kind in ("response.content_part.added", "response.content_part.done"):
        item = _item(s, ev, p)
        if item is None:
            return
        ci = p.get("content_index")
        if kind.endswith(".added"):
            if ci != len(item.parts):
                s.add(
                    "nesting",
                    ev.index,
                    f"{at}/content_index",
                    f"content_part.added opens content_index {ci!r}, not {len(item.parts)}",
                    ci,
                )
            item.parts[ci] = True
        else:
            _part(s, ev, p, item)
            item.parts[ci] = False
        return
    if kind.startswith(_TEXT) and kind.endswith((".delta", ".done")):
        item = _item(s, ev, p)
        if item is not None:
            _part(s, ev, p, item)
        if kind.startswith("response.output_text"):
            key = (p.get("item_id"), p.get("content_index"))
            if kind.endswith(".delta"):
                s.text_deltas[key] = s.text_deltas.get(key, "") + str(p.get("delta") or "")
            else:
                s.text_done[key] = str(p.get("text") or "")
                if s.text_deltas.get(key, "") != s.text_done[key]:
                    s.add(
                        "deltas",
                        ev.index,
                        f"{at}/text",
                        "the output_text deltas do not concatenate to the .done text",
                        {"deltas": s.text_deltas.get(key, ""), "done": s.text_done[key]},
                    )
        return
    if kind.startswith("response.function_call_arguments."):
        _item(s, ev, p)
        call = p.get("item_id")
        if kind.endswith(".delta"):
            s.args_deltas[call] = s.args_deltas.get(call, "") + str(p.get("delta") or "")
        elif kind.endswith(".done"):
            s.args_done[call] = str(p.get("arguments") or "")
            if s.args_deltas.get(call, "") != s.args_done[call]:
                s.add(
                    "deltas",
                    ev.index,
                    f"{at}/arguments",
                    "the argument deltas do not concatenate to the .done arguments",
                    {"deltas": s.args_deltas.get(call, ""), "done": s.args_done[call]},
                )
        return
    if "output_index" in p and "item_id" in p:
        _item(s, ev, p)


def _final_checks(s: ResponsesStream) -> None:
    if not s.terminals:
        last = s.events[-1].index if s.events else 0
        s.add(
            "terminal",
            last,
            f"/events/{last + 1}",
            "the stream ends without response.completed, response.failed or response.incomplete",
        )
        return
    if len(s.terminals) > 1:
        s.add(
            "terminal",
            s.terminals[1].index,
            f"/events/{s.terminals[1].index}",
            f"{len(s.terminals)} terminal events",
            [t.payload.get("type") for t in s.terminals],
        )
    term = s.terminals[0]
    if term is not s.events[-1]:
        s.add(
            "terminal",
            term.index,
            f"/events/{term.index + 1}",
            f"{len(s.events) - 1 - term.index} event(s) follow the terminal event",
            s.events[term.index + 1].data,
        )
    kind = term.payload.get("type")
    final = term.payload.get("response")
    if isinstance(final, dict):
        s.final = final
        if final.get("status") != TERMINAL[kind]:
            s.add(
                "terminal",
                term.index,
                f"/events/{term.index}/response/status",
                f"{kind} carries a response with status {final.get('status')!r}",
                final.get("status"),
            )
    for item in s.items:
        if item.open:
            s.add(
                "nesting",
                term.index,
                f"/events/{term.index}",
                f"item {item.output_index} is still open at {kind} (no output_item.done)",
            )
    output = (s.final or {}).get("output") if kind == "response.completed" else None
    if not isinstance(output, list):
        return
    if len(output) != len(s.items):
        s.add(
            "nesting",
            term.index,
            f"/events/{term.index}/response/output",
            f"the final response has {len(output)} output items; the stream added {len(s.items)}",
            len(output),
        )
    for oi, item in enumerate(output):
        if not isinstance(item, dict):
            continue
        for ci, part in enumerate(item.get("content") or []):
            if isinstance(part, dict) and part.get("type") == "output_text":
                streamed = s.text_deltas.get((item.get("id"), ci), "")
                if streamed != part.get("text"):
                    s.add(
                        "deltas",
                        term.index,
                        f"/events/{term.index}/response/output/{oi}/content/{ci}/text",
                        "the streamed deltas differ from the final response's text",
                        {"deltas": streamed, "final": part.get("text")},
                    )
        if item.get("type") == "function_call":
            streamed = s.args_deltas.get(item.get("id"), "")
            if streamed != item.get("arguments"):
                s.add(
                    "deltas",
                    term.index,
                    f"/events/{term.index}/response/output/{oi}/arguments",
                    "the streamed argument deltas differ from the final item's arguments",
                    {"deltas": streamed, "final": item.get("arguments")},
                )


def replay_responses_stream(events: list[Any]) -> ResponsesStream:
    """Run the events of one Responses stream through the machine (see module doc)."""
    s = ResponsesStream(parsed(events))
    previous: int | None = None
    for ev in s.events:
        p = ev.payload
        if not isinstance(p, dict):
            s.add(
                "sequence",
                ev.index,
                f"/events/{ev.index}",
                "the event is not a JSON object",
                ev.data,
            )
            continue
        kind = p.get("type")
        s.types.append(str(kind))
        if ev.index == 0 and kind not in FIRST:
            s.add(
                "first-event",
                0,
                "/events/0/type",
                "the first event is not response.created (or response.queued)",
                kind,
            )
        seq = p.get("sequence_number")
        if not isinstance(seq, int) or isinstance(seq, bool):
            s.add(
                "sequence",
                ev.index,
                f"/events/{ev.index}/sequence_number",
                "the event has no integer sequence_number",
                seq,
            )
        else:
            if previous is not None and seq <= previous:
                s.add(
                    "sequence",
                    ev.index,
                    f"/events/{ev.index}/sequence_number",
                    f"sequence_number {seq} does not increase on {previous}",
                    seq,
                )
            previous = seq
        if kind in TERMINAL:
            s.terminals.append(ev)
            continue
        _step(s, ev, p)
    if not s.events:
        s.add("first-event", 0, "/events", "the stream carried no event")
    _final_checks(s)
    return s
