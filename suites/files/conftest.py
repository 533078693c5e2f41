"""Files suite: every test is UNSUPPORTED when the target does not implement files."""

from __future__ import annotations

import pytest

from openai_conformance.scenario import lifecycles as lc
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture(scope="module", autouse=True)
def _files_supported(client: ConformanceClient) -> None:
    lc.require_feature(client, "files")
