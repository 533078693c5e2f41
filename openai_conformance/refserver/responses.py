"""Building replies: JSON bodies, error envelopes, and the generic response faults.

``json_response(payload, status, faults)`` is what handlers use (directly or via
``ctx.respond``). Body-shape faults are applied later, in one place, by the dispatcher
(``apply_response_faults``) because they need the operation's response schema; the only fault
``json_response`` itself honours is ``wrong-content-type`` so that a handler-built response
carries it even when sent outside the dispatcher.

Error replies are always ``{"error": {"message", "type", "param", "code"}}`` unless an error
fault (``error-flat-envelope``, ``error-status-200``, ``html-error-page``) is active.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from ..contract import Operation, Spec
from ..contract.envelope import ApiError
from ..contract.schemautil import has_enum, object_shape
from .faults import declare

JSON_TYPE = "application/json"

MISSING_REQUIRED_FIELD = declare(
    "missing-required-field",
    "JSON success bodies lose the first required top-level field of their response schema "
    "(never `error`).",
    "response_schema_conformance",
)
WRONG_TYPE = declare(
    "wrong-type",
    "The first integer/number field of a JSON success body is sent as a string.",
    "response_schema_conformance",
)
WRONG_ENUM = declare(
    "wrong-enum",
    "The first enum-valued field of a JSON success body is set to 'not-a-valid-value'.",
    "response_schema_conformance",
    breaks=["core/models-list", "core/response-schema"],
)
WRONG_OBJECT = declare(
    "wrong-object",
    "The `object` field of a JSON success body gets a wrong constant.",
    "response_schema_conformance, object_type_conformance",
)
#: Every core requirement that judges an error body: an error that is not the envelope breaks
#: them all (shared by the faults that replace the envelope).
ENVELOPE_REQUIREMENTS = [
    "core/auth-401",
    "core/auth-required",
    "core/error-code-documented",
    "core/error-envelope",
    "core/malformed-json-400",
    "core/invalid-request-400",
    "core/invalid-request-param",
    "core/unknown-model-404",
    "core/unknown-route-404",
]
ERROR_FLAT_ENVELOPE = declare(
    "error-flat-envelope",
    "Error bodies are `{message, code}` without the `error` wrapper.",
    "error_envelope_conformance",
    breaks=ENVELOPE_REQUIREMENTS,
)
ERROR_STATUS_200 = declare(
    "error-status-200",
    "Errors are sent with HTTP status 200 (body unchanged).",
    "error_status_conformance",
)
WRONG_CONTENT_TYPE = declare(
    "wrong-content-type",
    "JSON bodies are sent with Content-Type text/plain.",
    "content_type_conformance",
    breaks=["core/content-type", "core/models-list"],
)
MISSING_REQUEST_ID = declare(
    "missing-request-id",
    "Responses are sent without the `x-request-id` header.",
    "request_id_header_conformance",
    breaks=["core/request-id-header"],
)
HTML_ERROR_PAGE = declare(
    "html-error-page",
    "Errors are sent as a text/html page instead of the JSON envelope.",
    "error_envelope_conformance, content_type_conformance",
    breaks=ENVELOPE_REQUIREMENTS,
)
ERROR_CODE_STATUS = declare(
    "error-code-status",
    'Error envelopes carry the HTTP status as their code (`"404"`) instead of its name.',
    "error_code_conformance",
    breaks=["core/error-code", "core/error-code-documented"],
)
RESPONSE_MODEL_SUBSTITUTED = declare(
    "response-model-substituted",
    "JSON success bodies name another model (`oaic-substituted-model`) than the one requested.",
    "response_model_conformance",
    breaks=["core/response-model"],
)
TIMESTAMPS_MILLISECONDS = declare(
    "timestamps-milliseconds",
    "`created`/`created_at` of JSON success bodies are sent in milliseconds.",
    "timestamps_conformance",
    breaks=["core/timestamps"],
)

WRONG_ENUM_VALUE = "not-a-valid-value"
SUBSTITUTED_MODEL = "oaic-substituted-model"
WRONG_OBJECT_VALUE = "not.the.right.object"


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as starlette's JSONResponse renders it (NaN is an error)."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def json_response(
    payload: Any,
    status: int = 200,
    faults: frozenset[str] = frozenset(),
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON reply. ``faults`` is the set active for the request (only content type is used)."""
    media = "text/plain" if WRONG_CONTENT_TYPE in faults else JSON_TYPE
    return Response(dumps(payload), status_code=status, media_type=media, headers=headers)


def error_response(error: ApiError, faults: frozenset[str] = frozenset()) -> Response:
    """The error envelope for ``error``, with the error faults applied."""
    return json_response(error.envelope(), status=error.status, faults=faults)


def error_payload(status: int, message: str, **kw: Any) -> Response:
    """Shorthand for ``error_response(ApiError(...))`` without faults."""
    return error_response(ApiError(status, message, **kw))


# --------------------------------------------------------------------------- faults


def _break_body(body: Any, op: Operation, spec: Spec, faults: frozenset[str]) -> Any:
    if not isinstance(body, dict):
        return body
    schema = (op.response_for(200) or op.response_for(201) or {}).get(JSON_TYPE, {})
    shape = object_shape(spec, schema)
    props, required = shape.get("properties", {}), shape.get("required", [])
    body = dict(body)
    if MISSING_REQUIRED_FIELD in faults:
        present = [f for f in required if f in body and f != "error"]
        victim = present[0] if present else next((k for k in body if k != "error"), None)
        if victim is not None:
            body.pop(victim)
    if WRONG_TYPE in faults:
        victim = next(
            (k for k, v in body.items() if isinstance(v, int | float) and not isinstance(v, bool)),
            None,
        )
        if victim is not None:
            body[victim] = str(body[victim])
        else:  # no numeric field: a boolean or string swapped for a number still breaks type
            victim = next((k for k, v in body.items() if isinstance(v, bool | str)), None)
            if victim is not None:
                body[victim] = 12345 if isinstance(body[victim], str) else "true"
    if WRONG_ENUM in faults:
        victim = next((k for k in body if k in props and has_enum(spec, props[k])), None)
        body[victim or "object"] = WRONG_ENUM_VALUE
    if WRONG_OBJECT in faults:
        body["object"] = WRONG_OBJECT_VALUE
    if RESPONSE_MODEL_SUBSTITUTED in faults and isinstance(body.get("model"), str):
        body["model"] = SUBSTITUTED_MODEL
    if TIMESTAMPS_MILLISECONDS in faults:
        for key in ("created", "created_at"):
            if isinstance(body.get(key), int) and not isinstance(body[key], bool):
                body[key] = body[key] * 1000
    return body


_HTML = (
    "<!DOCTYPE html><html><head><title>{status} Error</title></head>"
    "<body><h1>{status}</h1><p>{message}</p></body></html>"
)


def apply_response_faults(
    response: Response, op: Operation | None, spec: Spec, faults: frozenset[str]
) -> Response:
    """Rewrite ``response`` per the active generic faults; a no-op when none applies.

    Only buffered JSON responses are touched (streams and binary bodies pass through).
    """
    if not faults or not hasattr(response, "body"):
        return response
    ctype = response.headers.get("content-type", "")
    if not ctype.startswith((JSON_TYPE, "text/plain")):
        return response
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        return response
    status = response.status_code
    is_error = status >= 400 and isinstance(body, dict) and isinstance(body.get("error"), dict)
    headers = {
        k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")
    }
    if is_error:
        err = body["error"]
        if HTML_ERROR_PAGE in faults:
            page = _HTML.format(status=status, message=str(err.get("message", "")))
            return Response(page, status_code=status, media_type="text/html", headers=headers)
        if ERROR_CODE_STATUS in faults:
            err = body["error"] = {**err, "code": str(status)}
        if ERROR_FLAT_ENVELOPE in faults:
            body = {"message": err.get("message"), "code": err.get("code")}
        if ERROR_STATUS_200 in faults:
            status = 200
    elif 200 <= status < 300 and op is not None:
        body = _break_body(body, op, spec, faults)
    media = "text/plain" if WRONG_CONTENT_TYPE in faults else JSON_TYPE
    return Response(dumps(body), status_code=status, media_type=media, headers=headers)
