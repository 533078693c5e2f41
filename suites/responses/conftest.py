"""Responses suite: every test is UNSUPPORTED when ``POST /responses`` answers 404/501 with
the error envelope (field notes #17: many compatible servers have no Responses API)."""

from __future__ import annotations

import pytest

from openai_conformance.checks import absence
from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

_probed: dict[int, str | None] = {}


@pytest.fixture(autouse=True)
def _responses_supported(client: ConformanceClient, oaic_config: RunConfig) -> None:
    key = id(client)
    if key not in _probed:
        body = {"model": oaic_config.models["chat"], "input": "Say OK.", "store": False}
        exchange = client.request("POST", "/responses", json=body)
        answer = absence(exchange)
        reason = None if answer is None else f"POST /responses answered {answer}"
        _probed[key] = reason
    if _probed[key]:
        raise Unsupported(str(_probed[key]))


@pytest.fixture
def model(oaic_config: RunConfig) -> str:
    return str(oaic_config.models["chat"])
