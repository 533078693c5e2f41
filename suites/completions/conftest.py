"""Legacy completions fixtures: ``complete(**params)`` posts a short prompt for the profile's
chat-role model (the reference serves it; for OpenAI set ``OAIC_MODEL_CHAT`` to an instruct
model) at temperature 0 and returns ``(body, exchange)`` once it conforms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from completion_steps import OP, PROMPT

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def completion_request(oaic_config: RunConfig) -> dict[str, Any]:
    model = lc.model_for(oaic_config, "chat")
    return {"model": model, "prompt": PROMPT, "max_tokens": 24, "temperature": 0}


@pytest.fixture
def complete(
    client: ConformanceClient, completion_request: dict[str, Any]
) -> Callable[..., tuple[dict[str, Any], Any]]:
    def post(**params: Any) -> tuple[dict[str, Any], Any]:
        exchange = client.request("POST", "/completions", json={**completion_request, **params})
        return assert_conforms(exchange, OP), exchange

    return post
