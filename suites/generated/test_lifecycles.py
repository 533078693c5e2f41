"""The stateful phase: for every lifecycle the links overlay declares, create → retrieve →
list → modify → delete → retrieve, checking resource availability and use-after-free."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks.outcomes import ConformanceFailure, Disabled, Unsupported
from openai_conformance.generated.links import lifecycles
from openai_conformance.generated.pool import CreateFailed
from openai_conformance.generated.runner import GenerationRun
from openai_conformance.generated.stateful import run_lifecycle
from openai_conformance.generated.suite import cite, selection_reason
from openai_conformance.plugin.items import item_facts
from openai_conformance.target.config import RunConfig


def test_created_resource_is_available_until_deleted(
    lifecycle_create: str,
    generation_run: GenerationRun,
    oaic_config: RunConfig,
    request: pytest.FixtureRequest,
) -> None:
    spec = generation_run.ctx.spec
    lc = next(lc for lc in lifecycles(spec) if lc.create == lifecycle_create)
    reason = selection_reason(spec.operation(lc.create), oaic_config)
    if reason is not None:
        raise Disabled(reason)
    pool = generation_run.pool
    try:
        failures = run_lifecycle(lc, pool, generation_run.ctx)
    except CreateFailed as exc:
        if exc.exchange is not None and exc.exchange.status in (404, 501):
            raise Unsupported(f"{lc.create} answered {exc.exchange.status}: {exc}") from None
        failures = [_create_failure(lc.create, exc)]
    except LookupError as exc:
        # The parent (a thread for its messages) could not be created: that create's own
        # lifecycle reports why (LiteLLM answers POST /threads with 500). Nothing to judge here.
        raise Disabled(f"{exc}: the parent's create failed (see its own lifecycle)") from None
    item_facts(request.node).requirement = cite(failures, "generated/resource-available")
    if failures:
        raise ConformanceFailure(failures)


def _create_failure(create: str, exc: CreateFailed) -> Any:
    from openai_conformance.checks.failures import Failure

    failure = Failure(
        title=f"the minimal create request failed: {exc}",
        check="resource_availability_conformance",
        requirement="generated/resource-available",
        operation=create,
        message=f"{exc}; the lifecycle's seed request (spec/overlays/links.yaml) must succeed",
        expected="2xx with an id",
    )
    return failure.with_exchange(exc.exchange) if exc.exchange is not None else failure
