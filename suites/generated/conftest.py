"""Fixtures and collection for the generated suite: one item per operation and per lifecycle.

Items carry their operation (``"METHOD /path"``) and resource in the plugin's ``ItemFacts``
(``plugin.items.item_facts``: the plugin reads them for gating and the per-resource report)
and an ``xdist_group`` mark per resource, so with ``--dist loadgroup`` every item that shares
the resource pool of a resource runs on one worker.
"""

from __future__ import annotations

import pytest

from openai_conformance.checks.context import CheckContext
from openai_conformance.contract import Spec, load_spec
from openai_conformance.generated.links import lifecycles
from openai_conformance.generated.runner import GenerationRun
from openai_conformance.generated.suite import build_run
from openai_conformance.plugin.hooks import get_session
from openai_conformance.plugin.items import item_facts
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


def _spec(config: pytest.Config) -> Spec:
    session = get_session(config)
    return session.spec if session is not None else load_spec()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    spec = _spec(metafunc.config)
    if "operation_id" in metafunc.fixturenames:
        params = [
            pytest.param(op.id, id=op.id, marks=pytest.mark.xdist_group(op.resource))
            for op in spec.operations
        ]
        metafunc.parametrize("operation_id", params)
    if "lifecycle_create" in metafunc.fixturenames:
        params = [
            pytest.param(
                lc.create,
                id=f"{lc.create} lifecycle",
                marks=pytest.mark.xdist_group(spec.operation(lc.create).resource),
            )
            for lc in lifecycles(spec)
        ]
        metafunc.parametrize("lifecycle_create", params)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    spec = None
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        op_id = callspec.params.get("operation_id") or callspec.params.get("lifecycle_create")
        if not op_id:
            continue
        spec = spec or _spec(config)
        facts = item_facts(item)
        facts.operation = op_id
        facts.resource = spec.operation(op_id).resource


@pytest.fixture(scope="session")
def generation_run(
    oaic_config: RunConfig,
    check_ctx: CheckContext,
    client: ConformanceClient,
    session_cleanup: CleanupRegistry,
) -> GenerationRun:
    """This worker's GenerationRun: shared resource pool, pinned models, seeds, profile."""
    return build_run(oaic_config, check_ctx, client, session_cleanup)
