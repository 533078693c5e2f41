"""The webhook event catalogue of the contract: event type → payload schema.

The document lists its webhooks under ``webhooks`` (15 entries: batch, fine-tuning job,
response, eval run and realtime call events). Each entry is a ``POST`` whose JSON request body
references one component (``WebhookBatchCompleted``...); the component's ``type`` property is a
one-value enum naming the event type (``batch.completed``). ``event_schemas(spec)`` maps each
event type to its component name, in document order, for the receiver's validation and the
report's coverage ("seen N of 15").
"""

from __future__ import annotations

from typing import Any

REF_PREFIX = "#/components/schemas/"


def event_schemas(spec: Any) -> dict[str, str]:
    """``{event type: component name}`` for every webhook the contract documents."""
    out: dict[str, str] = {}
    hooks = spec.document.get("webhooks") or {}
    for name, item in hooks.items():
        body = ((item or {}).get("post") or {}).get("requestBody") or {}
        schema = ((body.get("content") or {}).get("application/json") or {}).get("schema") or {}
        ref = str(schema.get("$ref") or "")
        if not ref.startswith(REF_PREFIX):
            continue
        component = ref[len(REF_PREFIX) :]
        node = spec.document.get("components", {}).get("schemas", {}).get(component) or {}
        enum = ((node.get("properties") or {}).get("type") or {}).get("enum") or []
        # The component's `type` enum is authoritative; the webhook's key (batch_completed) is
        # only its fallback, with the first underscore-separated family turned into dots.
        event_type = str(enum[0]) if enum else str(name).replace("_", ".", 1)
        out[event_type] = component
    return out


def known_event_types(spec: Any) -> list[str]:
    return list(event_schemas(spec))


def family_types(spec: Any, prefix: str) -> list[str]:
    """Event types of one object family (``batch.``, ``fine_tuning.job.``, ``response.``)."""
    return [t for t in event_schemas(spec) if t.startswith(prefix)]
