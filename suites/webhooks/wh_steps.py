"""Webhook scenario steps: create an object whose lifecycle ends in an event, and collect the
deliveries that name it.

``FAMILIES`` lists the lifecycles the suite drives (batch, fine-tuning job, background
response): how to create one cheaply, the feature it belongs to (for UNSUPPORTED and the
deadline) and which event each terminal status sends. ``start(kind, ...)`` creates the
object; ``run(started, ...)`` waits on the receiver until an event of its family names it
(``await_event``: polling the object meanwhile; at most the lifecycle deadline, or a grace
period once the object is terminal), lets repeated deliveries arrive for a short settle time,
reads the object's status once more and returns a ``Completion``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai_conformance.checks import assert_conforms
from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.contract.features import absent_answer
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.scenario.webhooks import Delivery, WebhookReceiver
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient
from openai_conformance.wire.exchange import Exchange

#: Time to wait after the first delivery for duplicates and retries to arrive.
SETTLE_S = {"reference": 1.5, "remote": 20.0}
#: How long after the object is seen terminal its event may still arrive (and how long a
#: retry may take): deliveries are asynchronous, but not unbounded.
GRACE_S = {"reference": 3.0, "remote": 300.0}
#: Status polls while waiting: (first interval, cap) in seconds.
POLL_S = {"reference": (0.05, 0.5), "remote": (2.0, 30.0)}
#: Lifecycle deadline of a background response when the profile names none (seconds).
RESPONSES_DEADLINE_S = 600.0


@dataclass(frozen=True)
class Family:
    kind: str
    feature: str
    path: str  # GET path template of the object
    events: dict[str, str]  # terminal status -> event type


FAMILIES = {
    "batch": Family(
        "batch",
        "batches",
        "/batches/{id}",
        {
            "completed": "batch.completed",
            "failed": "batch.failed",
            "cancelled": "batch.cancelled",
            "expired": "batch.expired",
        },
    ),
    "fine_tuning_job": Family(
        "fine_tuning_job",
        "fine_tuning",
        "/fine_tuning/jobs/{id}",
        {
            "succeeded": "fine_tuning.job.succeeded",
            "failed": "fine_tuning.job.failed",
            "cancelled": "fine_tuning.job.cancelled",
        },
    ),
    "response": Family(
        "response",
        "responses",
        "/responses/{id}",
        {
            "completed": "response.completed",
            "failed": "response.failed",
            "cancelled": "response.cancelled",
            "incomplete": "response.incomplete",
        },
    ),
}


@dataclass
class Completion:
    """What one object's lifecycle delivered."""

    family: Family
    object_id: str
    waited_s: float
    first: Delivery | None
    deliveries: list[Delivery] = field(default_factory=list)
    status: str | None = None


def deadline_s(config: RunConfig, feature: str) -> float:
    if feature in lc.DEFAULT_DEADLINES:
        return lc.deadline_s(config, feature)
    default = lc.REFERENCE_DEADLINE_S if lc.is_reference(config) else RESPONSES_DEADLINE_S
    return float(config.deadline(feature, default).seconds)


def _present(exchange: Exchange, what: str) -> None:
    """UNSUPPORTED when ``exchange`` says the route is not implemented: the plugin's absence
    rule (``absent_answer``), applied per lifecycle because the registry decides per test."""
    try:
        body = exchange.json()
    except ValueError:
        body = None
    if absent_answer(exchange.status, body):
        raise Unsupported(
            f"{what}: the target does not implement it: {exchange.request.method} "
            f"{exchange.request.url} answered {exchange.status}"
        )


def _created(exchange: Exchange, operation: str, what: str) -> dict[str, Any]:
    _present(exchange, what)
    return dict(assert_conforms(exchange, operation))


def _require_lifecycle(client: ConformanceClient, feature: str, path: str) -> None:
    """The lifecycle this case needs (and the files API it uploads through) must exist."""
    for what, route in ((feature, path), ("files", "/files")):
        _present(client.request("GET", route, params={"limit": 1}), what)


def create(
    kind: str, client: ConformanceClient, cleanup: CleanupRegistry, config: RunConfig
) -> str:
    """Create one object of ``kind``; returns its id (UNSUPPORTED/DISABLED as the suites do)."""
    tag = config.tag({"suite": "webhooks"})
    if kind == "batch":
        lc.require_allowed(config, "costly", "creating a batch")
        _require_lifecycle(client, "batches", "/batches")
        line = lc.chat_batch_line(f"{config.name_prefix}wh-0", lc.model_for(config, "chat"), "Hi.")
        upload = lc.upload_file(client, cleanup, lc.jsonl([line]), purpose="batch",
                                filename=f"{config.name_prefix}webhooks.jsonl")  # fmt: skip
        payload = {"input_file_id": upload["id"], "endpoint": "/v1/chat/completions",
                   "completion_window": "24h", "metadata": tag}  # fmt: skip
        exchange = client.request("POST", "/batches", json=payload)
        body = _created(exchange, "POST /batches", "batches")
        lc.register_cancel(cleanup, client, "batch", f"/batches/{body['id']}", lc.BATCH, "batch")
        return str(body["id"])
    if kind == "fine_tuning_job":
        lc.require_allowed(config, "costly", "creating a fine-tuning job")
        _require_lifecycle(client, "fine_tuning", "/fine_tuning/jobs")
        upload = lc.upload_file(client, cleanup, lc.sft_training_jsonl(), purpose="fine-tune",
                                filename=f"{config.name_prefix}webhooks-train.jsonl")  # fmt: skip
        payload = {
            "model": lc.model_for(config, "fine_tune_base"), "training_file": upload["id"],
            "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1}}},
            "suffix": "oaic-wh", "metadata": tag,
        }  # fmt: skip
        exchange = client.request("POST", "/fine_tuning/jobs", json=payload)
        body = _created(exchange, "POST /fine_tuning/jobs", "fine_tuning")
        path = f"/fine_tuning/jobs/{body['id']}"
        lc.register_cancel(cleanup, client, "fine_tuning.job", path, lc.FINE_TUNING, "job")
        return str(body["id"])
    payload = {"model": lc.model_for(config, "chat"), "input": "Say OK.", "background": True,
               "store": True, "metadata": tag}  # fmt: skip
    exchange = client.request("POST", "/responses", json=payload)
    rid = str(_created(exchange, "POST /responses", "background responses")["id"])
    lc.register_undo(cleanup, client, "response", rid, "DELETE", f"/responses/{rid}", "response")
    return rid


def where(config: RunConfig) -> str:
    return "reference" if lc.is_reference(config) else "remote"


def await_event(
    client: ConformanceClient,
    receiver: WebhookReceiver,
    family: Family,
    object_id: str,
    config: RunConfig,
    predicate: Callable[[Delivery], bool],
) -> tuple[Delivery | None, str | None]:
    """Wait for a delivery matching ``predicate`` while polling the object's status.

    Gives up at the lifecycle deadline, or ``GRACE_S`` after the object was first seen in a
    terminal state (its event is overdue then). Returns (delivery or None, last status).
    """
    start = time.monotonic()
    deadline = start + deadline_s(config, family.feature)
    interval, cap = POLL_S[where(config)]
    status: str | None = None
    terminal_at: float | None = None
    while True:
        found = receiver.wait_for(predicate, interval)
        if found is not None:
            return found, status
        status = read_status(client, family, object_id) or status
        now = time.monotonic()
        if status in family.events and terminal_at is None:
            terminal_at = now
        if now >= deadline or (
            terminal_at is not None and now - terminal_at > GRACE_S[where(config)]
        ):
            return receiver.wait_for(predicate, 0), status
        interval = min(cap, interval * 1.5)


def read_status(client: ConformanceClient, family: Family, object_id: str) -> str | None:
    exchange = client.request("GET", family.path.format(id=object_id))
    if exchange.status != 200:
        return None
    try:
        return str(exchange.json().get("status"))
    except (ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class Started:
    """An object whose lifecycle runs towards its event (``start``)."""

    kind: str
    object_id: str
    at: float  # time.monotonic() just before it was created


def start(
    kind: str, client: ConformanceClient, cleanup: CleanupRegistry, config: RunConfig
) -> Started:
    """Create one object of ``kind`` (UNSUPPORTED/DISABLED as ``create``)."""
    at = time.monotonic()
    return Started(kind, create(kind, client, cleanup, config), at)


def run(
    started: Started,
    client: ConformanceClient,
    config: RunConfig,
    receiver: WebhookReceiver,
) -> Completion:
    """Wait for the event of ``started``'s object and collect what was delivered for it.

    The objects of several families may have been started together (their lifecycles then
    run side by side): the settle time counts from the first delivery, so an event that
    arrived while another family was awaited is not waited for again.
    """
    family, object_id = FAMILIES[started.kind], started.object_id
    types = set(family.events.values())
    first, status = await_event(
        client, receiver, family, object_id, config,
        lambda d: d.object_id == object_id and d.event_type in types,
    )  # fmt: skip
    waited = time.monotonic() - started.at
    if first is not None:
        # Until the event arrived (the receiver stamps wall time), not until it was looked at.
        waited = first.received_at - (time.time() - waited)
        time.sleep(max(0.0, SETTLE_S[where(config)] - (time.time() - first.received_at)))
        status = read_status(client, family, object_id)
    return Completion(family, object_id, waited, first, receiver.for_object(object_id), status)
