"""Server-sent events, parsed exactly as the HTML standard says, with framing findings.

Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

``SSEParser`` is incremental: ``feed(bytes)`` returns the events completed by that chunk and
``close()`` ends the stream. It handles what real servers send:

* ``data:`` with or without the space after the colon (one leading space is stripped);
* several ``data:`` lines joined with ``\\n``; ``event:``, ``id:`` (ignored if it contains
  NUL), ``retry:`` (digits only);
* comments / keep-alives (``: ping``), CRLF, CR and LF line endings, a leading BOM;
* UTF-8 sequences and CRLF pairs split across chunk boundaries.

Leniency is what the standard mandates; strictness is reported, not enforced. Every
deviation a strict client (or the OpenAI SDKs) could trip over is recorded once per kind as a
``FramingFinding`` with a count, which the checks turn into SHOULD-level findings:

``data-without-space``  ``data:x`` instead of ``data: x``
``crlf`` / ``cr``        CRLF or bare-CR line endings
``comment``             comment lines (keep-alives)
``missing-trailing-blank-line``  the stream ended inside an event (the standard discards it)
``event-without-data``  an ``event:`` block that ends without data (never dispatched)
``unknown-field``       a line whose field name is not data/event/id/retry (ignored), e.g. a
                        bare JSON line: events run together without ``data:``

Performance: work is per line (``str.splitlines``-style regex split per chunk), never per byte.
"""

from __future__ import annotations

import codecs
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from .deadline import Deadline
from .exchange import Exchange, StreamTimeout

_LINE_END = re.compile(r"\r\n|\r|\n")
_DIGITS = re.compile(r"[0-9]+")
_KNOWN_FIELDS = frozenset({"data", "event", "id", "retry"})
EVENT_STREAM = "text/event-stream"
_RAW_LIMIT = 8 * 1024 * 1024  # raw stream bytes kept for evidence (records truncate further)
# Memory bounds whatever the target sends: events kept for the checks and the evidence (the
# rest are counted), the longest line and the largest event the parser buffers.
EVENTS_KEPT_BYTES = 4 * 1024 * 1024
LINE_LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event. ``event`` is None when no ``event:`` field was sent (the standard
    then calls it ``message``; see ``type``). ``raw`` is the event's lines as received."""

    event: str | None
    data: str
    id: str | None = None
    raw: str = ""
    retry: int | None = None

    @property
    def type(self) -> str:
        return self.event or "message"

    @property
    def is_done(self) -> bool:
        """The OpenAI chat-completions terminator ``data: [DONE]`` (not JSON)."""
        return self.data == "[DONE]"

    def json(self) -> Any:
        """The data parsed as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.data)

    def to_record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"data": self.data}
        if self.event is not None:
            out["event"] = self.event
        if self.id is not None:
            out["id"] = self.id
        if self.retry is not None:
            out["retry"] = self.retry
        return out


@dataclass
class FramingFinding:
    """A framing deviation: ``kind`` (see module doc), first occurrence ``detail``, ``count``."""

    kind: str
    detail: str
    count: int = 1

    def to_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "count": self.count}


@dataclass
class SSEParser:
    """Incremental event-stream parser (see module doc)."""

    events_seen: int = 0
    last_event_id: str | None = None
    retry: int | None = None
    _findings: dict[str, FramingFinding] = field(default_factory=dict)
    _decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))
    _pending: str = ""  # an incomplete line (no terminator yet), or a lone trailing "\r"
    _started: bool = False
    _closed: bool = False
    _data: list[str] = field(default_factory=list)
    _data_size: int = 0
    _event: str | None = None
    _id: str | None = None
    _raw: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[FramingFinding]:
        return list(self._findings.values())

    def _find(self, kind: str, detail: str) -> None:
        f = self._findings.get(kind)
        if f is None:
            self._findings[kind] = FramingFinding(kind, detail)
        else:
            f.count += 1

    def feed(self, chunk: bytes | str) -> list[SSEEvent]:
        """Consume a chunk; return the events it completed (possibly none)."""
        if self._closed:
            raise ValueError("SSEParser.feed() after close()")
        text = chunk if isinstance(chunk, str) else self._decoder.decode(chunk)
        if not text:
            return []
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        text = self._pending + text
        # A trailing "\r" may be the first half of a CRLF split over chunks: keep it pending.
        hold_cr = text.endswith("\r")
        if hold_cr:
            text = text[:-1]
        parts = _LINE_END.split(text)
        self._pending = parts.pop() + ("\r" if hold_cr else "")
        if len(self._pending) > LINE_LIMIT:
            # A line without end: keep its start (for the finding), drop the rest.
            self._find("line-too-long", f"a line over {LINE_LIMIT} characters (cut)")
            self._pending = self._pending[:LINE_LIMIT]
        if "\r" in text:
            self._note_cr(text)
        return self._lines(parts)

    def _note_cr(self, text: str) -> None:
        if "\r\n" in text:
            self._find("crlf", "CRLF line endings (allowed; some strict clients split on LF)")
        if re.search(r"\r(?!\n)", text):
            self._find("cr", "bare CR line endings (allowed; most clients mishandle them)")

    def close(self) -> list[SSEEvent]:
        """End of stream: process a pending line, discard an unfinished event (per standard)."""
        if self._closed:
            return []
        tail = self._decoder.decode(b"", final=True)
        events = self.feed(tail) if tail else []
        self._closed = True
        pending = self._pending
        self._pending = ""
        if pending.endswith("\r"):
            events += self._lines([pending[:-1]])
            pending = ""
        if pending or self._data or self._event is not None:
            raw = "\n".join([*self._raw, pending]) if pending else "\n".join(self._raw)
            self._find(
                "missing-trailing-blank-line",
                f"stream ended inside an event (not dispatched, as the standard requires): "
                f"{raw[:200]!r}",
            )
        self._reset()
        return events

    def _reset(self) -> None:
        self._data = []
        self._data_size = 0
        self._event = None
        self._raw = []

    def _lines(self, lines: list[str]) -> list[SSEEvent]:
        out: list[SSEEvent] = []
        for line in lines:
            if not line:
                ev = self._dispatch()
                if ev is not None:
                    out.append(ev)
                continue
            if len(self._raw) < 100:
                self._raw.append(line[:1024])
            if line[0] == ":":
                self._find("comment", f"comment/keep-alive line {line[:80]!r}")
                continue
            name, sep, value = line.partition(":")
            if sep and value[:1] == " ":
                value = value[1:]
            if name == "data":
                if sep and len(line) > 5 and line[5] != " ":
                    self._find("data-without-space", f"{line[:80]!r} (expected 'data: ...')")
                self._data_size += len(value) + 1
                if self._data_size <= LINE_LIMIT:  # an event of a million lines: bounded
                    self._data.append(value)
                else:
                    self._find("event-too-large", f"an event over {LINE_LIMIT} characters (cut)")
            elif name == "event":
                self._event = value
            elif name == "id":
                if "\0" not in value:
                    self._id = value
            elif name == "retry":
                if _DIGITS.fullmatch(value):
                    self.retry = int(value)
            else:
                self._find("unknown-field", f"line with unknown field ignored: {line[:120]!r}")
        return out

    def _dispatch(self) -> SSEEvent | None:
        if self._id is not None:
            self.last_event_id = self._id
            self._id = None
        if not self._data:
            if self._event is not None:
                self._find(
                    "event-without-data",
                    f"'event: {self._event}' block without data (never dispatched)",
                )
            self._reset()
            return None
        ev = SSEEvent(
            event=self._event,
            data="\n".join(self._data),
            id=self.last_event_id,
            raw="\n".join(self._raw),
            retry=self.retry,
        )
        self.events_seen += 1
        self._reset()
        return ev


def iter_events(
    chunks: Iterable[bytes | str], parser: SSEParser | None = None
) -> Iterator[SSEEvent]:
    """Events from an iterable of chunks (ends the stream when the iterable ends)."""
    p = parser or SSEParser()
    for chunk in chunks:
        yield from p.feed(chunk)
    yield from p.close()


def parse_sse(payload: bytes | str) -> tuple[list[SSEEvent], list[FramingFinding]]:
    """Parse a whole stream at once: (events, findings)."""
    p = SSEParser()
    events = p.feed(payload) + p.close()
    return events, p.findings


def is_event_stream(content_type: str | None) -> bool:
    """True when a Content-Type header names ``text/event-stream`` (parameters ignored)."""
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == EVENT_STREAM


class StreamExchange:
    """An open streamed response (from ``ConformanceClient.stream``) read under deadlines.

    ``events()`` yields ``SSEEvent``s as chunks arrive. The idle deadline is the httpx read
    timeout (``stream_idle``); the whole-stream deadline (``stream_total``) is wall clock,
    enforced on every read (``deadline``). Either raises ``StreamTimeout`` carrying the
    events so far — a FAIL with evidence, never a hang. Memory is bounded whatever the target
    sends: events past ``EVENTS_KEPT_BYTES`` are counted (``events_dropped``), not kept.
    A connection dropped mid-stream ends the iteration
    with the finding ``connection-dropped`` and ``exchange.error`` set (the checks then see
    the missing terminal event). ``read()``/``json()`` read a non-stream body instead (e.g.
    a 400 error envelope, or a server that ignored ``stream: true``).
    """

    def __init__(
        self,
        exchange: Exchange,
        response: httpx.Response,
        *,
        started: float,
        idle_s: float,
        total_s: float,
        clock: Callable[[], float] = time.monotonic,
        deadline: Deadline | None = None,
    ) -> None:
        self.exchange = exchange
        self.response = response
        self.parser = SSEParser()
        self.events_so_far: list[SSEEvent] = []
        self._raw = bytearray()
        self._started = started
        self._idle_s = idle_s
        self._total_s = total_s
        self._clock = clock
        self._deadline = deadline
        self._kept_bytes = 0
        self.events_dropped = 0  # events past EVENTS_KEPT_BYTES: counted, not kept
        self._consumed = False
        self._finished = False
        exchange.events = self.events_so_far

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def content_type(self) -> str | None:
        return self.response.headers.get("content-type")

    @property
    def is_event_stream(self) -> bool:
        return is_event_stream(self.content_type)

    @property
    def findings(self) -> list[FramingFinding]:
        return self.parser.findings

    def _timeout(self, kind: str, what: str) -> StreamTimeout:
        self.exchange.error = f"stream {kind} deadline: {what}"
        return StreamTimeout(
            f"{self.exchange.request.method} {self.exchange.request.url}: stream {what} "
            f"after {len(self.events_so_far)} event(s)",
            events=list(self.events_so_far),
            kind=kind,
            exchange=self.exchange,
        )

    def _over_total(self) -> bool:
        if self._deadline is not None:
            return self._deadline.expired()
        return self._clock() - self._started > self._total_s

    def _keep(self, ev: SSEEvent) -> None:
        """Keep the event for the checks and the evidence, within EVENTS_KEPT_BYTES."""
        size = len(ev.data) + len(ev.raw)
        if self._kept_bytes + size > EVENTS_KEPT_BYTES:
            if not self.events_dropped:
                self.parser._find(
                    "events-not-kept",
                    f"the stream exceeded {EVENTS_KEPT_BYTES} bytes of events: later events"
                    " are counted, not kept",
                )
            self.events_dropped += 1
            return
        self._kept_bytes += size
        self.events_so_far.append(ev)

    def _chunks(self) -> Iterator[bytes]:
        if self._consumed:
            return
        self._consumed = True
        try:
            for chunk in self.response.iter_bytes():
                if len(self._raw) < _RAW_LIMIT:
                    self._raw += chunk[: _RAW_LIMIT - len(self._raw)]
                yield chunk
                if self._over_total():
                    raise self._timeout("total", f"exceeded its {self._total_s}s total deadline")
        except httpx.TimeoutException:
            if self._over_total():
                raise self._timeout(
                    "total", f"exceeded its {self._total_s}s total deadline"
                ) from None
            raise self._timeout(
                "idle", f"sent nothing for {self._idle_s}s (idle deadline)"
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            self.exchange.error = f"connection dropped mid-stream: {exc}"
            self.parser._find("connection-dropped", f"connection dropped mid-stream: {exc}")

    def events(self) -> Iterator[SSEEvent]:
        """Parse and yield events until the stream ends (see class doc for deadlines)."""
        for chunk in self._chunks():
            for ev in self.parser.feed(chunk):
                self._keep(ev)
                yield ev
        if not self.parser._closed:
            for ev in self.parser.close():
                self._keep(ev)
                yield ev

    def read(self) -> bytes:
        """The rest of the body as bytes, under the same deadlines (for non-SSE answers)."""
        for _ in self._chunks():
            pass
        return bytes(self._raw)

    def json(self) -> Any:
        self.read()
        self.exchange.content = bytes(self._raw)
        return self.exchange.json()

    def finish(self) -> None:
        """Close the response and complete the exchange's evidence (idempotent)."""
        if self._finished:
            return
        self._finished = True
        self.response.close()
        self.exchange.content = bytes(self._raw)
        self.exchange.findings = self.parser.findings
        self.exchange.events_dropped = self.events_dropped
        self.exchange.elapsed_ms = (self._clock() - self._started) * 1000
