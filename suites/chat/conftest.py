"""Chat suite fixtures for the requests. (A target without chat completions makes every test
UNSUPPORTED: the plugin's absence rule, from suites/chat/feature.yaml.)"""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.target.config import RunConfig


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
