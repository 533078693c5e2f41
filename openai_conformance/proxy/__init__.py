"""The validating reverse proxy (``oaic proxy``): checks what a client sends and gets.

Modules, one job each::

    server.py         ValidatingProxy: background uvicorn, embedded reference upstream, stop
    app.py            the ASGI app: forward HTTP, relay SSE unbuffered, --reject, judge after
    realtime.py       the /v1/realtime WebSocket relay, client and server events validated
    requestcheck.py   a request against the contract (path, parameters, content type, body)
    responsecheck.py  a response through the harness's named checks (checks/)
    attribution.py    "client sent" vs "server returned"
    evidence.py       proxied request/response -> harness Exchange (redacted), credentials
    session.py        observations grouped per operation -> TestResults -> reports
    cli.py            ``oaic proxy`` (runs until SIGINT/SIGTERM)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import ValidatingProxy
    from .session import ProxySession

__all__ = ["ProxySession", "ValidatingProxy"]


def __getattr__(name: str) -> Any:
    if name == "ValidatingProxy":
        from .server import ValidatingProxy

        return ValidatingProxy
    if name == "ProxySession":
        from .session import ProxySession

        return ProxySession
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
