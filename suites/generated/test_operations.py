"""Schema-derived property tests: one item per operation of the contract (id ``METHOD /path``).

Each item runs the positive phase (schema-valid requests shaped for a real target), the
negative phase (schema-violating requests must get a 4xx with the error envelope; ``param``
naming the field is a SHOULD finding) and, when the target has a key, the auth probe (wrong
credentials → 401).
Operations whose safety class is not allowed are DISABLED; an operation the target answers
with 501 (or 404 on a collection route) in the envelope is UNSUPPORTED.
"""

from __future__ import annotations

import pytest

from openai_conformance.checks.assertions import raise_failures
from openai_conformance.checks.outcomes import Disabled, Unsupported
from openai_conformance.generated.runner import GenerationRun, OperationRunner
from openai_conformance.generated.suite import cite, selection_reason
from openai_conformance.plugin.items import item_facts
from openai_conformance.target.config import RunConfig


def test_operation_conforms_to_its_schema(
    operation_id: str,
    generation_run: GenerationRun,
    oaic_config: RunConfig,
    request: pytest.FixtureRequest,
) -> None:
    op = generation_run.ctx.spec.operation(operation_id)
    reason = selection_reason(op, oaic_config)
    if reason is not None:
        raise Disabled(reason)
    result = OperationRunner(generation_run).run(op)
    if result.unsupported_reason is not None:
        raise Unsupported(result.unsupported_reason)
    # Like every test (checks.raise_failures): a MUST failure fails the item, a SHOULD one
    # (error.param not naming the field) is a finding of a passing item, not its verdict.
    fatal = [f for f in result.failures if f.requirement is None or f.level == "MUST"]
    item_facts(request.node).requirement = cite(fatal, "generated/response-schema")
    raise_failures(result.failures)
