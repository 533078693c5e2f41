"""How the generated suite judges one response, per phase.

* ``judge_positive``  a schema-valid (shaped) request: the generic checks (status documented,
  no 5xx, content type, response schema, error envelope, plausible timestamps, media that
  decodes) plus ``positive_data_acceptance``:
  a 4xx is acceptable on real targets when it is 400/404/409/422 with a valid envelope (business
  rules the schema cannot express), and a FAIL when the run is ``strict`` (the reference server)
  and every id in the request was one the suite created, except where
  ``DOCUMENTED_PRECONDITIONS`` quotes the rule that rejects it.
* ``judge_negative``  a schema-violating request: must be a 4xx (2xx: the server accepted
  invalid data; 5xx: it crashed) with the envelope; ``error.param`` naming another field, or
  none, is a SHOULD-level finding (``error_param_conformance``).
"""

from __future__ import annotations

from typing import Any

from ..checks.context import CheckContext
from ..checks.exchange import view
from ..checks.failures import Failure, show
from ..checks.http import (
    content_type_conformance,
    error_envelope_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from ..checks.integrity import media_integrity_conformance
from ..checks.plausibility import timestamps_conformance
from ..contract import Operation

ACCEPTABLE_REJECTIONS = (400, 404, 409, 422)
# The generated suite's own checks and their requirement ids (spec/requirements/generated.yaml);
# the generic checks keep their core/* ids.
REQUIREMENTS = {
    "positive_data_acceptance": "generated/positive-accepted",
    "negative_data_rejection": "generated/negative-rejected",
    "error_param_conformance": "generated/error-param",
    "resource_availability_conformance": "generated/resource-available",
    "use_after_free_conformance": "generated/use-after-free",
}
# Operations whose success needs a state a generated request cannot establish, with the rule
# the reference documents: a 400 with the envelope is a business-rule rejection there, also
# under strict_positive. (Cancelling needs an in-flight background response; on a fast target
# it has completed before the cancel arrives.)
DOCUMENTED_PRECONDITIONS: dict[str, tuple[int, str]] = {
    "POST /responses/{response_id}/cancel": (
        400,
        "Only responses created with the background parameter set to true can be cancelled "
        "(https://platform.openai.com/docs/api-reference/responses/cancel)",
    ),
}
GENERIC_CHECKS = (
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_envelope_conformance,
    timestamps_conformance,
    media_integrity_conformance,
)


def generic(exchange: Any, op: Operation, ctx: CheckContext) -> list[Failure]:
    out: list[Failure] = []
    for check in GENERIC_CHECKS:
        out.extend(check(exchange, op, ctx))
    return out


def judge_positive(
    exchange: Any, op: Operation, ctx: CheckContext, *, strict: bool, own_ids: bool
) -> list[Failure]:
    out = generic(exchange, op, ctx)
    v = view(exchange)
    if 400 <= v.status < 500 and not out:
        rejected_for_business = v.status in ACCEPTABLE_REJECTIONS
        precondition = DOCUMENTED_PRECONDITIONS.get(op.id)
        if precondition is not None and precondition[0] == v.status:
            return out
        if (strict and own_ids) or not rejected_for_business:
            out.append(
                Failure(
                    title=f"schema-valid request rejected with {v.status}",
                    check="positive_data_acceptance",
                    requirement=REQUIREMENTS["positive_data_acceptance"],
                    operation=op.id,
                    message=(
                        "the request is valid against the operation's request schema and names "
                        "only objects the suite created, but the target rejected it"
                        if strict and own_ids
                        else f"{v.status} is not a rejection a valid request can get"
                    ),
                    expected="2xx" if strict else "2xx, or 400/404/409/422 with the envelope",
                    actual=str(v.status),
                ).with_exchange(exchange)
            )
    return out


def judge_negative(
    exchange: Any,
    op: Operation,
    ctx: CheckContext,
    param: str | None,
    broken: str | None = None,
) -> list[Failure]:
    """``param``: the top-level field the violation sits in (``error.param`` should name it);
    ``broken``: what was broken, when known (``unknown-enum messages[0].role``)."""
    v = view(exchange)
    out = [
        f
        for f in generic(exchange, op, ctx)
        if v.status >= 400 or f.check != "response_schema_conformance"
    ]
    if 200 <= v.status < 400:
        out.append(
            Failure(
                title=f"invalid request accepted with {v.status}",
                check="negative_data_rejection",
                requirement=REQUIREMENTS["negative_data_rejection"],
                operation=op.id,
                pointer=f"/{param}" if param else None,
                message="the request violates the operation's request schema"
                + (f" ({broken})" if broken else "")
                + " but was accepted",
                expected="a 4xx with the error envelope",
                actual=str(v.status),
            ).with_exchange(exchange)
        )
    elif 400 <= v.status < 500 and param and not out:
        out.extend(param_findings(exchange, op, param))
    return out


def param_findings(exchange: Any, op: Operation, param: str) -> list[Failure]:
    """SHOULD: ``error.param`` names the offending top-level field (or a path inside it)."""
    body = view(exchange).json_or_none()
    actual = body.get("error", {}).get("param") if isinstance(body, dict) else None
    if isinstance(actual, str) and _names(actual, param):
        return []
    return [
        Failure(
            title="error.param does not name the offending field",
            check="error_param_conformance",
            requirement=REQUIREMENTS["error_param_conformance"],
            operation=op.id,
            pointer="/error/param",
            message=f"the request's {param!r} is invalid; the envelope's param should say so",
            expected=show(param),
            actual=show(actual),
        ).with_exchange(exchange)
    ]


def _names(actual: str, param: str) -> bool:
    actual = actual.strip()
    return actual == param or actual.startswith((param + ".", param + "["))
