"""Chat suite: every test is UNSUPPORTED when the target does not implement chat completions
(a minimal request answered 404/501 with the error envelope); fixtures for the requests."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks.http import envelope_problems
from openai_conformance.outcomes import Unsupported

_probed: dict[int, str | None] = {}


@pytest.fixture(autouse=True)
def _chat_supported(client: Any, oaic_config: Any) -> None:
    key = id(client)
    if key not in _probed:
        body = {
            "model": oaic_config.models["chat"],
            "messages": [{"role": "user", "content": "Say OK."}],
        }
        exchange = client.request("POST", "/chat/completions", json=body)
        reason = None
        if exchange.status in (404, 501):
            try:
                payload = exchange.json()
            except ValueError:
                payload = None
            if (
                payload is not None
                and not envelope_problems(payload)
                and payload["error"].get("code") != "model_not_found"
            ):
                reason = f"chat completions answered {exchange.status}"
        _probed[key] = reason
    if _probed[key]:
        raise Unsupported(str(_probed[key]))


@pytest.fixture
def model(oaic_config: Any) -> str:
    return str(oaic_config.models["chat"])


@pytest.fixture
def chat_body(model: str) -> dict[str, Any]:
    """A minimal valid request; tests extend it."""
    return {
        "model": model,
        "messages": [{"role": "user", "content": "Describe a quiet harbour in two sentences."}],
        "max_completion_tokens": 200,
    }
