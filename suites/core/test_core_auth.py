"""Authentication: missing or wrong credentials are rejected with 401 and the envelope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from openai_conformance.checks import auth_conformance, raise_failures
from openai_conformance.checks.context import CheckContext
from openai_conformance.wire.client import ConformanceClient

WRONG_KEY = "sk-oaic-wrong-key-000000000000"


@pytest.mark.requirement("core/auth-401")
def test_request_without_credentials_returns_401_envelope(
    client_with_credentials: Callable[[str | None], ConformanceClient], check_ctx: CheckContext
) -> None:
    exchange = client_with_credentials(None).request("GET", "/models")
    raise_failures(auth_conformance(exchange, "GET /models", check_ctx))


@pytest.mark.requirement("core/auth-401")
def test_request_with_wrong_key_returns_401_envelope(
    client_with_credentials: Callable[[str | None], ConformanceClient], check_ctx: CheckContext
) -> None:
    exchange = client_with_credentials(WRONG_KEY).request("GET", "/models")
    raise_failures(auth_conformance(exchange, "GET /models", check_ctx))


@pytest.mark.requirement("core/auth-required")
def test_target_without_configured_key_rejects_anonymous_requests(
    anonymous_client: Callable[[str | None], ConformanceClient], check_ctx: CheckContext
) -> None:
    failures = []
    for key in (None, WRONG_KEY):
        exchange = anonymous_client(key).request("GET", "/models")
        failures += [
            replace(
                f,
                check="auth_required_conformance",
                requirement=None,  # the test's own: the plugin stamps core/auth-required
                level="",
                message=(
                    f"{f.message}; the target answers requests with "
                    f"{'no credentials' if key is None else 'a made-up key'}. If it has no "
                    'authentication by design (a local server), declare auth = "none" in its '
                    "profile (or OAIC_AUTH=none)"
                ),
            )
            for f in auth_conformance(exchange, "GET /models", check_ctx)
        ]
    raise_failures(failures, strict=True)
