"""Judge what the server returned with the harness's own named checks, attributed "server".

``response_failures(exchange, op, ctx)`` runs exactly what ``assert_conforms`` runs for the
suites (``checks.conformance_failures``: status, content type, schema, error envelope, request
id) for a plain response, and for a stream (the exchange carries ``events``) the status,
content-type, error-envelope and request-id checks plus ``stream_event_schema_conformance``
and ``sse_framing_conformance``. Every failure's title is prefixed "server returned: ".

A response to a request the client got wrong is still judged: a 4xx must be the error
envelope. A 2xx answer to a request the proxy found invalid is not a server failure by itself
(the server may be lenient); the client side already carries the finding.
"""

from __future__ import annotations

from ..checks import (
    CheckContext,
    conformance_failures,
    error_envelope_conformance,
    request_id_header_conformance,
    sse_framing_conformance,
    status_code_conformance,
    stream_event_schema_conformance,
)
from ..checks.failures import Failure
from ..checks.http import content_type_conformance
from ..contract import Operation
from ..wire.exchange import Exchange
from .attribution import SERVER, attribute


def response_failures(exchange: Exchange, op: Operation | None, ctx: CheckContext) -> list[Failure]:
    """Every way the response breaks the contract (empty: it conforms)."""
    if op is None or exchange.status is None:
        return []  # an unknown operation has no documented response to judge against
    if exchange.events is None:
        out = conformance_failures(exchange, op, ctx)
    else:
        out = status_code_conformance(exchange, op, ctx)
        out += content_type_conformance(exchange, op, ctx)
        if exchange.status >= 400:
            out += error_envelope_conformance(exchange, op, ctx)
        else:
            out += stream_event_schema_conformance(exchange, op, ctx)
            out += sse_framing_conformance(exchange, op, ctx)
        out += request_id_header_conformance(exchange, op, ctx)
    return [attribute(f, SERVER) for f in out]
