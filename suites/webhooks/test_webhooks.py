"""Webhooks: lifecycle completions reach the configured endpoint, signed, valid, once.

Each test is parametrized by the lifecycle that sends the event (``batch``,
``fine_tuning_job``, ``response``); the deliveries it judges are written to its evidence.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from wh_steps import FAMILIES, Completion, create, deadline_s

from openai_conformance.scenario.webhooks import checks, record_deliveries


def _evidence(client: Any, completion: Completion) -> None:
    record_deliveries(getattr(client, "recorder", None), completion.deliveries)


@pytest.mark.requirement("webhooks/completion-delivered")
def test_completion_event_is_delivered_within_lifecycle_deadline(
    client: Any, completion: Completion
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
    client: Any, completion: Completion
) -> None:
    _evidence(client, completion)
    checks.signature_conformance(completion.deliveries)


@pytest.mark.requirement("webhooks/payload-schema")
def test_every_payload_validates_against_its_event_schema(
    client: Any, completion: Completion
) -> None:
    _evidence(client, completion)
    checks.payload_schema_conformance(completion.deliveries)


@pytest.mark.requirement("webhooks/once-per-event")
def test_each_event_is_delivered_under_one_webhook_id(client: Any, completion: Completion) -> None:
    _evidence(client, completion)
    checks.once_per_event_conformance(completion.deliveries)


@pytest.mark.requirement("webhooks/retry-same-id")
def test_refused_delivery_is_retried_under_the_same_webhook_id(
    client: Any, cleanup: Any, oaic_config: Any, hooked: Any
) -> None:
    family = FAMILIES["response"]
    wait = deadline_s(oaic_config, family.feature)
    started = time.monotonic()
    with hooked.refusing(family.events.values()):
        object_id = create("response", client, cleanup, oaic_config)
        first = hooked.wait_for(
            lambda d: d.object_id == object_id and d.verdict == "refused", wait
        )
        if first is not None:  # wait for the retry (or the deadline)
            hooked.wait_for(
                lambda d: d.object_id == object_id and d.seq > first.seq and d.verified,
                max(0.0, wait - (time.monotonic() - started)),
            )
    deliveries = hooked.for_object(object_id)
    record_deliveries(getattr(client, "recorder", None), deliveries)
    waited = time.monotonic() - started
    checks.completion_delivered_conformance(
        object_id, family.events, first, status=None, waited_s=waited,
        requirement="webhooks/retry-same-id",
    )  # fmt: skip
    checks.retry_same_id_conformance(deliveries, waited_s=waited)
