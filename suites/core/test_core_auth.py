"""Authentication: missing or wrong credentials are rejected with 401 and the envelope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from openai_conformance.checks import auth_conformance, raise_failures
from openai_conformance.checks.context import CheckContext
from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.contract.features import ABSENT_STATUSES
from openai_conformance.target.config import RunConfig
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
    anonymous_client: Callable[[str | None], ConformanceClient],
    check_ctx: CheckContext,
    oaic_config: RunConfig,
) -> None:
    failures = []
    for key in (None, WRONG_KEY):
        exchange, op = _implemented_route(anonymous_client(key), oaic_config)
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
            for f in auth_conformance(exchange, op, check_ctx)
        ]
    raise_failures(failures, strict=True)


def _implemented_route(client: ConformanceClient, config: RunConfig) -> tuple[Any, str]:
    """The anonymous answer of ``GET /models``, else of a one-token chat completion when the
    target has no models route: a 404 from a route it lacks proves nothing about its auth
    (mockllm serves chat only; its 404 on /models was read as "anonymous request answered").
    """
    exchange = client.request("GET", "/models")
    if exchange.status not in ABSENT_STATUSES:
        return exchange, "GET /models"
    body = {
        "model": config.models.get("chat", "gpt-4o-mini"),
        "messages": [{"role": "user", "content": "Say OK."}],
        "max_completion_tokens": 1,
    }
    exchange = client.request("POST", "/chat/completions", json=body)
    if exchange.status in ABSENT_STATUSES:
        raise Unsupported("neither GET /models nor POST /chat/completions is implemented")
    return exchange, "POST /chat/completions"
