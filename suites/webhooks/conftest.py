"""Webhook fixtures: ``hooked`` (the target delivers to this worker's receiver, or every test
is UNSUPPORTED with the reason) and ``completion`` (one object per family run to its event,
shared by the module's tests, so a real provider runs one batch, one job, one response)."""

from __future__ import annotations

from typing import Any

import pytest
from wh_steps import FAMILIES, Completion, run

from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.scenario.webhooks import hookup


@pytest.fixture(scope="session")
def hooked(client: Any, session_cleanup: Any, webhook_receiver: Any, webhook_settings: Any) -> Any:
    """The started receiver, once the target delivers to it (see scenario/webhooks/target)."""
    if webhook_settings.public_url and not webhook_settings.secret:
        raise Unsupported(
            f"webhooks: [webhooks] public_url is set but ${webhook_settings.secret_env} holds "
            "no signing secret (whsec_...) to verify the provider's deliveries with"
        )
    reason = hookup(client, webhook_receiver, webhook_settings, session_cleanup)
    if reason:
        raise Unsupported(f"webhooks: {reason}")
    return webhook_receiver


@pytest.fixture(scope="module", params=list(FAMILIES))
def completion(
    request: pytest.FixtureRequest, client: Any, session_cleanup: Any, oaic_config: Any, hooked: Any
) -> Completion:
    return run(str(request.param), client, session_cleanup, oaic_config, hooked)
