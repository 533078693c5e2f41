"""Fine-tuning fixtures: ``succeeded_job`` (a supervised job run to its end, with timeline)."""

from __future__ import annotations

import pytest
from ft_steps import create_job, run_until

from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture(scope="module")
def succeeded_job(
    client: ConformanceClient, session_cleanup: CleanupRegistry, oaic_config: RunConfig
) -> lc.Observed:
    """A supervised job run to its end (timeline included), shared by the module's tests so a
    real provider trains once; its model is deleted at session end (unless a test did)."""
    cleanup = session_cleanup
    job, _ = create_job(client, cleanup, oaic_config)
    seen = run_until(client, oaic_config, job)
    model = seen.body.get("fine_tuned_model")
    if model:
        lc.register_undo(
            cleanup, client, "model", model, "DELETE", f"/models/{model}", "fine-tuned model"
        )
    return seen


@pytest.fixture
def allow_destructive(oaic_config: RunConfig) -> None:
    """Request it before ``succeeded_job`` so a disallowed test costs no fine-tuning run."""
    lc.require_allowed(oaic_config, "destructive", "deleting a model")


@pytest.fixture
def allow_admin(oaic_config: RunConfig) -> None:
    """Request it before ``succeeded_job`` so a disallowed test costs no fine-tuning run."""
    lc.require_allowed(oaic_config, "admin", "managing checkpoint permissions")
