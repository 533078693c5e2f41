"""Each webhook check fails on its named reference-server fault, and only then.

suites/webhooks runs against a reference server with one fault per row; the set of tests that
do not PASS must equal the row's set exactly. Without faults everything passes; against a
target that cannot be configured to deliver (no control endpoint, no public URL) every test is
UNSUPPORTED, never FAIL.
"""

from __future__ import annotations

import pytest
from lifecycle_runner import Job, failing, prefetch, run_suite, run_suite_against_absent

from openai_conformance.refserver.faults import CATALOGUE

KINDS = ("batch", "fine_tuning_job", "response")
DELIVERED = "test_completion_event_is_delivered_within_lifecycle_deadline"
SIGNED = "test_every_delivery_carries_a_valid_signature_and_fresh_timestamp"
SCHEMA = "test_every_payload_validates_against_its_event_schema"
ONCE = "test_each_event_is_delivered_under_one_webhook_id"
RETRY = "test_unacknowledged_delivery_is_retried_under_the_same_webhook_id"
ALL = {f"{t}[{k}]" for t in (DELIVERED, SIGNED, SCHEMA, ONCE) for k in KINDS} | {RETRY}


def each(test: str) -> set[str]:
    return {f"{test}[{k}]" for k in KINDS}


#: fault -> tests that must not pass with it (all others must pass)
FAULTS: dict[str, set[str]] = {
    "webhooks-bad-signature": each(SIGNED),
    "webhooks-stale-timestamp": each(SIGNED),
    "webhooks-wrong-payload": each(SCHEMA),
    "webhooks-duplicate-new-id": each(ONCE),
    "webhooks-retry-new-id": {RETRY},
    # Nothing delivered: nothing to judge, every requirement fails.
    "webhooks-missing-event": ALL,
}


@pytest.fixture(scope="module", autouse=True)
def _prefetch() -> None:
    jobs: list[Job] = [("webhooks", (), 1000.0), ("webhooks",)]
    jobs += [("webhooks", (fault,), 1000.0) for fault in FAULTS]
    prefetch(jobs)


def test_every_webhook_fault_is_declared_and_covered() -> None:
    declared = {name for name in CATALOGUE if name.startswith("webhooks-")}
    assert declared == set(FAULTS)


@pytest.mark.slow
def test_webhook_suite_passes_against_the_reference_server() -> None:
    outcomes = run_suite("webhooks", (), 1000.0)
    assert set(outcomes) == ALL
    assert failing(outcomes) == set(), outcomes


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_webhook_check_fails_on_its_fault(fault: str) -> None:
    outcomes = run_suite("webhooks", (fault,), 1000.0)
    assert failing(outcomes) == FAULTS[fault], outcomes
    assert {o for n, o in outcomes.items() if n in FAULTS[fault]} == {"FAIL"}, outcomes


@pytest.mark.slow
def test_webhook_tests_are_unsupported_when_the_target_cannot_deliver() -> None:
    outcomes = run_suite_against_absent("webhooks")
    assert set(outcomes.values()) == {"UNSUPPORTED"}, outcomes
