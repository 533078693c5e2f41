"""What one request/response looked like, as data: ``Exchange``, its evidence record, its curl.

An ``Exchange`` is built by ``ConformanceClient`` and is the only thing checks see of HTTP:

* ``request``: a ``RequestSummary`` already redacted (method, url, headers, body text);
* ``status``, ``reason``, ``headers`` (the real ``httpx.Headers``, for checks), ``content``;
* ``elapsed_ms``, ``retries`` (one ``RetryRecord`` per retried attempt), ``operation``;
* ``json()`` raises ``MalformedResponse`` when the body is not JSON (a FAIL, not a crash);
* ``curl()`` a reproducible, redacted curl line; ``to_record()`` the evidence record
  (``docs/architecture.md`` "Evidence record"), redacted and truncated.

Exceptions for what the target did, all ``errors.TargetError`` subclasses:

* ``TargetFailure`` and its subclasses (``MalformedResponse``, ``RequestTimeout``,
  ``StreamTimeout``; ``polling.PollTimeout``) mean *the target broke the contract while we
  were talking to it*: the plugin reports them as FAIL with ``.exchange`` as evidence.
* ``TargetUnreachable``, ``TargetTLSError``, ``TargetProtocolError`` mean we could not talk
  HTTP to it at all: the CLI prints the one-line message (exit 1).
"""

from __future__ import annotations

import hashlib
import json as jsonlib
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import TargetError
from .redact import REDACTED, redact_headers, redact_text

if TYPE_CHECKING:
    from .sse import FramingFinding, SSEEvent

BODY_LIMIT = 64 * 1024
TRUNCATION_MARKER = "...[truncated by openai-conformance: {total} bytes in total]"


def utc_now() -> str:
    """Fixed-width ISO-8601 UTC timestamp (sortable as a string)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def summarize_body(content: bytes, content_type: str | None, secrets: list[str]) -> str | None:
    """Body text for the evidence: redacted, truncated to 64 KiB, binary summarised."""
    if not content:
        return None
    ctype = (content_type or "").split(";")[0].strip().lower()
    textual = (
        ctype.startswith("text/")
        or ctype in ("", "application/x-www-form-urlencoded")
        or ("json" in ctype or "xml" in ctype or "event-stream" in ctype)
    )
    try:
        text = content[: BODY_LIMIT + 4].decode("utf-8") if textual else None
    except UnicodeDecodeError:
        text = content[:BODY_LIMIT].decode("utf-8", "replace") if ctype else None
    if text is None:
        digest = hashlib.sha256(content).hexdigest()[:16]
        return f"<binary: {len(content)} bytes, {ctype or 'no content-type'}, sha256 {digest}...>"
    text = redact_text(text[:BODY_LIMIT], secrets)
    if len(content) > BODY_LIMIT:
        text += TRUNCATION_MARKER.format(total=len(content))
    return text


@dataclass(frozen=True)
class RequestSummary:
    """The request as sent, redacted. ``body`` is text; ``form``/``files`` describe multipart."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None = None
    form: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, str, str], ...] = ()  # (field, filename, content type)

    def to_record(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body": self.body,
        }
        if self.form or self.files:
            out["form"] = [list(p) for p in self.form]
            out["files"] = [list(f) for f in self.files]
        return out


@dataclass(frozen=True)
class RetryRecord:
    """A retried attempt: the status that caused it (0: the connection was reset before any
    answer, a stale keep-alive connection; ``ConformanceClient`` reconnects once) and how long
    we waited."""

    status: int
    retry_after: str | None
    waited_s: float

    def to_record(self) -> dict[str, Any]:
        return {"status": self.status, "retry_after": self.retry_after, "waited_s": self.waited_s}


@dataclass
class Exchange:
    """One HTTP exchange (after retries). ``status`` is None when no response arrived."""

    request: RequestSummary
    status: int | None
    reason: str
    headers: httpx.Headers
    content: bytes
    elapsed_ms: float
    started_at: str
    operation: str | None = None
    retries: list[RetryRecord] = field(default_factory=list)
    error: str | None = None
    curl_line: str = ""
    secrets: list[str] = field(default_factory=list, repr=False)
    test_id: str | None = None
    # Filled for streams by StreamExchange: parsed events and framing findings.
    events: list[SSEEvent] | None = None
    findings: list[FramingFinding] | None = None
    websocket: dict[str, Any] | None = None
    events_dropped: int = 0  # stream events past the kept-bytes bound (counted, not kept)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or ``MalformedResponse`` naming content type and first bytes."""
        try:
            return jsonlib.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            head = redact_text(self.content[:200].decode("utf-8", "replace"), self.secrets)
            raise MalformedResponse(
                f"target returned non-JSON for {self.request.method} {self.request.url}: "
                f"HTTP {self.status}, content-type {self.content_type or '(none)'}, "
                f"first 200 bytes {head!r}"
                f" ({exc.__class__.__name__}: {redact_text(str(exc), self.secrets)})",
                exchange=self,
            ) from None

    def status_line(self) -> str:
        if self.status is None:
            return f"no response ({self.error})"
        return f"HTTP {self.status} {self.reason}".rstrip()

    def curl(self) -> str:
        return self.curl_line

    def to_record(self) -> dict[str, Any]:
        """The evidence record (redacted by construction; worker/seq added by the recorder)."""
        response = None
        if self.status is not None:
            response = {
                "status": self.status,
                "reason": self.reason,
                "headers": redact_headers(self.headers, self.secrets),
                "body": summarize_body(self.content, self.content_type, self.secrets),
                "elapsed_ms": round(self.elapsed_ms, 3),
            }
        stream: dict[str, Any] | None = None
        if self.events is not None:
            stream = {
                "events": [redact_event(e.to_record(), self.secrets) for e in self.events],
                "findings": [
                    {**f.to_record(), "detail": redact_text(f.detail, self.secrets)}
                    for f in self.findings or []
                ],
            }
            if self.events_dropped:
                stream["events_dropped"] = self.events_dropped
        return {
            "kind": "exchange",
            "test_id": self.test_id,
            "started_at": self.started_at,
            "operation": self.operation,
            "request": self.request.to_record(),
            "response": response,
            "stream": stream,
            "websocket": self.websocket,
            "retries": [r.to_record() for r in self.retries],
            "error": redact_text(self.error, self.secrets) if self.error else None,
            "curl": self.curl_line,
        }


def redact_event(record: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    data = record.get("data", "")
    if len(data) > BODY_LIMIT:
        data = data[:BODY_LIMIT] + TRUNCATION_MARKER.format(total=len(data))
    return {**record, "data": redact_text(data, secrets)}


def build_curl(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    *,
    json_body: Any = None,
    data: dict[str, Any] | None = None,
    files: list[tuple[str, str, str]] | None = None,
    raw_body: bytes | None = None,
) -> str:
    """A copy-pasteable curl line. ``headers`` must already be redacted/placeholdered.

    Values that reference ``$VARS`` are double-quoted so the shell expands them; everything
    else is single-quoted by ``shlex.quote``.
    """

    def q(value: str) -> str:
        if "$OPENAI_API_KEY" in value or "$OAIC_" in value:
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return shlex.quote(value)

    parts = ["curl", "-sS"]
    if method != "GET" or json_body is not None or data or files:
        parts += ["-X", method]
    parts.append(shlex.quote(url))
    for name, value in headers:
        parts += ["-H", q(f"{name}: {value}")]
    if json_body is not None:
        parts += ["--data-raw", shlex.quote(jsonlib.dumps(json_body, ensure_ascii=False))]
    elif files is not None:
        for key, val in (data or {}).items():
            for v in val if isinstance(val, list | tuple) else [val]:
                parts += ["-F", shlex.quote(f"{key}={v}")]
        for fieldname, filename, ctype in files or []:
            parts += ["-F", shlex.quote(f"{fieldname}=@{filename};type={ctype}")]
    elif data:
        for key, val in data.items():
            for v in val if isinstance(val, list | tuple) else [val]:
                parts += ["--data-urlencode", shlex.quote(f"{key}={v}")]
    elif raw_body:
        try:
            parts += ["--data-binary", shlex.quote(raw_body[:BODY_LIMIT].decode("utf-8"))]
        except UnicodeDecodeError:
            parts += ["--data-binary", "@body.bin"]
    return " ".join(parts)


class TargetFailure(TargetError):
    """The target broke the contract while we talked to it (the plugin reports FAIL).

    ``exchange`` is the evidence (may be None when the failure spans several exchanges).
    """

    def __init__(self, message: str, *, exchange: Exchange | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.exchange = exchange


class MalformedResponse(TargetFailure):
    """The body is not what its content type promises (non-JSON where JSON is required)."""


class RequestTimeout(TargetFailure):
    """No complete response within the read or total timeout (the target hung)."""


class RateLimited(TargetFailure):
    """Still 429/503 after our retries, and the target asks to wait longer than we allow
    (``Retry-After`` over ``retry_after_cap``): the request was never served (FAIL)."""


class StreamTimeout(TargetFailure):
    """A stream exceeded its idle or whole-stream deadline; carries the events so far."""

    def __init__(
        self,
        message: str,
        *,
        events: list[SSEEvent],
        kind: str,
        exchange: Exchange | None = None,
    ) -> None:
        super().__init__(message, exchange=exchange)
        self.events = events
        self.kind = kind  # "idle" | "total"


class WebSocketRejected(TargetFailure):
    """The WebSocket handshake got an HTTP answer instead of 101 (``status``: 404 = absent)."""

    def __init__(self, message: str, *, status: int, exchange: Exchange | None = None) -> None:
        super().__init__(message, exchange=exchange)
        self.status = status


class TargetUnreachable(TargetError):
    """Connection refused, DNS failure, connect timeout. ``exchange``: the attempt's evidence."""

    def __init__(self, message: str, *, exchange: Exchange | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.exchange = exchange


class TargetTLSError(TargetUnreachable):
    """TLS handshake or certificate verification failed."""


class TargetProtocolError(TargetUnreachable, TargetFailure):
    """The peer does not speak HTTP (garbage bytes instead of a status line, a response that
    overruns its Content-Length into the next one). A target fault: the plugin reports FAIL
    (it is a ``TargetFailure``); the CLI's reachability probe reports it as unreachable."""


class WebSocketProtocolError(TargetProtocolError):
    """The WebSocket handshake broke the protocol (wrong ``Sec-WebSocket-Accept``, a redirect,
    a malformed 101): a FAIL with the handshake as evidence."""


__all__ = [
    "REDACTED",
    "Exchange",
    "MalformedResponse",
    "RateLimited",
    "RequestSummary",
    "RequestTimeout",
    "RetryRecord",
    "StreamTimeout",
    "TargetFailure",
    "TargetProtocolError",
    "TargetTLSError",
    "TargetUnreachable",
    "WebSocketProtocolError",
    "WebSocketRejected",
    "build_curl",
    "summarize_body",
    "utc_now",
]
