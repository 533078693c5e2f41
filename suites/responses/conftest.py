"""Responses suite: every test is UNSUPPORTED when ``POST /responses`` answers 404/501 with
the error envelope (field notes #17: many compatible servers have no Responses API)."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks.http import envelope_problems
from openai_conformance.outcomes import Unsupported

_probed: dict[int, str | None] = {}


@pytest.fixture(autouse=True)
def _responses_supported(client: Any, oaic_config: Any) -> None:
    key = id(client)
    if key not in _probed:
        body = {"model": oaic_config.models["chat"], "input": "Say OK.", "store": False}
        exchange = client.request("POST", "/responses", json=body)
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
                reason = f"POST /responses answered {exchange.status}"
        _probed[key] = reason
    if _probed[key]:
        raise Unsupported(str(_probed[key]))


@pytest.fixture
def model(oaic_config: Any) -> str:
    return str(oaic_config.models["chat"])
