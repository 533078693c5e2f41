"""Named checks shared by every suite, and the domain assertions built on them.

Checks (``*_conformance(exchange, operation, ctx) -> list[Failure]``): status_code,
content_type, response_schema, error_envelope, request_id_header, auth, sse_framing,
stream_event_schema, timestamps, media_integrity, response_model, error_code. Assertions:
``assert_conforms``, ``assert_error``, ``raise_failures``. (UNSUPPORTED is the plugin's absence
rule, from the feature registry.)
"""

from .assertions import (
    assert_conforms,
    assert_error,
    conformance_failures,
    raise_failures,
)
from .context import CheckContext, default_context, set_default
from .exchange import ExchangeView, view
from .http import (
    auth_conformance,
    content_type_conformance,
    envelope_problems,
    error_envelope_conformance,
    request_id_header_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from .integrity import media_integrity_conformance
from .plausibility import (
    error_code_conformance,
    response_model_conformance,
    timestamps_conformance,
)
from .streams import event_types, sse_framing_conformance, stream_event_schema_conformance

CHECKS = {
    fn.__name__: fn
    for fn in (
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        error_envelope_conformance,
        request_id_header_conformance,
        auth_conformance,
        sse_framing_conformance,
        stream_event_schema_conformance,
        timestamps_conformance,
        media_integrity_conformance,
        response_model_conformance,
        error_code_conformance,
    )
}

__all__ = [
    "CHECKS",
    "CheckContext",
    "ExchangeView",
    "assert_conforms",
    "assert_error",
    "auth_conformance",
    "conformance_failures",
    "content_type_conformance",
    "default_context",
    "envelope_problems",
    "error_code_conformance",
    "error_envelope_conformance",
    "event_types",
    "media_integrity_conformance",
    "raise_failures",
    "request_id_header_conformance",
    "response_model_conformance",
    "response_schema_conformance",
    "set_default",
    "sse_framing_conformance",
    "status_code_conformance",
    "stream_event_schema_conformance",
    "timestamps_conformance",
    "view",
]
