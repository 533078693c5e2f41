"""Embeddings fixtures: ``embed(input, **params)`` posts one request for the profile's
embeddings model and returns ``(body, exchange)`` once it conforms; a target without the
endpoint (404/501 with the error envelope) makes the test UNSUPPORTED."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

OP = "POST /embeddings"
Embed = Callable[..., tuple[dict[str, Any], Any]]


@pytest.fixture(scope="session")
def embeddings_model(oaic_config: RunConfig) -> str:
    return lc.model_for(oaic_config, "embeddings")


@pytest.fixture
def embed(client: ConformanceClient, embeddings_model: str) -> Embed:
    def post(value: Any, **params: Any) -> tuple[dict[str, Any], Any]:
        exchange = client.request(
            "POST", "/embeddings", json={"model": embeddings_model, "input": value, **params}
        )
        return assert_conforms(exchange, OP), exchange

    return post


@pytest.fixture(scope="session")
def embeddings_served(client: ConformanceClient, embeddings_model: str) -> None:
    """One valid request, once per run: the error tests only mean something when the route
    exists (an absent route also answers 404 with the envelope)."""
    exchange = client.request(
        "POST", "/embeddings", json={"model": embeddings_model, "input": "probe"}
    )
    assert_conforms(exchange, OP)
