"""Images: every test is costly (a real provider bills each image), so the suite runs only
with ``--allow costly``; otherwise DISABLED with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.scenario import lifecycles as lc


@pytest.fixture(autouse=True)
def _costly_allowed(oaic_config: Any) -> None:
    lc.require_allowed(oaic_config, "costly", "image generation")


@pytest.fixture
def image_model(oaic_config: Any) -> str:
    return lc.model_for(oaic_config, "image")
