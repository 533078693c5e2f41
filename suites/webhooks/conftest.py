"""Webhook fixtures: ``hooked`` (the target delivers to this worker's receiver, or every test
is UNSUPPORTED with the reason) and ``completion`` (one object per family run to its event,
shared by the module's tests, so a real provider runs one batch, one job, one response)."""

from __future__ import annotations

import pytest
from wh_steps import FAMILIES, Completion, run

from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.scenario.webhooks import ReceiverSettings, WebhookReceiver, hookup
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture(scope="session")
def hooked(
    client: ConformanceClient,
    session_cleanup: CleanupRegistry,
    webhook_receiver: WebhookReceiver,
    webhook_settings: ReceiverSettings,
) -> WebhookReceiver:
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
    request: pytest.FixtureRequest,
    client: ConformanceClient,
    session_cleanup: CleanupRegistry,
    oaic_config: RunConfig,
    hooked: WebhookReceiver,
) -> Completion:
    return run(str(request.param), client, session_cleanup, oaic_config, hooked)
