"""Models fixtures: ``model_list`` is GET /models as ``(body, exchange)``; UNSUPPORTED when the
target answers 404/501 with the error envelope. Its shape is judged by the list test only, so
the other tests still run (reading ids leniently) when the list is malformed."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks import envelope_problems
from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.wire.client import ConformanceClient

LIST = "GET /models"


@pytest.fixture
def model_list(client: ConformanceClient) -> tuple[dict[str, Any], Any]:
    exchange = client.request("GET", "/models")
    try:
        body = exchange.json()
    except ValueError:
        body = None
    if exchange.status in (404, 501) and body is not None and not envelope_problems(body):
        raise Unsupported(f"models: GET /models answered {exchange.status}")
    return body, exchange
