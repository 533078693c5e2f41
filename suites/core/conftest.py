"""Helpers of the core suite: a client variant with other credentials (auth tests) and the
small, cheap requests every core test reuses."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from openai_conformance.checks.outcomes import Disabled
from openai_conformance.plugin.session import OaicSession
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def client_with_credentials(
    oaic_session: OaicSession,
) -> Iterator[Callable[[str | None], ConformanceClient]]:
    """A factory: ``client_with_credentials(None)`` sends no key, ``("sk-...")`` a wrong one.
    Disabled when the target is configured without credentials (nothing to reject)."""
    from openai_conformance.wire.redact import Secret

    cfg = oaic_session.run_config
    if cfg.api_key is None or cfg.auth == "none":
        raise Disabled("the target is configured without credentials; auth cannot be checked")
    made: list[ConformanceClient] = []

    def make(key: str | None) -> ConformanceClient:
        variant = dataclasses.replace(cfg, api_key=Secret(key) if key else None)
        client = ConformanceClient(
            variant, oaic_session.recorder, spec=oaic_session.spec, budget=oaic_session.budget
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def chat_request(oaic_config: RunConfig) -> dict[str, Any]:
    """A minimal valid chat completion request for the profile's chat model."""
    return {
        "model": oaic_config.models["chat"],
        "messages": [{"role": "user", "content": "Say OK."}],
        "max_completion_tokens": 16,
    }
