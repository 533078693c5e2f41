"""Domain assertions the scenario suites call: they run the generic checks and raise.

* ``assert_conforms(exchange, op)``: status documented and not 5xx, content type, schema
  (and the envelope for errors). MUST failures raise ``ConformanceFailure``; SHOULD findings
  (x-request-id) are recorded on the test, not raised.
* ``assert_error(exchange, status=400, param="model", code=None)``: the request had to be
  rejected: a different status is a FAIL showing what was received, and the error must be the
  envelope naming ``param``/``code`` when given.
* ``raise_failures(failures, strict=False)``: the shared policy. A failure of the test's own
  requirement (built without one: the plugin stamps the test's id and level) and a MUST
  failure of a generic check raise; SHOULD/MAY failures of generic checks are recorded as
  findings unless ``strict`` (a test that verifies such a requirement passes ``strict=True``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..contract import Operation
from . import findings
from .context import CheckContext, default_context
from .exchange import view
from .failures import Failure, show
from .http import (
    content_type_conformance,
    error_envelope_conformance,
    request_id_header_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from .integrity import media_integrity_conformance
from .outcomes import ConformanceFailure
from .plausibility import error_code_conformance, timestamps_conformance


def raise_failures(failures: Iterable[Failure], *, strict: bool = False) -> None:
    """Raise ``ConformanceFailure`` for the test's own and MUST failures (all when ``strict``);
    record the rest as findings of the current test."""
    fatal: list[Failure] = []
    soft: list[Failure] = []
    for f in failures:
        (fatal if strict or f.requirement is None or f.level == "MUST" else soft).append(f)
    for f in soft:
        findings.record(f)
    if fatal:
        raise ConformanceFailure(fatal)


def conformance_failures(
    exchange: Any, op: Operation | str | None = None, ctx: CheckContext | None = None
) -> list[Failure]:
    """All generic checks on one exchange: status, content type, schema, envelope, request id,
    and what a schema cannot say (plausible timestamps, media that decodes, error codes)."""
    ctx = ctx or default_context()
    operation = ctx.operation(op)
    v = view(exchange)
    out = status_code_conformance(v, operation, ctx)
    out += content_type_conformance(v, operation, ctx)
    if v.status >= 400 or not out:
        out += error_envelope_conformance(v, operation, ctx)
    if v.status < 400:
        out += response_schema_conformance(v, operation, ctx)
        out += timestamps_conformance(v, operation, ctx)
        out += media_integrity_conformance(v, operation, ctx)
    else:
        out += error_code_conformance(v, operation, ctx)
    out += request_id_header_conformance(v, operation, ctx)
    return out


def assert_conforms(
    exchange: Any, op: Operation | str | None = None, *, ctx: CheckContext | None = None
) -> Any:
    """Raise ``ConformanceFailure`` unless the exchange conforms; returns the parsed JSON body
    (or None when the body is not JSON) so a test can go on with it."""
    raise_failures(conformance_failures(exchange, op, ctx))
    return view(exchange).json_or_none()


def assert_error(
    exchange: Any,
    status: int | Iterable[int] = 400,
    param: str | None = None,
    code: str | None = None,
    *,
    op: Operation | str | None = None,
    ctx: CheckContext | None = None,
) -> dict[str, Any]:
    """The request had to fail with ``status`` (one code or several) and the error envelope;
    ``param``/``code``, when given, must be what the envelope names. Returns the ``error``
    object. An expected error that does not happen is a FAIL with the received status/body."""
    ctx = ctx or default_context()
    v = view(exchange)
    operation = ctx.operation(op)
    wanted = {status} if isinstance(status, int) else set(status)
    shown = "|".join(str(s) for s in sorted(wanted))
    base: dict[str, Any] = {
        "check": "assert_error",
        "operation": operation.id if operation is not None else v.operation_id,
    }
    if v.status not in wanted:
        body = v.json_or_none()
        received = f"{v.status} {show(body) if body is not None else show(v.excerpt())}"
        raise ConformanceFailure(
            Failure(
                title=f"expected an error {shown}, got {v.status}",
                message=f"the request is invalid and must be rejected with {shown}",
                expected=f"{shown} with the error envelope",
                actual=received,
                **base,
            ).with_exchange(v)
        )
    failures = error_envelope_conformance(v, operation, ctx)
    if failures:
        raise ConformanceFailure(failures)
    error: dict[str, Any] = v.json()["error"]
    wrong = []
    if param is not None and error.get("param") != param:
        wrong.append(
            (
                "/error/param",
                "the error does not name the offending parameter",
                param,
                error.get("param"),
            )
        )
    if code is not None and error.get("code") != code:
        wrong.append(
            ("/error/code", "the error code is not the documented one", code, error.get("code"))
        )
    if wrong:
        raise ConformanceFailure(
            [
                Failure(
                    title=f"error {name.rsplit('/', 1)[-1]} is {show(got)}",
                    pointer=name,
                    message=msg,
                    expected=show(exp),
                    actual=show(got),
                    **base,
                ).with_exchange(v)
                for name, msg, exp, got in wrong
            ]
        )
    return error
