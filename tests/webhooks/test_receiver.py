"""The receiver: verification verdicts, replay deduplication, payload validation, refusal,
evidence records; served on a loopback port and posted to with httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.scenario.webhooks import (
    WebhookReceiver,
    new_secret,
    signature_headers,
)

SECRET = new_secret()


def event(event_type: str = "batch.completed", object_id: str = "batch_1", **extra: Any) -> bytes:
    body = {"id": "evt_1", "object": "event", "created_at": 1_700_000_000, "type": event_type,
            "data": {"id": object_id}, **extra}  # fmt: skip
    return json.dumps(body, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    spec = load_spec()
    with WebhookReceiver(SECRET, spec=spec, validator=SchemaValidator(spec)) as rx:
        yield rx


def post(
    rx: WebhookReceiver,
    body: bytes,
    webhook_id: str,
    *,
    secret: str = SECRET,
    stamp: int | None = None,
) -> httpx.Response:
    headers = signature_headers(secret, webhook_id, stamp or int(time.time()), body)
    return httpx.post(rx.url, content=body, headers=headers, timeout=10)


def last(rx: WebhookReceiver) -> Any:
    return rx.deliveries()[-1]


def test_signed_delivery_is_accepted_and_parsed(receiver: WebhookReceiver) -> None:
    response = post(receiver, event(object_id="batch_ok"), "wh_ok")
    d = last(receiver)
    assert response.status_code == 200
    assert (d.verdict, d.event_type, d.object_id, d.violations) == (
        "accepted", "batch.completed", "batch_ok", [],
    )  # fmt: skip


def test_same_webhook_id_again_is_a_counted_replay(receiver: WebhookReceiver) -> None:
    before = receiver.counts()["replay"]
    post(receiver, event(object_id="batch_replay"), "wh_replay")
    response = post(receiver, event(object_id="batch_replay"), "wh_replay")
    assert response.status_code == 200  # acknowledged, so the sender stops
    assert last(receiver).verdict == "replay"
    assert receiver.counts()["replay"] == before + 1
    accepted = [d for d in receiver.for_object("batch_replay") if d.verdict == "accepted"]
    assert len(accepted) == 1


def test_wrong_secret_is_rejected_with_400(receiver: WebhookReceiver) -> None:
    response = post(receiver, event(object_id="batch_bad"), "wh_bad", secret=new_secret())
    d = last(receiver)
    assert response.status_code == 400
    assert (d.verdict, d.problem, d.object_id) == ("rejected", "no-matching-signature", "batch_bad")


def test_stale_timestamp_is_rejected_and_not_marked_seen(receiver: WebhookReceiver) -> None:
    response = post(receiver, event(), "wh_stale", stamp=int(time.time()) - 301)
    assert response.status_code == 400 and last(receiver).problem == "stale-timestamp"
    # a rejected attempt does not poison the id: a fresh, valid attempt is accepted
    assert post(receiver, event(), "wh_stale").status_code == 200
    assert last(receiver).verdict == "accepted"


def test_payload_breaking_its_event_schema_is_recorded(receiver: WebhookReceiver) -> None:
    post(receiver, event(object="webhook_event"), "wh_schema")
    d = last(receiver)
    assert d.verdict == "accepted" and any(v.startswith("/object") for v in d.violations)


def test_undocumented_event_type_is_a_violation(receiver: WebhookReceiver) -> None:
    post(receiver, event(event_type="batch.exploded"), "wh_unknown")
    assert "15 webhook event types" in last(receiver).violations[0]


def test_refusing_answers_500_once_per_webhook_id(receiver: WebhookReceiver) -> None:
    with receiver.refusing(["response.completed"]):
        first = post(receiver, event("response.completed", "resp_r"), "wh_r")
        retry = post(receiver, event("response.completed", "resp_r"), "wh_r")
    assert (first.status_code, retry.status_code) == (500, 200)
    assert [d.verdict for d in receiver.for_object("resp_r")] == ["refused", "accepted"]


def test_wait_for_returns_a_matching_delivery_or_none(receiver: WebhookReceiver) -> None:
    post(receiver, event(object_id="batch_wait"), "wh_wait")
    assert receiver.wait_for(lambda d: d.object_id == "batch_wait", 1).webhook_id == "wh_wait"
    started = time.monotonic()
    assert receiver.wait_for(lambda d: d.object_id == "never", 0.2) is None
    assert time.monotonic() - started < 2


def test_evidence_record_names_the_delivery_without_the_secret(receiver: WebhookReceiver) -> None:
    post(receiver, event(object_id="batch_ev"), "wh_ev")
    record = last(receiver).to_record("suites/x::t")
    assert record["kind"] == "webhook" and record["test_id"] == "suites/x::t"
    assert record["event_type"] == "batch.completed" and record["webhook_id"] == "wh_ev"
    assert SECRET not in json.dumps(record)


def test_non_json_body_is_a_violation(receiver: WebhookReceiver) -> None:
    post(receiver, b"not json", "wh_text")
    assert last(receiver).violations[0].startswith("/: the body is not JSON")
