"""Responses suite fixtures. (Many compatible servers have no Responses API, field notes #17:
the plugin's absence rule makes every test UNSUPPORTED then, from suites/responses/feature.yaml.)"""

from __future__ import annotations

import pytest

from openai_conformance.target.config import RunConfig


@pytest.fixture
def model(oaic_config: RunConfig) -> str:
    return str(oaic_config.models["chat"])
