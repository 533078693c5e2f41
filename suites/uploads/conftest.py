"""Uploads suite: every test is UNSUPPORTED when the target does not implement uploads."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.scenario import lifecycles as lc


@pytest.fixture(scope="module", autouse=True)
def _uploads_supported(client: Any) -> None:
    lc.require_feature(client, "uploads")
