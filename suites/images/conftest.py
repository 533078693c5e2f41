"""Images: every test is costly (a real provider bills each image), so the suite runs only
with ``--allow costly``; otherwise DISABLED with the reason."""

from __future__ import annotations

import pytest

from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig


@pytest.fixture(autouse=True)
def _costly_allowed(oaic_config: RunConfig) -> None:
    lc.require_allowed(oaic_config, "costly", "image generation")


@pytest.fixture
def image_model(oaic_config: RunConfig) -> str:
    return lc.model_for(oaic_config, "image")
