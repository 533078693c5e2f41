"""Turn one proxied request/response into the harness's ``Exchange`` (redacted by construction).

The proxy sees raw bytes and headers; the checks and the EvidenceRecorder see exactly what they
see for the harness's own client: an ``exchange.Exchange`` with a redacted ``RequestSummary``,
the real response headers, the body, SSE events/findings or a WebSocket transcript, and a curl
line in which the API key is the placeholder ``$OPENAI_API_KEY``.

``request_secrets(headers)`` extracts the credentials a client sent (``Authorization: Bearer``,
``api-key``, any secret-looking header): they are forwarded upstream but only ever recorded as
``[REDACTED]``, and registered with ``failures.register_secrets`` so no failure text shows them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from ..checks.failures import register_secrets
from ..wire.exchange import Exchange, RequestSummary, build_curl, summarize_body, utc_now
from ..wire.redact import SECRET_HEADERS, looks_secret, redact_headers, redact_text, redact_url

KEY_PLACEHOLDER = "$OPENAI_API_KEY"
# Headers the proxy adds or that only describe the hop (never part of the reproduction).
_SKIP_IN_CURL = frozenset({"host", "content-length", "connection", "accept-encoding"})


def request_secrets(headers: Mapping[str, str]) -> list[str]:
    """Every credential value in the request headers (registered for redaction)."""
    out: list[str] = []
    for name, value in headers.items():
        key = name.lower()
        if key == "authorization":
            token = value.partition(" ")[2].strip() or value.strip()
            out.append(token)
        elif key in SECRET_HEADERS or looks_secret(key, value):
            out.append(value)
    out = [s for s in out if len(s) >= 4]
    register_secrets(out)
    return out


def _curl_headers(headers: Mapping[str, str], secrets: list[str]) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    for name, value in headers.items():
        key = name.lower()
        if key in _SKIP_IN_CURL or key.startswith("x-oaic-"):
            continue
        if key == "authorization":
            shown.append(("Authorization", f"Bearer {KEY_PLACEHOLDER}"))
        elif key == "api-key":
            shown.append(("api-key", KEY_PLACEHOLDER))
        else:
            shown.append((name, redact_headers({key: value}, secrets)[key]))
    return shown


def build_exchange(
    *,
    method: str,
    url: str,
    request_headers: Mapping[str, str],
    request_body: bytes,
    operation: str | None,
    secrets: list[str],
    started_at: str | None = None,
) -> Exchange:
    """An Exchange for a request the proxy received (response fields filled by ``respond``)."""
    ctype = request_headers.get("content-type")
    body = summarize_body(request_body, ctype, secrets)
    safe_url = redact_url(url, secrets)
    summary = RequestSummary(
        method=method,
        url=safe_url,
        headers=redact_headers(dict(request_headers), secrets),
        body=body,
    )
    curl = build_curl(
        method,
        safe_url,
        _curl_headers(request_headers, secrets),
        raw_body=request_body or None,
    )
    return Exchange(
        request=summary,
        status=None,
        reason="",
        headers=httpx.Headers(),
        content=b"",
        elapsed_ms=0.0,
        started_at=started_at or utc_now(),
        operation=operation,
        curl_line=redact_text(curl, secrets),
        secrets=secrets,
    )


def respond(
    exchange: Exchange,
    *,
    status: int,
    reason: str,
    headers: httpx.Headers,
    content: bytes,
    started: float,
) -> Exchange:
    """Fill the response side of ``exchange`` (``started``: ``time.perf_counter()`` at send)."""
    exchange.status = status
    exchange.reason = reason
    exchange.headers = headers
    exchange.content = content
    exchange.elapsed_ms = (time.perf_counter() - started) * 1000
    return exchange
