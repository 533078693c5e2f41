"""Chat suite: every test is UNSUPPORTED when the target does not implement chat completions
(a minimal request answered 404/501 with the error envelope); fixtures for the requests."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks import absence
from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

_probed: dict[int, str | None] = {}


@pytest.fixture(autouse=True)
def _chat_supported(client: ConformanceClient, oaic_config: RunConfig) -> None:
    key = id(client)
    if key not in _probed:
        body = {
            "model": oaic_config.models["chat"],
            "messages": [{"role": "user", "content": "Say OK."}],
        }
        exchange = client.request("POST", "/chat/completions", json=body)
        answer = absence(exchange)
        reason = None if answer is None else f"chat completions answered {answer}"
        _probed[key] = reason
    if _probed[key]:
        raise Unsupported(str(_probed[key]))


@pytest.fixture
def model(oaic_config: RunConfig) -> str:
    return str(oaic_config.models["chat"])


@pytest.fixture
def chat_body(model: str) -> dict[str, Any]:
    """A minimal valid request; tests extend it."""
    return {
        "model": model,
        "messages": [{"role": "user", "content": "Describe a quiet harbour in two sentences."}],
        "max_completion_tokens": 200,
    }
