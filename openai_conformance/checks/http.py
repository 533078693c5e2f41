"""The generic checks every response is judged by: status, content type, schema, error envelope.

Each check is ``name_conformance(exchange, operation, ctx) -> list[Failure]``: an empty list
means the exchange conforms; every Failure names its check, requirement id and level, and
carries the exchange's status line, redacted body excerpt, curl and evidence seq. Checks never
raise on target behaviour (garbage bodies are findings, not crashes); ``operation`` may be None,
then it is inferred from the request URL where a check needs it.

Requirement ids live in spec/requirements/core.yaml.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..contract import Operation
from .context import CheckContext
from .exchange import ExchangeView, view
from .failures import Failure, show

JSON = "application/json"
SSE = "text/event-stream"
# Envelope keys and the JSON types they may have (the ErrorResponse/Error components).
_ENVELOPE: dict[str, tuple[tuple[type, ...], str]] = {
    "message": ((str,), "string"),
    "type": ((str,), "string"),
    "param": ((str, type(None)), "string or null"),
    "code": ((str, type(None)), "string or null"),
}


def _op(exchange: ExchangeView, operation: Operation | str | None, ctx: CheckContext) -> Any:
    if operation is not None:
        return ctx.operation(operation)
    if exchange.operation_id:
        try:
            return ctx.spec.operation(exchange.operation_id)
        except KeyError:
            pass
    return ctx.operation_for(exchange.method, exchange.url) if exchange.url else None


def _failure(v: ExchangeView, op: Operation | None, **kw: Any) -> Failure:
    kw.setdefault("operation", op.id if op is not None else v.operation_id)
    return Failure(**kw).with_exchange(v)


def media_matches(actual: str, documented: str) -> bool:
    """Does the received media type satisfy a documented one?

    Exact match, ``type/*`` and ``*/*`` wildcards, and ``application/octet-stream``, which the
    document uses for "arbitrary bytes" (speech audio, file content) and therefore accepts any
    concrete binary type the server names (``audio/mpeg``, ``application/jsonl`` ...).
    """
    actual, documented = actual.lower(), documented.lower()
    if documented in (actual, "*/*") or documented == "application/octet-stream":
        return bool(actual) or documented == actual
    if documented.endswith("/*"):
        return actual.startswith(documented[:-1])
    return False


def is_json_media(media: str) -> bool:
    """``application/json`` and ``+json`` types (JSON Lines is a stream of documents, not one)."""
    media = media.lower()
    return media == JSON or media.endswith("+json")


def received_media(actual: str, content: dict[str, Any]) -> str | None:
    """The documented media type a response's Content-Type is an instance of: exact match
    first, then the wildcards of ``media_matches`` (None: not documented for the status).

    A response without a Content-Type is judged as the operation's JSON, if it has one: the
    missing header is content_type_conformance's finding, the body is still checked.
    """
    if not actual:
        return JSON if JSON in content else None
    if actual.lower() in {c.lower() for c in content}:
        return next(c for c in content if c.lower() == actual.lower())
    return next((c for c in content if media_matches(actual, c)), None)


def status_code_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """The status is documented for the operation (4XX/5XX through the error convention),
    and never 5xx: a server error is a failure whatever the request (valid input must succeed,
    invalid input must get a 4xx)."""
    v = view(exchange)
    op = _op(v, operation, ctx)
    out: list[Failure] = []
    if v.status >= 500:
        out.append(
            _failure(
                v,
                op,
                title=f"server error {v.status}",
                check="status_code_conformance",
                requirement="core/no-server-error",
                message=f"the target answered {v.status}; a request must never cause a 5xx",
                expected="2xx (valid input) or 4xx (invalid input)",
                actual=str(v.status),
            )
        )
    elif op is not None and op.response_for(v.status) is None:
        documented = ", ".join(op.documented_statuses()) or "nothing"
        out.append(
            _failure(
                v,
                op,
                title=f"undocumented status {v.status}",
                check="status_code_conformance",
                requirement="core/documented-status",
                message=f"status {v.status} is not documented for {op.id}",
                expected=f"one of {documented}",
                actual=str(v.status),
            )
        )
    return out


def content_type_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """The Content-Type is a documented media type for the status; streams are
    ``text/event-stream``; error statuses are JSON (the envelope)."""
    v = view(exchange)
    op = _op(v, operation, ctx)
    actual = v.content_type
    if v.stream and v.status < 300:
        allowed = [SSE]
    elif v.status >= 400:
        allowed = [JSON]
    elif op is not None and (content := op.response_for(v.status)) is not None:
        allowed = [c for c in content if c != SSE] or list(content)
    else:
        return []  # status not documented: status_code_conformance reports it
    if not allowed:
        if v.content and not actual:
            allowed = ["(a Content-Type for the body)"]
        else:
            return []  # nothing documented and nothing sent
    if any(media_matches(actual, a) for a in allowed):
        return []
    return [
        _failure(
            v,
            op,
            title=f"wrong content type {actual or '(none)'}",
            check="content_type_conformance",
            requirement="core/content-type",
            message=f"Content-Type {actual or '(missing)'} is not documented for status {v.status}",
            expected=" | ".join(allowed),
            actual=v.headers.get("content-type", "(missing)"),
        )
    ]


def response_schema_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """The JSON body validates against the schema of the media type actually received (binary
    and text types are judged by type only, by content_type_conformance); one Failure per
    violation, each with the JSON pointer of the bad value (unions are
    validated against the variant their discriminator selects)."""
    v = view(exchange)
    op = _op(v, operation, ctx)
    if op is None or v.stream:
        return []  # streams: stream_event_schema_conformance
    content = op.response_for(v.status)
    if not content:
        return []
    media = received_media(v.content_type, content)
    if media is None and JSON in content:
        # Undocumented type where JSON is documented: a JSON body is judged by its schema; any
        # other body (an HTML login page with 200) is no JSON document at all, a FAIL here too
        # (a test that checks only the schema must not pass on it).
        media = JSON
    if media is None or not is_json_media(media):
        # Judged by type only: a documented binary/text media type has no JSON schema; a
        # non-JSON body of an undocumented type is content_type_conformance's finding alone.
        return []
    schema = content[media]
    if not schema:
        return []
    try:
        body = v.json()
    except ValueError:
        return [
            _failure(
                v,
                op,
                title="body is not JSON",
                check="response_schema_conformance",
                requirement="core/response-schema",
                pointer="",
                message=f"the {v.status} body is documented as JSON but does not parse",
                expected="a JSON document",
                actual=show(v.content[:80].decode("utf-8", "replace")),
            )
        ]
    return [
        _failure(
            v,
            op,
            title=f"schema violation at {viol.pointer or '/'}",
            check="response_schema_conformance",
            requirement="core/response-schema",
            pointer=viol.pointer,
            message=viol.message,
            expected=_expected(viol),
            actual=show(viol.actual) if viol.actual is not None else None,
        )
        for viol in ctx.validator.validate(body, schema)
    ]


def _expected(viol: Any) -> str | None:
    if viol.keyword == "enum" and isinstance(viol.expected, list):
        return "one of " + "|".join(str(e) for e in viol.expected)
    if viol.keyword == "const":
        return show(viol.expected)
    if viol.keyword == "type":
        exp = viol.expected
        return "type " + ("|".join(exp) if isinstance(exp, list) else str(exp))
    if viol.keyword == "required":
        return "the property present"
    return None


def envelope_problems(body: Any) -> list[tuple[str, str, str, str]]:
    """Ways ``body`` is not ``{"error": {message, type, param, code}}``:
    ``(pointer, message, expected, actual)`` tuples; empty when it is the envelope."""
    if not isinstance(body, dict):
        return [("", "the body is not a JSON object", "an object", show(body))]
    err = body.get("error")
    if "error" not in body:
        keys = ", ".join(sorted(body)) or "none"
        return [("/error", "'error' is a required property", "an 'error' object", f"keys {keys}")]
    if not isinstance(err, dict):
        return [("/error", "'error' is not an object", "an object", show(err))]
    out = []
    for key, (types, name) in _ENVELOPE.items():
        if key not in err:
            out.append((f"/error/{key}", f"{key!r} is a required property", name, "absent"))
        elif not isinstance(err[key], types) or isinstance(err[key], bool):
            out.append((f"/error/{key}", f"{key!r} is not of type {name}", name, show(err[key])))
    return out


def looks_like_error(body: Any) -> bool:
    """A body that is an error report (the envelope, or a flat ``{"message", "code"}``)."""
    if not isinstance(body, dict) or not body:
        return False
    if set(body) == {"error"} and isinstance(body["error"], dict | str):
        return True
    return set(body) <= {"message", "code", "type", "param", "status", "detail"} and (
        "message" in body or "detail" in body
    )


def error_envelope_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """Every 4xx/5xx is JSON ``{"error": {"message": str, "type": str, "param": str|null,
    "code": str|null}}``; an error body sent with a 2xx status is a failure too."""
    v = view(exchange)
    op = _op(v, operation, ctx)
    req = "core/error-envelope"
    check = "error_envelope_conformance"
    if v.status < 400:
        body = v.json_or_none() if not v.stream else None
        if 200 <= v.status < 300 and looks_like_error(body):
            schema_ok = False
            if op is not None and (content := op.response_for(v.status)) and JSON in content:
                schema_ok = ctx.validator.is_valid(body, content[JSON])
            if not schema_ok:
                return [
                    _failure(
                        v,
                        op,
                        title=f"error reported with status {v.status}",
                        check=check,
                        requirement=req,
                        pointer="",
                        message="the body is an error report but the status is a success",
                        expected="a 4xx/5xx status for an error",
                        actual=f"{v.status} with {show(body)}",
                    )
                ]
        return []
    if not v.is_json:
        return [
            _failure(
                v,
                op,
                title=f"error {v.status} is not JSON",
                check=check,
                requirement=req,
                pointer="",
                message=f"the {v.status} error body is not JSON ({v.content_type or 'no type'})",
                expected='{"error": {"message", "type", "param", "code"}}',
                actual=show(v.content[:80].decode("utf-8", "replace")),
            )
        ]
    return [
        _failure(
            v,
            op,
            title=f"error envelope: {msg}",
            check=check,
            requirement=req,
            pointer=pointer,
            message=msg,
            expected=expected,
            actual=actual,
        )
        for pointer, msg, expected, actual in envelope_problems(v.json())
    ]


def request_id_header_conformance(
    exchange: Any, operation: Any, ctx: CheckContext
) -> list[Failure]:
    """SHOULD: every response carries a non-empty ``x-request-id`` (OpenAI's debugging id)."""
    v = view(exchange)
    if v.headers.get("x-request-id", "").strip():
        return []
    return [
        _failure(
            v,
            _op(v, operation, ctx),
            title="no x-request-id header",
            check="request_id_header_conformance",
            requirement="core/request-id-header",
            message="the response has no x-request-id header",
            expected="x-request-id: <id>",
            actual="absent",
        )
    ]


def auth_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """A request with missing or wrong credentials gets 401 with the error envelope."""
    v = view(exchange)
    op = _op(v, operation, ctx)
    if v.status != 401:
        body = v.json_or_none()
        return [
            _failure(
                v,
                op,
                title=f"unauthenticated request answered {v.status}",
                check="auth_conformance",
                requirement="core/auth-401",
                message="a request without valid credentials must be rejected with 401",
                expected="401 with the error envelope",
                actual=f"{v.status} {show(body) if body is not None else ''}".strip(),
            )
        ]
    return [
        replace(f, check="auth_conformance", requirement="core/auth-401")
        for f in error_envelope_conformance(v, op, ctx)
    ]


def json_dumps(value: Any) -> str:  # small helper shared by the assertion messages
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
