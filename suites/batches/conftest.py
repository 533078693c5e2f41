"""Batch fixtures: ``make_batch`` (create, cleaned up) and ``finished_batch`` (run to the end)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from batch_steps import FinishedBatch, chat_input, create_batch, run_to_end

from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def make_batch(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> Callable[..., tuple[dict[str, Any], Any]]:
    """``make_batch(data, endpoint=...)`` → (created batch, exchange)."""

    def make(data: bytes, endpoint: str = "/v1/chat/completions") -> tuple[dict[str, Any], Any]:
        return create_batch(client, cleanup, oaic_config, data, endpoint)

    return make


@pytest.fixture(scope="module")
def finished_batch(
    client: ConformanceClient, session_cleanup: CleanupRegistry, oaic_config: RunConfig
) -> FinishedBatch:
    """A chat batch run to a terminal state, with its observed timeline and custom ids.

    One per module: the tests that inspect a finished batch share it, so a real provider runs
    one costly batch for all of them (cancelled at session end if it is still running).
    """
    data, ids = chat_input(oaic_config)
    batch, _ = create_batch(client, session_cleanup, oaic_config, data)
    seen = run_to_end(client, oaic_config, batch)
    return FinishedBatch(seen.body, seen, ids)
