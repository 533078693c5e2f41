"""Fixtures of the check self-tests."""

from __future__ import annotations

import pytest

from openai_conformance.checks import CheckContext
from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator


@pytest.fixture(scope="session")
def ctx() -> CheckContext:
    spec = load_spec()
    return CheckContext(spec=spec, validator=SchemaValidator(spec))
