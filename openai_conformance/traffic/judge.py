"""Judge one recorded exchange with the proxy's own checks, both directions.

``admissible(recorded, hosts)`` says why an exchange is not judged (a host that is not the
OpenAI API, a path outside ``/v1/``), or None; ``outside_contract`` the same for a 2xx answer
on a route the document does not have. ``await judge(recorded, calibration)`` replays
the recorded request through ``proxy.requestcheck.check_request`` (as a starlette request
built from the recording) and the recorded response through ``proxy.responsecheck``
(``response_failures``: status, content type, schema, error envelope, request id; a stream
event by event with the harness's ``SSEParser``), once against the calibrated contract and,
unless strict, once against the letter of the document; the difference is ``observed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request

from ..checks import event_types
from ..checks.failures import Failure
from ..proxy.attribution import CLIENT, side_of
from ..proxy.calibration import Calibration, Reading, observed_only
from ..proxy.evidence import build_exchange, request_secrets
from ..proxy.requestcheck import RequestVerdict, check_request
from ..proxy.responsecheck import response_failures
from ..wire.exchange import Exchange
from ..wire.sse import SSEEvent, SSEParser
from .formats import Recorded

OPENAI_HOSTS = ("api.openai.com",)
SSE = "text/event-stream"


@dataclass
class Judged:
    """The verdict on one exchange."""

    operation: str | None
    exchange: Exchange
    failures: list[Failure]
    observed: list[Failure] = field(default_factory=list)
    rejected: list[Failure] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)

    @property
    def labelled(self) -> list[tuple[str, Failure]]:
        return [("observed", f) for f in self.observed] + [("rejected", f) for f in self.rejected]


def admissible(rec: Recorded, hosts: tuple[str, ...] = OPENAI_HOSTS) -> str | None:
    """None when the exchange is judged; otherwise why not (counted in the report)."""
    parts = urlsplit(rec.url)
    if not parts.scheme or not parts.netloc:
        return f"URI not recorded ({rec.url[:40]!r}): host and path unknown"
    host = (parts.hostname or "").lower()
    if host not in hosts:
        return f"non-OpenAI host {host!r} (judged hosts: {', '.join(hosts)})"
    if not parts.path.startswith("/v1/"):
        return f"non-API path {parts.path!r} (the contract covers /v1/...)"
    if not rec.method:
        return "request without a method"
    return None


def outside_contract(rec: Recorded, calibration: Calibration) -> str | None:
    """Why a 2xx exchange on a path the contract does not have is not judged, or None.

    api.openai.com answers some routes the published document leaves out (the Agents SDK's
    ``POST /v1/traces/ingest`` tracing exporter): a recording of such a call says nothing
    about the contract either way, so it is counted as not judged (with the route) instead of
    failing ``request_path_conformance``. A known path with another method, and any non-2xx
    answer, are judged as usual (the proxy, judging live traffic, still flags unknown paths).
    """
    path = urlsplit(rec.url).path.removeprefix("/v1")
    if not 200 <= rec.status < 300 or calibration.judged.spec.path_exists(path):
        return None
    return f"route outside the contract ({rec.method} /v1{path}, answered {rec.status})"


def _request(rec: Recorded, headers: list[tuple[str, str]]) -> Request:
    parts = urlsplit(rec.url)
    scope: dict[str, Any] = {
        "type": "http",
        "http_version": "1.1",
        "method": rec.method,
        "scheme": parts.scheme or "https",
        "path": parts.path,
        "raw_path": parts.path.encode("latin-1", "replace"),
        "query_string": parts.query.encode("latin-1", "replace"),
        "root_path": "",
        "server": (parts.hostname or "api.openai.com", parts.port or 443),
        "client": ("127.0.0.1", 0),
        "headers": [
            (k.lower().encode("latin-1", "replace"), v.encode("latin-1", "replace"))
            for k, v in headers
        ],
    }
    body = rec.request_body

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive=receive)


def _request_headers(rec: Recorded) -> list[tuple[str, str]]:
    """Recorded headers; a content type the recorder dropped is inferred from a JSON body."""
    headers = list(rec.request_headers)
    ctype = next((v for k, v in headers if k.lower() == "content-type"), None)
    if rec.request_body and (ctype is None or "redacted" in ctype.lower()):
        try:
            json.loads(rec.request_body)
        except ValueError:
            return headers
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(("content-type", "application/json"))
        rec.notes.append("content-type not recorded; inferred application/json from the body")
    return headers


def _events(rec: Recorded) -> tuple[list[SSEEvent], list[Any]]:
    if rec.events is not None and b"...[truncated by openai-conformance" in rec.response_body:
        events = [
            SSEEvent(event=e.get("event"), data=str(e.get("data", "")), id=e.get("id"))
            for e in rec.events
        ]
        return events, []
    parser = SSEParser()
    events = parser.feed(rec.response_body)
    events += parser.close()
    return events, parser.findings


def _is_stream(rec: Recorded, verdict: RequestVerdict) -> bool:
    ctype = next((v for k, v in rec.response_headers if k.lower() == "content-type"), "")
    if ctype.split(";")[0].strip().lower() == SSE:
        return True
    if not (verdict.stream and rec.status < 300):
        return False
    # A stream recorded without its headers: the body itself says whether it is SSE.
    head = rec.response_body.lstrip()[:16]
    return head.startswith((b"data:", b"event:", b":"))


async def _once(rec: Recorded, reading: Reading) -> tuple[RequestVerdict, Exchange, list[Failure]]:
    headers = _request_headers(rec)
    verdict = await check_request(
        reading.spec, reading.validator, _request(rec, headers), rec.request_body
    )
    secrets = request_secrets(dict(headers))
    exchange = build_exchange(
        method=rec.method,
        url=rec.url,
        request_headers=dict(headers),
        request_body=rec.request_body,
        operation=verdict.operation_id,
        secrets=secrets,
    )
    exchange.status = rec.status
    exchange.reason = rec.reason
    exchange.headers = httpx.Headers(rec.response_headers)
    exchange.content = rec.response_body
    if _is_stream(rec, verdict):
        exchange.events, exchange.findings = _events(rec)
    failures = list(verdict.failures)
    failures += response_failures(exchange, verdict.operation, reading.ctx)
    return verdict, exchange, failures


def _split_rejected(rec: Recorded, failures: list[Failure]) -> tuple[list[Failure], list[Failure]]:
    """Request violations the API itself refused (4xx) agree with the contract: the server
    did its job and the recording shows it; they are findings labelled ``rejected``."""
    if not 400 <= rec.status < 500:
        return failures, []
    client = [
        replace(f, title=f"rejected by the API ({rec.status}), as the contract says: {f.title}")
        for f in failures
        if side_of(f) == CLIENT
    ]
    return [f for f in failures if side_of(f) != CLIENT], client


async def judge(rec: Recorded, calibration: Calibration) -> Judged:
    """Judge ``rec`` against the calibrated contract (and the letter, unless strict)."""
    verdict, exchange, failures = await _once(rec, calibration.judged)
    observed: list[Failure] = []
    if calibration.letter is not None:
        _, _, letter = await _once(rec, calibration.letter)
        observed = observed_only(failures, letter)
    failures, rejected = _split_rejected(rec, failures)
    types = event_types(exchange) if exchange.events is not None else []
    return Judged(verdict.operation_id, exchange, failures, observed, rejected, types)
