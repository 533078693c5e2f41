"""Webhook scenario steps: create an object whose lifecycle ends in an event, and collect the
deliveries that name it.

``FAMILIES`` lists the lifecycles the suite drives (batch, fine-tuning job, background
response): how to create one cheaply, the feature it belongs to (for UNSUPPORTED and the
deadline) and which event each terminal status sends. ``run(kind, ...)`` creates the object,
waits on the receiver until an event of its family names it (or the lifecycle deadline
passes), lets repeated deliveries arrive for a short settle time, reads the object's status
once and returns a ``Completion``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from openai_conformance.checks import absence, assert_unsupported_or_conforms
from openai_conformance.checks.outcomes import Unsupported
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.webhooks import Delivery

#: Time to wait after the first delivery for duplicates and retries to arrive.
SETTLE_S = {"reference": 1.5, "remote": 20.0}
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


def deadline_s(config: Any, feature: str) -> float:
    if feature in lc.DEFAULT_DEADLINES:
        return lc.deadline_s(config, feature)
    default = lc.REFERENCE_DEADLINE_S if lc.is_reference(config) else RESPONSES_DEADLINE_S
    return float(config.deadline(feature, default).seconds)


def create(kind: str, client: Any, cleanup: Any, config: Any) -> str:
    """Create one object of ``kind``; returns its id (UNSUPPORTED/DISABLED as the suites do)."""
    if kind == "batch":
        lc.require_feature(client, "batches")
        lc.require_allowed(config, "costly", "creating a batch")
        line = lc.chat_batch_line(f"{config.name_prefix}wh-0", lc.model_for(config, "chat"), "Hi.")
        upload = lc.upload_file(client, cleanup, lc.jsonl([line]), purpose="batch",
                                filename="webhooks.jsonl")  # fmt: skip
        payload = {
            "input_file_id": upload["id"], "endpoint": "/v1/chat/completions",
            "completion_window": "24h", "metadata": config.tag({"suite": "webhooks"}),
        }  # fmt: skip
        body = assert_unsupported_or_conforms(
            client.request("POST", "/batches", json=payload), "POST /batches", feature="batches"
        )
        lc.register_cancel(cleanup, client, "batch", f"/batches/{body['id']}", lc.BATCH, "batch")
        return str(body["id"])
    if kind == "fine_tuning_job":
        lc.require_feature(client, "fine_tuning")
        lc.require_allowed(config, "costly", "creating a fine-tuning job")
        upload = lc.upload_file(client, cleanup, lc.sft_training_jsonl(), purpose="fine-tune",
                                filename="webhooks-train.jsonl")  # fmt: skip
        payload = {
            "model": lc.model_for(config, "fine_tune_base"), "training_file": upload["id"],
            "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1}}},
            "suffix": "oaic-wh", "metadata": config.tag({"suite": "webhooks"}),
        }  # fmt: skip
        exchange = client.request("POST", "/fine_tuning/jobs", json=payload)
        body = assert_unsupported_or_conforms(
            exchange, "POST /fine_tuning/jobs", feature="fine_tuning"
        )
        path = f"/fine_tuning/jobs/{body['id']}"
        lc.register_cancel(cleanup, client, "fine_tuning.job", path, lc.FINE_TUNING, "job")
        return str(body["id"])
    payload = {
        "model": lc.model_for(config, "chat"), "input": "Say OK.", "background": True,
        "store": True, "metadata": config.tag({"suite": "webhooks"}),
    }  # fmt: skip
    exchange = client.request("POST", "/responses", json=payload)
    reason = absence(exchange)
    if reason is not None:
        raise Unsupported(f"background responses: POST /responses answered {reason}")
    body = assert_unsupported_or_conforms(exchange, "POST /responses", feature="responses")
    rid = str(body["id"])
    lc.register_undo(cleanup, client, "response", rid, "DELETE", f"/responses/{rid}", "response")
    return rid


def run(kind: str, client: Any, cleanup: Any, config: Any, receiver: Any) -> Completion:
    family = FAMILIES[kind]
    started = time.monotonic()
    object_id = create(kind, client, cleanup, config)
    types = set(family.events.values())
    first = receiver.wait_for(
        lambda d: d.object_id == object_id and d.event_type in types,
        deadline_s(config, family.feature),
    )
    waited = time.monotonic() - started
    if first is not None:
        time.sleep(SETTLE_S["reference" if lc.is_reference(config) else "remote"])
    exchange = client.request("GET", family.path.format(id=object_id))
    status = None
    if exchange.status == 200:
        try:
            status = str(exchange.json().get("status"))
        except (ValueError, AttributeError):
            status = None
    return Completion(family, object_id, waited, first, receiver.for_object(object_id), status)
