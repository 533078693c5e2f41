"""Webhooks: lifecycle completions reach the configured endpoint, signed, valid, once.

Each test is parametrized by the lifecycle that sends the event (``batch``,
``fine_tuning_job``, ``response``); the deliveries it judges are written to its evidence.
"""

from __future__ import annotations

import time

import pytest
from wh_steps import FAMILIES, GRACE_S, Completion, await_event, create, where

from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.scenario.webhooks import WebhookReceiver, checks, record_deliveries
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


def _evidence(client: ConformanceClient, completion: Completion) -> None:
    """Record the deliveries under this test; with none at all there is nothing to judge, and
    a target that never delivers fails every webhook requirement, not just the first."""
    record_deliveries(client.recorder, completion.deliveries)
    if not completion.deliveries:
        checks.completion_delivered_conformance(
            completion.object_id, completion.family.events, None, status=completion.status,
            waited_s=completion.waited_s,
        )  # fmt: skip


@pytest.mark.requirement("webhooks/completion-delivered")
def test_completion_event_is_delivered_within_lifecycle_deadline(
    client: ConformanceClient, completion: Completion
) -> None:
    _evidence(client, completion)
    checks.completion_delivered_conformance(
        completion.object_id,
        completion.family.events,
        completion.first,
        status=completion.status,
        waited_s=completion.waited_s,
    )


@pytest.mark.requirement("webhooks/signature-valid")
def test_every_delivery_carries_a_valid_signature_and_fresh_timestamp(
    client: ConformanceClient, completion: Completion
) -> None:
    _evidence(client, completion)
    checks.signature_conformance(completion.deliveries)


@pytest.mark.requirement("webhooks/payload-schema")
def test_every_payload_validates_against_its_event_schema(
    client: ConformanceClient, completion: Completion
) -> None:
    _evidence(client, completion)
    checks.payload_schema_conformance(completion.deliveries)


@pytest.mark.requirement("webhooks/once-per-event")
def test_each_event_is_delivered_under_one_webhook_id(
    client: ConformanceClient, completion: Completion
) -> None:
    _evidence(client, completion)
    checks.once_per_event_conformance(completion.deliveries)


@pytest.mark.requirement("webhooks/retry-same-id")
def test_unacknowledged_delivery_is_retried_under_the_same_webhook_id(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    oaic_config: RunConfig,
    hooked: WebhookReceiver,
) -> None:
    # The receiver answers 500 to the first attempt of each response event while this test
    # runs (any non-2xx answer, e.g. a 400 for a bad signature, also calls for a retry).
    family = FAMILIES["response"]
    started = time.monotonic()
    with hooked.refusing(family.events.values()):
        object_id = create("response", client, cleanup, oaic_config)
        first, _ = await_event(
            client, hooked, family, object_id, oaic_config,
            lambda d: d.object_id == object_id and d.status >= 300,
        )  # fmt: skip
        if first is not None:  # then its retry (or the grace period)
            hooked.wait_for(
                lambda d: d.seq > first.seq and d.webhook_id == first.webhook_id,
                GRACE_S[where(oaic_config)],
            )
    deliveries = hooked.for_object(object_id)
    record_deliveries(client.recorder, deliveries)
    waited = time.monotonic() - started
    checks.completion_delivered_conformance(
        object_id, family.events, first, status=None, waited_s=waited
    )  # fmt: skip
    checks.retry_same_id_conformance(deliveries, waited_s=waited)
