"""Each generic reference-server fault makes the matching generated check FAIL on the affected
operations and only there: the affected operations fail with exactly the checks the fault
breaks (no collateral findings), the operations it does not touch stay PASS, and every
operation PASSes without the fault (no false positives).

Representative operations: a JSON list (GET /models), a JSON create (POST /vector_stores),
a JSON inference (POST /embeddings), and two binary responses (GET /files/{file_id}/content,
POST /audio/speech) which no JSON body fault can reach. GET /models and the content route
have no request body, so their only error exchange is the auth probe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from openai_conformance.generated.links import lifecycles
from openai_conformance.generated.mutations import UNKNOWN_ENUM
from openai_conformance.generated.runner import OperationRunner
from openai_conformance.generated.settings import profile
from openai_conformance.generated.stateful import run_lifecycle

MODELS = "GET /models"
STORES = "POST /vector_stores"
EMBED = "POST /embeddings"
CONTENT = "GET /files/{file_id}/content"
SPEECH = "POST /audio/speech"
CHAT = "POST /chat/completions"
OPERATIONS = (MODELS, STORES, EMBED, CONTENT, SPEECH)

SCHEMA = {"response_schema_conformance"}
AUTH = {"auth_conformance"}
# A flat envelope breaks the envelope check, the documented ErrorResponse schema of the 4xx,
# and the auth probe's 401; status 200 on errors also turns each rejected invalid request into
# an "accepted" one.
FLAT = {"error_envelope_conformance", "response_schema_conformance"} | AUTH
ERR_200 = {"error_envelope_conformance", "negative_data_rejection"} | AUTH

# fault -> {operation: exactly the MUST checks that fail}; operations not listed stay PASS.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "missing-required-field": {MODELS: SCHEMA, STORES: SCHEMA, EMBED: SCHEMA},
    "wrong-type": {MODELS: SCHEMA, STORES: SCHEMA, EMBED: SCHEMA},
    "wrong-enum": {MODELS: SCHEMA, STORES: SCHEMA, EMBED: SCHEMA},
    "wrong-content-type": {op: {"content_type_conformance"} for op in (MODELS, STORES, EMBED)}
    | {SPEECH: {"content_type_conformance"}},  # its error replies are JSON
    "server-error-on-valid": {op: {"status_code_conformance"} for op in OPERATIONS},
    "error-flat-envelope": {MODELS: AUTH, CONTENT: AUTH, STORES: FLAT, EMBED: FLAT, SPEECH: FLAT},
    "error-status-200": {MODELS: AUTH, CONTENT: AUTH, STORES: ERR_200, EMBED: ERR_200}
    | {SPEECH: ERR_200},
    "ignore-auth": {op: AUTH for op in OPERATIONS},
}
LIFECYCLE_FAULTS = {
    "delete-does-not-delete": "use_after_free_conformance",
    "create-not-listed": "resource_availability_conformance",
}
LIFECYCLE = "POST /vector_stores"


def checks_failed(run: Any, op_id: str) -> set[str]:
    result = OperationRunner(run).run(run.ctx.spec.operation(op_id))
    return {f.check for f in result.failures if f.level == "MUST"}


def test_representative_operations_pass_without_faults(make_run: Callable[..., Any]) -> None:
    with make_run() as run:
        assert {op: checks_failed(run, op) for op in OPERATIONS} == {op: set() for op in OPERATIONS}
        lc = next(lc for lc in lifecycles(run.ctx.spec) if lc.create == LIFECYCLE)
        assert run_lifecycle(lc, run.pool, run.ctx) == []


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_response_fault_fails_its_checks_on_affected_operations_only(
    fault: str, make_run: Callable[..., Any]
) -> None:
    expected = {op: EXPECTED[fault].get(op, set()) for op in OPERATIONS}
    with make_run(faults=(fault,)) as run:
        assert {op: checks_failed(run, op) for op in OPERATIONS} == expected


@pytest.mark.parametrize("fault", sorted(LIFECYCLE_FAULTS))
def test_lifecycle_fault_fails_only_the_stateful_check(
    fault: str, make_run: Callable[..., Any]
) -> None:
    with make_run(faults=(fault,)) as run:
        lc = next(lc for lc in lifecycles(run.ctx.spec) if lc.create == LIFECYCLE)
        failures = run_lifecycle(lc, run.pool, run.ctx)
        assert {f.check for f in failures} == {LIFECYCLE_FAULTS[fault]}
        assert {f.requirement for f in failures} == {
            "generated/use-after-free"
            if fault == "delete-does-not-delete"
            else "generated/resource-available"
        }


def test_connection_dropped_after_a_500_keeps_the_500_as_the_cause(
    make_run: Callable[..., Any],
) -> None:
    # stubllm answers 500 to a malformed chat body and drops the keep-alive connection: the
    # next request got a reset, and the item reported TargetProtocolError instead of the 500.
    from openai_conformance.wire.exchange import TargetProtocolError

    with make_run(faults=("server-error-on-valid",)) as run:
        send, crashed = run.send, []

        def dropping(method: str, path: str, **kwargs: Any) -> Any:
            if crashed:
                raise TargetProtocolError(f"{method} {path}: connection reset by peer")
            exchange = send(method, path, **kwargs)
            if exchange.status >= 500:
                crashed.append(exchange)
            return exchange

        run.send = dropping
        result = OperationRunner(run).run(run.ctx.spec.operation(EMBED))
    checks = [f.check for f in result.failures]
    assert checks[0] == "status_code_conformance", checks
    assert checks[-1] == "TargetProtocolError"


@pytest.mark.parametrize("faults", [(), ("shallow-body-validation",)], ids=["clean", "shallow"])
def test_nested_field_a_shallow_validator_accepts_fails_negative_rejection(
    faults: tuple[str, ...], make_run: Callable[..., Any]
) -> None:
    # The default profile's 19 mutations reach inside messages[0] and response_format; the
    # quick profile's four might all be top-level ones, which the shallow server rejects.
    with make_run(faults=faults) as run:
        run.profile = profile("default")
        result = OperationRunner(run).run(run.ctx.spec.operation(CHAT))
    accepted = [f for f in result.failures if f.check == "negative_data_rejection"]
    if not faults:
        assert [f for f in result.failures if f.level == "MUST"] == []
        return
    assert any("messages[0]." in (f.message or "") for f in accepted), accepted


def test_an_operation_with_nothing_to_draw_sends_one_positive_request(
    make_run: Callable[..., Any],
) -> None:
    with make_run() as run:
        run.profile = profile("default")
        result = OperationRunner(run).run(run.ctx.spec.operation("GET /models/{model}"))
    assert result.drawn == {"positive": 1} and result.failures == []


def test_a_request_already_sent_is_not_sent_again(make_run: Callable[..., Any]) -> None:
    with make_run() as run:
        run.profile = profile("default")
        send, sent = run.send, []

        def recording(method: str, path: str, **kwargs: Any) -> Any:
            sent.append(json.dumps([method, path, kwargs.get("params")], sort_keys=True))
            return send(method, path, **kwargs)

        run.send = recording
        result = OperationRunner(run).run(run.ctx.spec.operation("GET /assistants"))
    positive = [s for s in sent if UNKNOWN_ENUM not in s]  # the rest: the negative phase's
    duplicates = result.skipped.get("positive: duplicate", 0)
    assert duplicates > 0
    assert len(positive) == len(set(positive)) == result.drawn["positive"] - duplicates
