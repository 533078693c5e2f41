"""Steps of the background-response and compaction tests.

``start(client, cleanup, body)`` creates a stored background response (deleted at the end)
and returns ``(exchange, response)``; ``cancel_in_flight`` cancels it and turns "it completed
before the cancel arrived" into DISABLED (nothing to judge); ``stream_events`` reads a whole
event stream (a background create, or a resumption ``GET /responses/{id}?stream=true``) and
returns its exchange and the events' JSON payloads; ``stream_key`` is the comparable form of
one event. ``MACHINE`` is the background lifecycle declared in suites/responses/feature.yaml.
"""

from __future__ import annotations

from typing import Any

from resp_steps import create

from openai_conformance.checks import assert_conforms
from openai_conformance.checks.failures import Failure, show
from openai_conformance.checks.outcomes import ConformanceFailure, Disabled
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

FEATURE = "responses"  # the feature whose deadline and machine background responses use
MACHINE = lc.machine(FEATURE)
GET = "GET /responses/{response_id}"
CANCEL = "POST /responses/{response_id}/cancel"
#: Random padding the live API adds to delta events (``include_obfuscation``): it differs
#: between two streams of the same events by design, so it is not part of an event's identity.
VOLATILE = frozenset({"obfuscation"})


def require(config: RunConfig, *features: str) -> None:
    for feature in features:
        if not config.claims(feature):
            raise Disabled(f"the profile does not claim {feature}")


def start(
    client: ConformanceClient, cleanup: CleanupRegistry, body: dict[str, Any], config: RunConfig
) -> tuple[Any, dict[str, Any]]:
    """Create a stored background response that carries the run id, registered for delete."""
    tagged = {**body, "background": True, "store": True, "metadata": config.tag({"suite": "bg"})}
    exchange, got = create(client, tagged)
    rid = got["id"]
    lc.register_undo(cleanup, client, "response", rid, "DELETE", f"/responses/{rid}", "response")
    return exchange, got


def cancel_in_flight(client: ConformanceClient, response_id: str) -> tuple[Any, dict[str, Any]]:
    """Cancel a background response that should still be running; DISABLED when it already
    completed (a fast target: cancelling a finished response judges nothing here)."""
    exchange = client.request("POST", f"/responses/{response_id}/cancel")
    if exchange.status != 200:
        now = client.request("GET", f"/responses/{response_id}")
        if now.status == 200 and (now.json() or {}).get("status") == "completed":
            raise Disabled("the response completed before the cancel arrived")
    return exchange, assert_conforms(exchange, CANCEL)


def stream_events(
    client: ConformanceClient,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    operation: str,
) -> tuple[Any, list[Any]]:
    """Read a whole event stream; FAIL unless it answers 200. Payloads that are not JSON are
    kept as their text, so a comparison shows them."""
    with client.stream(method, path, json=json, params=params) as s:
        if s.status != 200:
            s.read()
            s.finish()
            exchange = s.exchange
            raise ConformanceFailure(
                Failure(
                    title=f"the stream was refused with {exchange.status}",
                    check="background_stream_conformance",
                    operation=operation,
                    message="a background response created with stream: true can be streamed",
                    expected="200 text/event-stream",
                    actual=f"{exchange.status} {show(_body(exchange))}",
                ).with_exchange(exchange)
            )
        for _ in s.events():
            pass
    payloads = []
    for event in s.exchange.events or []:
        try:
            payloads.append(event.json())
        except ValueError:
            payloads.append(event.data)
    return s.exchange, payloads


def stream_key(payload: Any) -> Any:
    """One event as compared between the original stream and a resumed one."""
    if isinstance(payload, dict):
        return {k: v for k, v in payload.items() if k not in VOLATILE}
    return payload


def label(payload: Any) -> str:
    if isinstance(payload, dict):
        return f"{payload.get('sequence_number')}:{payload.get('type')}"
    return repr(payload)[:40]


def _body(exchange: Any) -> Any:
    try:
        return exchange.json()
    except ValueError:
        return exchange.content[:300]
