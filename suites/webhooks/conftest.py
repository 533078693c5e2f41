"""Webhook fixtures: ``hooked`` (the target delivers to this worker's receiver, or every test
is UNSUPPORTED with the reason), ``started`` (one object per family, all created at once) and
``completion`` (a family's object run to its event, shared by the module's tests, so a real
provider runs one batch, one job, one response)."""

from __future__ import annotations

import pytest
from wh_steps import FAMILIES, Completion, Started, run, start

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


@pytest.fixture(scope="module")
def started(
    client: ConformanceClient,
    session_cleanup: CleanupRegistry,
    oaic_config: RunConfig,
    hooked: WebhookReceiver,
) -> dict[str, Started | Exception]:
    """Every family's object, created together so their lifecycles run side by side; what
    stopped a family from starting (UNSUPPORTED, DISABLED, a FAIL) is kept for its tests."""
    out: dict[str, Started | Exception] = {}
    for kind in FAMILIES:
        try:
            out[kind] = start(kind, client, session_cleanup, oaic_config)
        except Exception as exc:  # raised again by that family's ``completion``
            out[kind] = exc
    return out


@pytest.fixture(scope="module", params=list(FAMILIES))
def completion(
    request: pytest.FixtureRequest,
    started: dict[str, Started | Exception],
    client: ConformanceClient,
    oaic_config: RunConfig,
    hooked: WebhookReceiver,
) -> Completion:
    begun = started[str(request.param)]
    if isinstance(begun, Exception):
        raise begun
    return run(begun, client, oaic_config, hooked)
