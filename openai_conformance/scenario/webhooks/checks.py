"""The webhook checks: each judges the deliveries the receiver kept for one object.

* ``completion_delivered_conformance``: an event of the object's family naming it arrived
  within the deadline, and its type matches the object's terminal status when that is known;
* ``signature_conformance``: every delivery verified (signature and timestamp);
* ``payload_schema_conformance``: every payload validates against its event type's schema;
* ``once_per_event_conformance``: each event id arrived under exactly one webhook-id;
* ``retry_same_id_conformance``: a delivery answered non-2xx was retried under its webhook-id.

Each raises ``ConformanceFailure`` (FAIL) naming the delivery (``#seq``, verdict, webhook-id)
and what was expected; the deliveries are in the test's evidence (kind ``webhook``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...checks.failures import Failure
from ...checks.outcomes import ConformanceFailure
from .receiver import Delivery

WEBHOOKS = "POST {webhook endpoint}"


def _failure(check: str, title: str, **kw: Any) -> Failure:
    # The requirement id and level are stamped by the plugin from the test's marker.
    return Failure.of(check, title, operation=WEBHOOKS, **kw)


def _raise(failures: list[Failure]) -> None:
    if failures:
        raise ConformanceFailure(failures)


def _listing(deliveries: Sequence[Delivery]) -> str:
    return "; ".join(d.summary() for d in deliveries) or "none"


def completion_delivered_conformance(
    object_id: str,
    expected_types: dict[str, str],
    first: Delivery | None,
    *,
    status: str | None,
    waited_s: float,
) -> None:
    """``expected_types`` maps the object's terminal statuses to their event types."""
    family = sorted(set(expected_types.values()))
    if first is None:
        seen = f"; the object's status is {status!r}" if status else ""
        _raise(
            [
                _failure(
                    "webhook_delivered_conformance",
                    f"no webhook event for {object_id} within {waited_s:.0f} s",
                    pointer="/type",
                    expected="one of " + "|".join(family),
                    actual="no delivery",
                    message=f"waited {waited_s:.1f} s after creating the object{seen}",
                )
            ]
        )
        return
    want = expected_types.get(status or "")
    if want is not None and first.event_type != want:
        _raise(
            [
                _failure(
                    "webhook_delivered_conformance",
                    f"the event for {object_id} does not match its status {status!r}",
                    pointer="/type",
                    expected=want,
                    actual=first.event_type,
                    message=first.summary(),
                )
            ]
        )


def _header_of(problem: str | None) -> str:
    return "webhook-timestamp" if "timestamp" in str(problem) else "webhook-signature"


def signature_conformance(deliveries: Sequence[Delivery]) -> None:
    bad = [d for d in deliveries if not d.verified]
    _raise(
        [
            _failure(
                "webhook_signature_conformance",
                f"delivery #{d.seq} ({d.event_type or '?'}) does not verify: {d.problem}",
                pointer="/headers/" + _header_of(d.problem),
                expected="a v1 HMAC-SHA256 of id.timestamp.body with the endpoint secret, "
                "timestamp within 300 s",
                actual=d.message,
                message=f"webhook-id={d.webhook_id} timestamp={d.timestamp}",
            )
            for d in bad
        ]
    )


def payload_schema_conformance(deliveries: Sequence[Delivery]) -> None:
    failures = []
    for d in deliveries:
        for violation in d.violations:
            pointer, _, message = violation.partition(": ")
            failures.append(
                _failure(
                    "webhook_payload_schema_conformance",
                    f"delivery #{d.seq} ({d.event_type or '?'}) breaks its event schema",
                    pointer=pointer if pointer.startswith("/") else "/",
                    message=message or violation,
                    actual=d.body[:300].decode("utf-8", "replace"),
                )
            )
    _raise(failures)


def once_per_event_conformance(deliveries: Sequence[Delivery]) -> None:
    ids: dict[str, set[str]] = {}
    for d in deliveries:
        if d.verified and d.event_id and d.webhook_id:
            ids.setdefault(d.event_id, set()).add(d.webhook_id)
    _raise(
        [
            _failure(
                "webhook_once_per_event_conformance",
                f"event {event_id} arrived under {len(hooks)} different webhook-ids",
                pointer="/headers/webhook-id",
                expected="one webhook-id per event (retries reuse it)",
                actual=", ".join(sorted(hooks)),
                message=_listing([d for d in deliveries if d.event_id == event_id]),
            )
            for event_id, hooks in sorted(ids.items())
            if len(hooks) > 1
        ]
    )


def retry_same_id_conformance(
    deliveries: Sequence[Delivery],
    *,
    waited_s: float,
) -> None:
    """The first delivery answered non-2xx must be followed by an attempt with its id."""
    refused = next((d for d in deliveries if d.status >= 300), None)
    if refused is None:
        return  # nothing was refused: the caller judges whether anything arrived at all
    later = [d for d in deliveries if d.seq > refused.seq]
    if any(d.webhook_id == refused.webhook_id for d in later):
        return
    _raise(
        [
            _failure(
                "webhook_retry_conformance",
                f"the refused delivery #{refused.seq} was not retried under its webhook-id",
                pointer="/headers/webhook-id",
                expected=f"a retry with webhook-id {refused.webhook_id}",
                actual=_listing(later) if later else f"no retry within {waited_s:.0f} s",
                message=_listing(deliveries),
            )
        ]
    )
