"""Moderations fixtures: ``moderate(input)`` posts one request for the profile's moderation
model and returns ``(body, exchange)`` once it conforms (UNSUPPORTED when the endpoint is
absent: 404/501 with the error envelope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

OP = "POST /moderations"


@pytest.fixture
def moderate(
    client: ConformanceClient, oaic_config: RunConfig
) -> Callable[[Any], tuple[dict[str, Any], Any]]:
    model = lc.model_for(oaic_config, "moderation")

    def post(value: Any) -> tuple[dict[str, Any], Any]:
        exchange = client.request("POST", "/moderations", json={"model": model, "input": value})
        return assert_conforms(exchange, OP), exchange

    return post
