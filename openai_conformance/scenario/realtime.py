"""Client side of the Realtime WebSocket protocol (GA): what the realtime suite builds on.

* ``new_event_id()``: a client ``event_id`` (``evt_oaic_<hex>``), so an ``error`` can be tied to
  the client event that caused it.
* ``server_event_schemas(spec)``: each server event ``type`` → the ``Realtime*ServerEvent*``
  component that documents it, read once per spec from the components' ``type`` const/enum
  (GA first: the variants of the ``RealtimeServerEvent`` union; then beta and translation
  components for the types only they document). ``known_server_event_types``,
  ``ga_server_event_types`` and ``server_event_component_count`` serve the coverage report.
* ``RealtimeSession``: wraps the harness's ``WebSocketSession`` (``client.websocket``): ``send``
  stamps an ``event_id``; ``wait_for(types)`` reads server events under a deadline and turns a
  silent socket, a closed socket, a beta event name or an unexpected ``error`` event into a
  ``ConformanceFailure`` that names what was expected and what arrived.
* ``ResponseSequence``: the legal order of one response's events (``response.created`` …
  ``response.output_item``/``content_part`` added/done nesting … ``response.done`` last);
  ``delta_problems``: deltas concatenate to the done values.
* ``schema_problems``: every server event validates against the component its ``type`` names.
* ``transcript_event_types(exchange)``: the server event types a WebSocket transcript carries
  (the plugin's ``coverage.realtime_event_types``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..checks.failures import Failure, show
from ..checks.outcomes import ConformanceFailure

OPERATION = "WEBSOCKET /realtime"
GA_UNION = "RealtimeServerEvent"

#: Beta event names → the GA name that replaced them (field notes class 25: clients written for
#: one protocol break on the other). A GA session must send the right-hand names.
BETA_EVENT_NAMES: dict[str, str] = {
    "conversation.item.created": "conversation.item.added",
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "transcription_session.created": "session.created",
    "transcription_session.updated": "session.updated",
}
_GA_TO_BETA = {ga: beta for beta, ga in BETA_EVENT_NAMES.items()}


def new_event_id() -> str:
    """A fresh client event id."""
    return "evt_oaic_" + secrets.token_hex(8)


# ---------------------------------------------------------------------- schema lookup

_schema_cache: dict[int, tuple[dict[str, str], list[str], int]] = {}
_schema_lock = threading.Lock()


def _type_values(schema: Mapping[str, Any]) -> list[str]:
    prop = (schema.get("properties") or {}).get("type") or {}
    if not isinstance(prop, Mapping):
        return []
    if isinstance(prop.get("const"), str):
        return [prop["const"]]
    return [v for v in prop.get("enum") or [] if isinstance(v, str)]


def _build(spec: Any) -> tuple[dict[str, str], list[str], int]:
    comps: Mapping[str, Any] = spec.document["components"]["schemas"]
    names = [n for n in comps if n.startswith("Realtime") and "ServerEvent" in n]
    ga: list[str] = []
    union = comps.get(GA_UNION) or {}
    for variant in union.get("anyOf") or union.get("oneOf") or []:
        ref = str(variant.get("$ref", ""))
        name = ref.rsplit("/", 1)[-1]
        if name in comps:
            ga.append(name)
    # GA variants first, then the other GA-named components, beta, translation (by name).
    ordered = ga + sorted(
        (n for n in names if n not in ga),
        key=lambda n: (not n.startswith("RealtimeServerEvent"), "Beta" in n, n),
    )
    mapping: dict[str, str] = {}
    for name in ordered:
        for value in _type_values(comps[name]):
            mapping.setdefault(value, name)
    ga_types = sorted({v for n in ga for v in _type_values(comps[n])})
    return mapping, ga_types, len(names)


def _tables(spec: Any) -> tuple[dict[str, str], list[str], int]:
    key = id(spec)
    with _schema_lock:
        if key not in _schema_cache:
            _schema_cache[key] = _build(spec)
        return _schema_cache[key]


def server_event_schemas(spec: Any) -> dict[str, str]:
    """Server event ``type`` → documenting component name (built once per spec)."""
    return dict(_tables(spec)[0])


def known_server_event_types(spec: Any) -> list[str]:
    """Every server event type any ``Realtime*ServerEvent*`` component documents."""
    return sorted(_tables(spec)[0])


def ga_server_event_types(spec: Any) -> list[str]:
    """The types of the GA ``RealtimeServerEvent`` union (what ``/v1/realtime`` may send)."""
    return list(_tables(spec)[1])


def server_event_component_count(spec: Any) -> int:
    """How many ``Realtime*ServerEvent*`` components the spec has (unions included)."""
    return _tables(spec)[2]


def schema_problems(
    events: Iterable[Any], spec: Any, validator: Any
) -> list[tuple[int, str, str | None]]:
    """``(index, message, actual)`` for every event that does not validate against the
    component its ``type`` names (an unknown ``type`` is a problem too)."""
    mapping = _tables(spec)[0]
    out: list[tuple[int, str, str | None]] = []
    for i, event in enumerate(events):
        kind = event.get("type") if isinstance(event, Mapping) else None
        if not isinstance(kind, str):
            out.append((i, "a server event must be a JSON object with a string 'type'", None))
            continue
        component = mapping.get(kind)
        if component is None:
            hint = f" (beta name; GA: {BETA_EVENT_NAMES[kind]})" if kind in BETA_EVENT_NAMES else ""
            out.append((i, f"'{kind}' is not a server event type of the spec{hint}", kind))
            continue
        for viol in validator.validate(event, component):
            actual = show(viol.actual) if viol.actual is not None else None
            out.append(
                (i, f"{kind} ({component}) at {viol.pointer or '/'}: {viol.message}", actual)
            )
    return out


def transcript_event_types(exchange: Any) -> list[str]:
    """Distinct ``type`` values of the server frames in an exchange's WebSocket transcript."""
    ws = getattr(exchange, "websocket", None)
    if not isinstance(ws, Mapping):
        return []
    out: set[str] = set()
    for frame in ws.get("transcript") or []:
        if not isinstance(frame, Mapping) or frame.get("dir") != "recv":
            continue
        try:
            payload = json.loads(str(frame.get("data") or ""))
        except ValueError:
            continue
        if isinstance(payload, Mapping) and isinstance(payload.get("type"), str):
            out.add(payload["type"])
    return sorted(out)


# ---------------------------------------------------------------------- session wrapper


def _types(events: Iterable[Any]) -> list[str]:
    return [str(e.get("type")) if isinstance(e, Mapping) else "<non-JSON frame>" for e in events]


class RealtimeSession:
    """One realtime WebSocket as the suite drives it.

    ``events`` is every server event received so far (in order). ``reply_s`` bounds each
    ``wait_for``. Its failures name no requirement: the plugin stamps the test's."""

    def __init__(
        self,
        ws: Any,
        *,
        reply_s: float,
    ) -> None:
        self.ws = ws
        self.reply_s = reply_s
        self.events: list[Any] = []
        self.sent: list[dict[str, Any]] = []

    # -- failures

    def failure(
        self,
        title: str,
        *,
        check: str,
        pointer: str | None = None,
        expected: Any = None,
        actual: Any = None,
        message: str = "",
    ) -> Failure:
        """A Failure with the websocat reproduction line and, as
        the body excerpt, the types of the server events received so far."""
        seen = _types(self.events)
        shown = ", ".join(seen[-40:]) + (f" (last 40 of {len(seen)})" if len(seen) > 40 else "")
        failure = Failure(
            title=title,
            check=check,
            operation=OPERATION,
            pointer=pointer,
            expected=None if expected is None else str(expected),
            actual=None
            if actual is None
            else (actual if isinstance(actual, str) else show(actual)),
            message=message or title,
            status_line="WebSocket 101 Switching Protocols",
            body_excerpt="server events: " + (shown or "(none)"),
        )
        return failure.with_exchange(self.ws.exchange)

    def fail(self, title: str, **kw: Any) -> ConformanceFailure:
        return ConformanceFailure(self.failure(title, **kw))

    # -- traffic

    def send(self, event: Mapping[str, Any]) -> str:
        """Send a client event (an ``event_id`` is added unless given); returns the id."""
        from websockets.exceptions import ConnectionClosed

        body = dict(event)
        body.setdefault("event_id", new_event_id())
        self.sent.append(body)
        try:
            self.ws.send(body)
        except ConnectionClosed as exc:
            raise self._closed(str(exc)) from None
        return str(body["event_id"])

    def _closed(self, detail: str) -> ConformanceFailure:
        close = getattr(getattr(self.ws, "conn", None), "close_code", None)
        return self.fail(
            "the server closed the WebSocket",
            check="realtime_session_alive_conformance",
            expected="an open session",
            actual=f"closed (code {close})",
            message=detail,
        )

    def next_event(self, timeout: float) -> Any:
        """The next server event; a silent or closed socket raises a ``ConformanceFailure``."""
        from ..wire.exchange import StreamTimeout, TargetFailure

        try:
            event = self.ws.recv(timeout=timeout)
        except StreamTimeout:
            raise self.fail(
                f"no server event within {timeout:.1f}s", check="realtime_reply_conformance"
            ) from None
        except TargetFailure as exc:
            raise self._closed(str(exc)) from None
        self.events.append(event)
        return event

    def wait_for(
        self,
        *types: str,
        match: Mapping[str, Any] | None = None,
        deadline_s: float | None = None,
        allow_errors: bool = False,
    ) -> dict[str, Any]:
        """Read server events until one of ``types`` (whose top-level fields equal ``match``)
        arrives, within ``deadline_s`` (default ``reply_s``); returns it.

        Fails at once on an ``error`` event (unless ``allow_errors`` or ``error`` is wanted)
        and on the beta name of an awaited GA type; fails when the deadline passes."""
        wait = self.reply_s if deadline_s is None else deadline_s
        end = time.monotonic() + wait
        expected = " or ".join(types) + (f" with {dict(match)}" if match else "")
        start = len(self.events)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise self.fail(
                    f"no {expected} within {wait:.1f}s",
                    check="realtime_reply_conformance",
                    expected=expected,
                    actual=_types(self.events[start:]) or "nothing",
                )
            event = self.next_event(left)
            if not isinstance(event, Mapping):
                raise self.fail(
                    "a server frame is not a JSON event",
                    check="realtime_event_schema_conformance",
                    expected="a JSON object with a type",
                    actual=show(event),
                )
            kind = event.get("type")
            if kind in types and all(event.get(k) == v for k, v in (match or {}).items()):
                return dict(event)
            if kind in BETA_EVENT_NAMES and BETA_EVENT_NAMES[kind] in types:
                raise self.fail(
                    f"beta event name {kind!r} instead of the GA {BETA_EVENT_NAMES[kind]!r}",
                    check="realtime_ga_event_names_conformance",
                    pointer="/type",
                    expected=BETA_EVENT_NAMES[kind],
                    actual=kind,
                )
            if kind == "error" and not allow_errors:
                raise self.fail(
                    f"the server answered an error while waiting for {expected}",
                    check="realtime_reply_conformance",
                    pointer="/error",
                    expected=expected,
                    actual=event.get("error"),
                )

    def collect(self, *types: str, deadline_s: float | None = None) -> list[dict[str, Any]]:
        """Every server event from now up to and including the first of ``types``."""
        start = len(self.events)
        self.wait_for(*types, deadline_s=deadline_s)
        return [dict(e) for e in self.events[start:]]


# ---------------------------------------------------------------------- response sequence

_TEXTUAL_DONE = {
    "response.output_text.done": ("response.output_text.delta", "text"),
    "response.output_audio_transcript.done": (
        "response.output_audio_transcript.delta",
        "transcript",
    ),
}
_PART_EVENTS = frozenset(
    {
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.output_audio.delta",
        "response.output_audio.done",
    }
)
_ITEM_EVENTS = frozenset(
    {
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.mcp_call.failed",
    }
)
#: Events a server may interleave with a response that are not part of its nesting.
_UNNESTED_PREFIXES = (
    "conversation.",
    "rate_limits.",
    "output_audio_buffer.",
    "input_audio_buffer.",
    "mcp_list_tools.",
)


@dataclass
class _Item:
    output_index: Any
    parts: dict[Any, str] = field(default_factory=dict)  # content_index -> "open" | "done"
    finished: set[tuple[Any, str]] = field(default_factory=set)  # (content_index, done type)
    done: bool = False


@dataclass
class ResponseSequence:
    """Checks the order of one response's server events (GA).

    Feed every event from ``response.created`` to ``response.done`` (``feed_all``); ``problems``
    then lists ``(index, message)`` for each illegal step: events before ``response.created``
    or after ``response.done``, a ``response_id`` other than the created one, a content part
    outside an added and not yet done item, deltas outside their open part, a ``.done`` twice,
    ``content_part.done`` before the part's own ``.done``, ``output_item.done`` while a part is
    open, ``response.done`` while an item is open, and beta event names."""

    problems: list[tuple[int, str]] = field(default_factory=list)
    response_id: str | None = None
    items: dict[str, _Item] = field(default_factory=dict)
    finished: bool = False
    _index: int = 0

    def feed_all(self, events: Iterable[Any]) -> ResponseSequence:
        for event in events:
            self.feed(event)
        if not self.finished:
            self._problem("the sequence ends without response.done")
        return self

    def _problem(self, message: str) -> None:
        self.problems.append((self._index, message))

    def feed(self, event: Any) -> None:
        kind = str(event.get("type")) if isinstance(event, Mapping) else "<non-JSON>"
        try:
            self._step(kind, event if isinstance(event, Mapping) else {})
        finally:
            self._index += 1

    def _step(self, kind: str, event: Mapping[str, Any]) -> None:
        if kind in BETA_EVENT_NAMES:
            self._problem(f"beta event name {kind}; GA: {BETA_EVENT_NAMES[kind]}")
            return
        if self.finished and not kind.startswith(_UNNESTED_PREFIXES):
            self._problem(f"{kind} after response.done")
            return
        if kind == "response.created":
            if self.response_id is not None:
                self._problem("a second response.created")
            self.response_id = (event.get("response") or {}).get("id")
            return
        if kind.startswith(_UNNESTED_PREFIXES) or kind == "error":
            return
        if self.response_id is None:
            self._problem(f"{kind} before response.created")
            return
        rid = (event.get("response") or {}).get("id") if kind == "response.done" else None
        rid = rid or event.get("response_id")
        if rid is not None and rid != self.response_id:
            self._problem(f"{kind} names response {rid!r}, not {self.response_id!r}")
        if kind == "response.output_item.added":
            item_id = (event.get("item") or {}).get("id")
            if item_id in self.items:
                self._problem(f"output item {item_id!r} added twice")
            self.items[str(item_id)] = _Item(event.get("output_index"))
        elif kind == "response.output_item.done":
            item = self._open_item(kind, (event.get("item") or {}).get("id"))
            if item is not None:
                still = [ci for ci, state in item.parts.items() if state == "open"]
                if still:
                    self._problem(f"{kind} while content part(s) {still} are not done")
                item.done = True
        elif kind in ("response.content_part.added", "response.content_part.done"):
            item = self._open_item(kind, event.get("item_id"))
            if item is not None:
                self._part(kind, item, event)
        elif kind in _PART_EVENTS:
            item = self._open_item(kind, event.get("item_id"))
            ci = event.get("content_index")
            if item is not None:
                if item.parts.get(ci) != "open":
                    self._problem(f"{kind} outside an open content part {ci!r}")
                elif kind.endswith(".done"):
                    if (ci, kind) in item.finished:
                        self._problem(f"{kind} twice for content part {ci!r}")
                    item.finished.add((ci, kind))
        elif kind in _ITEM_EVENTS:
            self._open_item(kind, event.get("item_id"))
        elif kind == "response.done":
            still = [i for i, item in self.items.items() if not item.done]
            if still:
                self._problem(f"response.done while output item(s) {still} are not done")
            self.finished = True
        else:
            self._problem(f"{kind} is not a response event")

    def _open_item(self, kind: str, item_id: Any) -> _Item | None:
        item = self.items.get(str(item_id))
        if item is None:
            self._problem(f"{kind} for item {item_id!r} that was never added")
            return None
        if item.done:
            self._problem(f"{kind} for item {item_id!r} after its output_item.done")
            return None
        return item

    def _part(self, kind: str, item: _Item, event: Mapping[str, Any]) -> None:
        ci = event.get("content_index")
        if kind == "response.content_part.added":
            if ci in item.parts:
                self._problem(f"content part {ci!r} added twice")
            item.parts[ci] = "open"
            return
        if item.parts.get(ci) != "open":
            self._problem(f"{kind} for content part {ci!r} that is not open")
            return
        part_type = (event.get("part") or {}).get("type")
        needs = {"text": "response.output_text.done"}.get(str(part_type))
        if part_type == "audio":
            needs = "response.output_audio_transcript.done"
        if needs and (ci, needs) not in item.finished:
            self._problem(f"{kind} before {needs} of content part {ci!r}")
        item.parts[ci] = "done"


def delta_problems(events: Iterable[Any]) -> list[tuple[str, str, str]]:
    """``(where, concatenated deltas, done value)`` wherever they differ.

    Compared: ``output_text`` and ``output_audio_transcript`` deltas with their ``.done``,
    with the ``content_part.done`` part and with the item in ``response.done``;
    ``function_call_arguments`` deltas with their ``.done``. A ``.done`` without any delta is
    compared too (nothing streamed must mean an empty value)."""
    deltas: dict[tuple[Any, Any, str], list[str]] = {}
    dones: list[tuple[str, tuple[Any, Any, str], str]] = []
    final: dict[tuple[Any, Any, str], str] = {}
    for event in events:
        if not isinstance(event, Mapping):
            continue
        kind = str(event.get("type"))
        if kind.endswith(".delta") and kind != "response.output_audio.delta":
            family = kind[: -len(".delta")]
            key = (event.get("item_id"), event.get("content_index"), family)
            deltas.setdefault(key, []).append(str(event.get("delta", "")))
        elif kind in _TEXTUAL_DONE:
            family, attr = _TEXTUAL_DONE[kind][0][: -len(".delta")], _TEXTUAL_DONE[kind][1]
            key = (event.get("item_id"), event.get("content_index"), family)
            dones.append((kind, key, str(event.get(attr, ""))))
        elif kind == "response.function_call_arguments.done":
            key = (event.get("item_id"), None, "response.function_call_arguments")
            dones.append((kind, key, str(event.get("arguments", ""))))
        elif kind == "response.content_part.done":
            part = event.get("part") or {}
            fam = {"text": "response.output_text", "audio": "response.output_audio_transcript"}
            part_family = fam.get(str(part.get("type")))
            attr = "text" if part.get("type") == "text" else "transcript"
            if part_family and part.get(attr) is not None:
                key = (event.get("item_id"), event.get("content_index"), part_family)
                dones.append((kind, key, str(part.get(attr))))
        elif kind == "response.done":
            for item in (event.get("response") or {}).get("output") or []:
                for ci, part in enumerate(item.get("content") or []):
                    for attr, family in (
                        ("text", "response.output_text"),
                        ("transcript", "response.output_audio_transcript"),
                    ):
                        if isinstance(part.get(attr), str):
                            final[(item.get("id"), ci, family)] = part[attr]
    for key, value in final.items():
        if key in deltas or any(k == key for _, k, _ in dones):
            dones.append(("response.done output", key, value))
    out = []
    for where, key, value in dones:
        joined = "".join(deltas.get(key, []))
        if joined != value:
            label = f"{where} (item {key[0]}, content_index {key[1]})"
            out.append((label, joined, value))
    return out
