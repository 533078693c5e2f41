"""Each generic reference-server fault makes the matching generated check FAIL on the affected
operations, and the same operations PASS without the fault (no false positives)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openai_conformance.generated.links import lifecycles
from openai_conformance.generated.runner import OperationRunner
from openai_conformance.generated.stateful import run_lifecycle

# fault -> (operations it affects in this test, the check that must catch it)
RESPONSE_FAULTS = {
    "missing-required-field": (
        ("GET /models", "POST /vector_stores"),
        "response_schema_conformance",
    ),
    "wrong-type": (("POST /vector_stores",), "response_schema_conformance"),
    "wrong-enum": (("POST /vector_stores",), "response_schema_conformance"),
    "wrong-content-type": (("GET /models",), "content_type_conformance"),
    "server-error-on-valid": (("GET /models", "POST /vector_stores"), "status_code_conformance"),
    "error-flat-envelope": (("POST /vector_stores",), "error_envelope_conformance"),
    "error-status-200": (("POST /vector_stores",), "error_envelope_conformance"),
    "ignore-auth": (("GET /models",), "auth_conformance"),
}
LIFECYCLE_FAULTS = {
    "delete-does-not-delete": "use_after_free_conformance",
    "create-not-listed": "resource_availability_conformance",
}
LIFECYCLE = "POST /vector_stores"


def checks_failed(run: Any, op_id: str) -> set[str]:
    result = OperationRunner(run).run(run.ctx.spec.operation(op_id))
    return {f.check for f in result.failures if f.level == "MUST"}


def test_affected_operations_pass_without_faults(make_run: Callable[..., Any]) -> None:
    ops = sorted({op for affected, _ in RESPONSE_FAULTS.values() for op in affected})
    with make_run() as run:
        assert {op: checks_failed(run, op) for op in ops} == {op: set() for op in ops}
        lc = next(lc for lc in lifecycles(run.ctx.spec) if lc.create == LIFECYCLE)
        assert run_lifecycle(lc, run.pool, run.ctx) == []


@pytest.mark.parametrize("fault", sorted(RESPONSE_FAULTS))
def test_response_fault_fails_its_check_on_affected_operations(
    fault: str, make_run: Callable[..., Any]
) -> None:
    affected, check = RESPONSE_FAULTS[fault]
    with make_run(faults=(fault,)) as run:
        for op_id in affected:
            assert check in checks_failed(run, op_id), f"{fault} not caught on {op_id}"


@pytest.mark.parametrize("fault", sorted(LIFECYCLE_FAULTS))
def test_lifecycle_fault_fails_the_stateful_check(fault: str, make_run: Callable[..., Any]) -> None:
    with make_run(faults=(fault,)) as run:
        lc = next(lc for lc in lifecycles(run.ctx.spec) if lc.create == LIFECYCLE)
        checks = {f.check for f in run_lifecycle(lc, run.pool, run.ctx)}
        assert LIFECYCLE_FAULTS[fault] in checks
