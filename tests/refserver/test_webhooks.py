"""Webhook endpoints of the reference server: configuration, deliveries, per-request faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.server import ReferenceServer
from openai_conformance.scenario.webhooks import WebhookReceiver, new_secret

SECRET = new_secret()
# The key of conftest's `core` server (not imported: `conftest` is ambiguous when several
# test folders are collected in one session).
API_KEY = "sk-core-test-0123456789"


def fault(*names: str) -> dict[str, str]:
    return {"x-oaic-fault": ",".join(names)}


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    spec = load_spec()
    with WebhookReceiver(SECRET, spec=spec, validator=SchemaValidator(spec)) as rx:
        yield rx


@pytest.fixture(scope="module")
def hooked(api: httpx.Client, receiver: WebhookReceiver) -> Iterator[str]:
    created = api.post("/__oaic/webhooks", json={"url": receiver.url, "secret": SECRET})
    assert created.status_code == 200, created.text
    yield created.json()["id"]
    api.delete(f"/__oaic/webhooks/{created.json()['id']}")


def background(api: httpx.Client, headers: dict[str, str] | None = None) -> str:
    body = {"model": "ref-chat", "input": "hi", "background": True, "store": True}
    created = api.post("/responses", json=body, headers=headers or {})
    assert created.status_code == 200, created.text
    return str(created.json()["id"])


def test_background_response_completion_is_delivered_signed(
    api: httpx.Client, receiver: WebhookReceiver, hooked: str
) -> None:
    rid = background(api)
    d = receiver.wait_for(lambda d: d.object_id == rid, 10)
    assert d is not None and d.verdict == "accepted" and d.event_type == "response.completed"
    assert d.violations == [] and d.webhook_id and d.webhook_id.startswith("wh_")


def test_cancelled_background_response_sends_response_cancelled(
    receiver: WebhookReceiver, hooked: str
) -> None:
    # A slow clock keeps the response queued long enough to cancel it.
    with ReferenceServer(api_key=API_KEY, clock_speed=0.01) as slow:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        with httpx.Client(base_url=slow.base_url, headers=auth, timeout=10) as api:
            api.post("/__oaic/webhooks", json={"url": receiver.url, "secret": SECRET})
            rid = background(api)
            assert api.post(f"/responses/{rid}/cancel").json()["status"] == "cancelled"
            d = receiver.wait_for(lambda d: d.object_id == rid, 10)
    assert d is not None and d.event_type == "response.cancelled"


def test_fault_header_applies_to_the_objects_deliveries(
    api: httpx.Client, receiver: WebhookReceiver, hooked: str
) -> None:
    rid = background(api, fault("webhooks-bad-signature"))
    d = receiver.wait_for(lambda d: d.object_id == rid, 10)
    assert d is not None and d.problem == "no-matching-signature"


def test_no_endpoint_means_no_watch(core: ReferenceServer) -> None:
    with ReferenceServer(api_key=API_KEY) as fresh:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        with httpx.Client(base_url=fresh.base_url, headers=auth, timeout=10) as api:
            background(api)
            state = fresh.state
            assert "webhooks" not in state.extra or not state.extra["webhooks"].watches


@pytest.mark.parametrize(
    ("body", "param"),
    [({"url": "ftp://x"}, "url"), ({"url": "http://x", "secret": "whsec_!!"}, "secret")],
)
def test_bad_endpoint_configuration_is_a_400_naming_the_parameter(
    api: httpx.Client, body: dict[str, str], param: str
) -> None:
    answer = api.post("/__oaic/webhooks", json=body)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param


def test_generated_secret_is_shown_once(api: httpx.Client) -> None:
    made = api.post("/__oaic/webhooks", json={"url": "http://127.0.0.1:9/x"}).json()
    assert made["secret"].startswith("whsec_")
    assert api.delete(f"/__oaic/webhooks/{made['id']}").json()["deleted"] is True
    assert api.delete(f"/__oaic/webhooks/{made['id']}").status_code == 404


def test_webhook_configuration_needs_the_api_key(core: ReferenceServer) -> None:
    answer = httpx.post(core.base_url + "/__oaic/webhooks", json={"url": "http://x"}, timeout=10)
    assert answer.status_code == 401


def test_a_broken_watch_is_dropped_and_others_still_deliver(
    receiver: WebhookReceiver,
) -> None:
    from openai_conformance.refserver import webhooks

    def broken(now: float) -> tuple[str, float] | None:
        raise KeyError("gone")

    with ReferenceServer(api_key=API_KEY) as server:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        with httpx.Client(base_url=server.base_url, headers=auth, timeout=10) as api:
            api.post("/__oaic/webhooks", json={"url": receiver.url, "secret": SECRET})
            webhooks.watch(server.state, "obj_broken", broken, frozenset())
            rid = background(api)
            delivery = receiver.wait_for(lambda d: d.object_id == rid, 10)
            assert delivery is not None and delivery.event_type == "response.completed"
            assert all(w.object_id != "obj_broken" for w in webhooks.hub(server.state).watches)


def test_deleted_background_response_never_sends_response_completed(
    receiver: WebhookReceiver,
) -> None:
    # Regression: the watch fell back to its own copy of a deleted response and, once the clock
    # passed its completion, sent response.completed for an object that no longer existed.
    from openai_conformance.refserver import webhooks

    with ReferenceServer(api_key=API_KEY, clock_speed=1.0, allow_fault_header=True) as server:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        with httpx.Client(base_url=server.base_url, headers=auth, timeout=10) as api:
            api.post("/__oaic/webhooks", json={"url": receiver.url, "secret": SECRET})
            gone = background(api)
            assert api.delete(f"/responses/{gone}").status_code == 200
            assert api.post("/__oaic/clock", json={"advance": 60}).status_code == 200
            # A later response completes later: once its event is in, the pump has passed the
            # deleted one's completion time (and would have sent it first).
            later = background(api)
            assert api.post("/__oaic/clock", json={"advance": 60}).status_code == 200
            delivery = receiver.wait_for(lambda d: d.object_id == later, 10)
            assert delivery is not None and delivery.event_type == "response.completed"
            assert receiver.for_object(gone) == []
            assert all(w.object_id != gone for w in webhooks.hub(server.state).watches)
