"""A uniform, read-only view of an exchange for the checks.

Checks accept the harness's ``Exchange`` / ``StreamExchange`` (openai_conformance.wire.client) and,
for unit tests, any object with the same attribute names. ``view(exchange)`` normalises the
few spellings that matter (``status``/``status_code``, ``reason``/``reason_phrase``, headers of
any mapping type) so a check never reaches into transport details.

Attributes read (all optional except the status): ``status``, ``reason``, ``headers``,
``content`` (bytes) or ``text``, ``curl()``, ``seq`` (evidence sequence number), ``operation``
(``Operation`` or "METHOD /path"), ``request.method``/``request.url`` (or ``method``/``url``),
``events`` (SSE events with ``.data``/``.event``) and ``findings`` (SSE framing findings with
``.kind``/``.detail``), ``stream`` (bool: the request asked for a stream).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .text import excerpt, redact

_UNSET: Any = object()


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = getattr(obj, name, _UNSET)
        if value is not _UNSET:
            return value
    return default


@dataclass
class ExchangeView:
    raw: Any
    status: int
    reason: str
    headers: dict[str, str]
    content: bytes
    seq: tuple[int, ...]
    operation_id: str | None
    method: str
    url: str
    events: list[Any] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    stream: bool = False
    _json: Any = field(default=_UNSET, repr=False)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The parsed body; raises ``ValueError`` when it is not JSON."""
        if self._json is _UNSET:
            text = self.content.decode("utf-8")  # UnicodeDecodeError is a ValueError
            self._json = json.loads(text)
        return self._json

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    @property
    def is_json(self) -> bool:
        try:
            self.json()
        except ValueError:
            return False
        return True

    def status_line(self) -> str:
        reason = self.reason
        if not reason:
            try:
                reason = HTTPStatus(self.status).phrase
            except ValueError:
                reason = ""
        ctype = self.headers.get("content-type", "(no content-type)")
        return f"HTTP {self.status} {reason}".rstrip() + f"  {ctype}"

    def excerpt(self) -> str:
        return excerpt(self.content)

    def curl(self) -> str | None:
        fn = getattr(self.raw, "curl", None)
        if not callable(fn):
            return None
        try:
            return redact(str(fn()))
        except Exception:  # a broken curl renderer must never hide the failure itself
            return None


def view(exchange: Any) -> ExchangeView:
    """Wrap ``exchange`` (idempotent: a view is returned as is)."""
    if isinstance(exchange, ExchangeView):
        return exchange
    status = _attr(exchange, "status", "status_code")
    if status is None:  # no response arrived (the harness records the error); never 2xx
        status = 0
    if not isinstance(status, int):
        raise TypeError(f"not an exchange (no integer status): {type(exchange).__name__}")
    raw_headers = _attr(exchange, "headers", default={}) or {}
    headers = {str(k).lower(): str(v) for k, v in dict(raw_headers).items()}
    content = _attr(exchange, "content", "body", default=None)
    if content is None:
        text = _attr(exchange, "text", default="")
        content = text.encode("utf-8") if isinstance(text, str) else b""
    elif isinstance(content, str):
        content = content.encode("utf-8")
    seq = _attr(exchange, "seq", "evidence_seq", default=None)
    if isinstance(seq, int):
        seqs: tuple[int, ...] = (seq,)
    elif isinstance(seq, list | tuple):
        seqs = tuple(int(s) for s in seq)
    else:
        seqs = ()
    op = _attr(exchange, "operation", default=None)
    op_id = getattr(op, "id", op) if op is not None else None
    request = _attr(exchange, "request", default=None)
    method = _attr(request, "method", default=None) or _attr(exchange, "method", default="")
    url = _attr(request, "url", default=None) or _attr(exchange, "url", default="")
    raw_events = _attr(exchange, "events", default=None)
    events = list(raw_events or [])
    findings = list(_attr(exchange, "findings", "framing_findings", default=None) or [])
    flag = _attr(exchange, "expect_stream", "is_stream", "stream", default=False)
    stream = flag is True or raw_events is not None  # the harness sets events for streams only
    return ExchangeView(
        raw=exchange,
        status=status,
        reason=str(_attr(exchange, "reason", "reason_phrase", default="") or ""),
        headers=headers,
        content=bytes(content),
        seq=seqs,
        operation_id=str(op_id) if op_id else None,
        method=str(method).upper(),
        url=str(url),
        events=events,
        findings=findings,
        stream=stream,
    )
