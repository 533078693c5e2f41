"""Models fixtures: ``model_list`` is GET /models as ``(body, exchange)`` (a target without it
never gets here: the plugin's absence rule, from suites/models/feature.yaml). Its shape is
judged by the list test only, so the other tests still run (reading ids leniently) when the
list is malformed."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.wire.client import ConformanceClient

LIST = "GET /models"


@pytest.fixture
def model_list(client: ConformanceClient) -> tuple[dict[str, Any], Any]:
    exchange = client.request("GET", "/models")
    try:
        body = exchange.json()
    except ValueError:
        body = None
    return body, exchange
