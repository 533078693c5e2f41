from __future__ import annotations

import pytest

from openai_conformance.contract import Spec, load_spec


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()
