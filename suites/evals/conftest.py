"""Evals fixtures: ``new_eval(step, metadata)`` creates an eval tagged with the run id and
registers its deletion before anything else can fail; ``new_run(eval_id)`` creates a run of it
(costly: DISABLED unless the run allows ``costly``) and registers its cancellation, should it
still be running at the end; ``finished_run`` is one run polled to its end, shared by the
tests that read a finished run (a real provider grades once for all of them).
Each returns ``(object, exchange)`` once the answer conforms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from eval_steps import (
    CREATE,
    CREATE_RUN,
    RUN,
    NewEval,
    NewRun,
    eval_body,
    run_body,
    run_path,
    run_to_end,
)

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


def _create_eval(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    config: RunConfig,
    step: str,
    metadata: Mapping[str, str] | None,
) -> tuple[dict[str, Any], Any]:
    exchange = client.request("POST", "/evals", json=eval_body(config, step, metadata))
    created = assert_conforms(exchange, CREATE)
    eid = str(created["id"])
    lc.register_undo(cleanup, client, "eval", eid, "DELETE", f"/evals/{eid}", "eval")
    return created, exchange


def _create_run(
    client: ConformanceClient, cleanup: CleanupRegistry, config: RunConfig, eval_id: str
) -> tuple[dict[str, Any], Any]:
    lc.require_allowed(config, "costly", "creating an eval run")
    exchange = client.request("POST", f"/evals/{eval_id}/runs", json=run_body(config))
    run = assert_conforms(exchange, CREATE_RUN)
    path = run_path(run, eval_id)

    def cancel_unless_finished() -> Any:
        # A run's cancel is POST on the run itself; a finished run is left alone.
        current = client.request("GET", path)
        status = (current.json() or {}).get("status") if current.status == 200 else None
        if current.status != 200 or status in RUN.terminal:
            return current
        return client.request("POST", path)

    cleanup.register("eval run", str(run["id"]), cancel_unless_finished, "eval run")
    return run, exchange


@pytest.fixture
def new_eval(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> NewEval:
    def create(
        step: str = "created", metadata: Mapping[str, str] | None = None
    ) -> tuple[dict[str, Any], Any]:
        return _create_eval(client, cleanup, oaic_config, step, metadata)

    return create


@pytest.fixture
def new_run(client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig) -> NewRun:
    def create(eval_id: str) -> tuple[dict[str, Any], Any]:
        return _create_run(client, cleanup, oaic_config, eval_id)

    return create


@pytest.fixture(scope="module")
def finished_run(
    client: ConformanceClient, session_cleanup: CleanupRegistry, oaic_config: RunConfig
) -> tuple[dict[str, Any], lc.Observed]:
    """(the eval, the observed timeline of one run polled to its terminal state)."""
    evaluation, _ = _create_eval(client, session_cleanup, oaic_config, "finished", None)
    run, _ = _create_run(client, session_cleanup, oaic_config, str(evaluation["id"]))
    return evaluation, run_to_end(client, oaic_config, run, str(evaluation["id"]))
