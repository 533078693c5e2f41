"""Webhook deliveries of the reference server: endpoints, watches on lifecycles, a sender.

Endpoints are configured by the run, like OpenAI's dashboard configures them for a project:
``POST /v1/__oaic/webhooks {"url": ..., "secret": "whsec_..."}`` answers ``{"id": "we_..."}``
and ``DELETE /v1/__oaic/webhooks/{id}`` removes one (``app.py``; authenticated like every
route, and available without ``allow_fault_header`` because configuring endpoints is a feature,
not a test hook). Every event goes to every endpoint, each signed with that endpoint's secret.

Lifecycles compute their state from the clock when read, so nothing would notice a batch
finishing while nobody polls it. A lifecycle therefore registers a *watch* when its object is
created (``watch(state, object_id, probe, faults)``): ``probe(now)`` returns ``(event type,
created_at)`` once the object reached a state that emits an event, else None (``DROP`` when
the object is gone for good: the watch ends without an event). While endpoints
exist, a pump task in the server's event loop (started by ``ensure_pump`` on the next request)
checks every watch each ``TICK_S`` of real time and sends the events that became due, so
deliveries happen without polling, as a real provider's do. Watches are only registered while
at least one endpoint exists.

A delivery is a Standard Webhooks POST (``scenario.webhooks.signing``): a fresh ``webhook-id``
per event, kept on every retry; ``webhook-timestamp`` is the *real* time of the attempt (the
simulated clock runs 1000x fast and would look stale to any receiver). A non-2xx answer or a
network error is retried after ``RETRY_DELAYS_S`` (real seconds). The payload is OpenAI's
``{"id": "evt_...", "object": "event", "created_at", "type", "data": {"id": object id}}`` with
``created_at`` the simulated time the state was reached.

Faults (each breaks what one check of suites/webhooks verifies): a wrong signing key, a stale
timestamp, a payload that breaks the event schema, the completion event never sent, every
event sent twice under two webhook-ids, and retries that change the webhook-id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from ..contract.envelope import ApiError
from ..scenario.webhooks.signing import new_secret, secret_key, signature_headers
from .faults import declare

if TYPE_CHECKING:
    from .state import ServerState

log = logging.getLogger("openai_conformance.refserver.webhooks")

TICK_S = 0.05
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0)
SEND_TIMEOUT_S = 5.0
STALE_BY_S = 600
MAX_ENDPOINTS = 32
_KEY = "webhooks"

BAD_SIGNATURE = declare(
    "webhooks-bad-signature",
    "Webhook deliveries are signed with a key other than the endpoint's secret.",
    "webhooks/signature-valid",
    breaks=["webhooks/signature-valid"],
)
STALE_TIMESTAMP = declare(
    "webhooks-stale-timestamp",
    "Webhook deliveries carry a webhook-timestamp 10 minutes in the past (correctly signed).",
    "webhooks/signature-valid",
    breaks=["webhooks/signature-valid"],
)
WRONG_PAYLOAD = declare(
    "webhooks-wrong-payload",
    "Webhook payloads have object 'webhook_event' and created_at as an ISO 8601 string.",
    "webhooks/payload-schema",
    breaks=["webhooks/payload-schema"],
)
MISSING_EVENT = declare(
    "webhooks-missing-event",
    "Completion events (batch, fine-tuning job, background response) are never delivered.",
    "webhooks/completion-delivered",
    # nothing delivered leaves nothing to judge: every webhook requirement fails
    breaks=[
        "webhooks/completion-delivered",
        "webhooks/signature-valid",
        "webhooks/payload-schema",
        "webhooks/once-per-event",
        "webhooks/retry-same-id",
    ],
)
DUPLICATE_NEW_ID = declare(
    "webhooks-duplicate-new-id",
    "Every event is delivered twice, each time under a different webhook-id.",
    "webhooks/once-per-event",
    breaks=["webhooks/once-per-event"],
)
RETRY_NEW_ID = declare(
    "webhooks-retry-new-id",
    "A retried delivery carries a new webhook-id instead of the original one.",
    "webhooks/retry-same-id",
    breaks=["webhooks/retry-same-id"],
)

Probe = Callable[[float], "tuple[str, float] | None"]
#: What a probe returns when its object is gone for good (deleted): the watch ends, silently.
DROP: tuple[str, float] = ("", -1.0)


@dataclass
class Endpoint:
    id: str
    url: str
    secret: str


@dataclass
class Watch:
    object_id: str
    probe: Probe
    faults: frozenset[str]


@dataclass
class Hub:
    """Per-server webhook state (``state.extra["webhooks"]``)."""

    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    watches: list[Watch] = field(default_factory=list)
    pump: asyncio.Task[None] | None = None
    sent: int = 0


def hub(state: ServerState) -> Hub:
    with state.lock:
        found = state.extra.get(_KEY)
        if found is None:
            found = state.extra[_KEY] = Hub()
        return found


def add_endpoint(state: ServerState, body: Any) -> dict[str, Any]:
    """Register an endpoint from a control request body (400 envelope on bad input)."""
    if not isinstance(body, dict):
        raise ApiError(
            400, 'Expected a JSON object like {"url": "http://...", "secret": "whsec_..."}.'
        )
    url = body.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ApiError(400, "'url' must be an http(s) URL.", param="url")
    secret = body.get("secret") or new_secret()
    try:
        secret_key(str(secret))
    except Exception as exc:  # UsageError: not base64 after whsec_
        raise ApiError(400, f"'secret' is not a whsec_ secret: {exc}", param="secret") from None
    h = hub(state)
    with state.lock:
        if len(h.endpoints) >= MAX_ENDPOINTS:
            raise ApiError(400, f"At most {MAX_ENDPOINTS} webhook endpoints.", param="url")
        endpoint = Endpoint("we_" + secrets.token_hex(12), url, str(secret))
        h.endpoints[endpoint.id] = endpoint
    # The secret is echoed only when the server generated it (as a dashboard shows it once).
    shown = {"secret": endpoint.secret} if not body.get("secret") else {}
    return {"id": endpoint.id, "object": "webhook_endpoint", "url": url, **shown}


def remove_endpoint(state: ServerState, endpoint_id: str) -> dict[str, Any]:
    h = hub(state)
    with state.lock:
        if h.endpoints.pop(endpoint_id, None) is None:
            raise ApiError(404, f"No webhook endpoint {endpoint_id!r}.", param="id")
    return {"id": endpoint_id, "object": "webhook_endpoint.deleted", "deleted": True}


def watch(state: ServerState, object_id: str, probe: Probe, faults: frozenset[str]) -> None:
    """Send the event ``probe`` reports for ``object_id`` once it does (see module doc)."""
    h = hub(state)
    with state.lock:
        if h.endpoints:
            h.watches.append(Watch(object_id, probe, frozenset(faults | state.config.faults)))


def ensure_pump(state: ServerState) -> None:
    """Start the pump task in the running loop when there is something to watch."""
    h = state.extra.get(_KEY)
    if not isinstance(h, Hub) or not h.endpoints or not h.watches:
        return
    if h.pump is None or h.pump.done():
        h.pump = asyncio.get_running_loop().create_task(_pump(state, h))


async def _pump(state: ServerState, h: Hub) -> None:
    async with httpx.AsyncClient(timeout=SEND_TIMEOUT_S) as client:
        pending: set[asyncio.Task[None]] = set()
        while h.endpoints and (h.watches or pending):
            now = state.clock.now()
            with state.lock:
                due = [(w, _safe_probe(w, now)) for w in h.watches]
                fired = [(w, r) for w, r in due if r is not None and r not in _ENDED]
                h.watches = [w for w, r in due if r is None]
                endpoints = list(h.endpoints.values())
            for w, (event_type, created_at) in fired:
                if MISSING_EVENT in w.faults:
                    continue
                event = _event(event_type, w.object_id, created_at, w.faults)
                copies = 2 if DUPLICATE_NEW_ID in w.faults else 1
                for endpoint in endpoints:
                    for _ in range(copies):
                        task = asyncio.create_task(_deliver(client, endpoint, event, w.faults))
                        pending.add(task)
                        task.add_done_callback(pending.discard)
                        h.sent += 1
            await asyncio.sleep(TICK_S)
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


_BROKEN = ("", 0.0)  # a probe that raised: its watch is dropped, the pump keeps running
_ENDED = (_BROKEN, DROP)


def _safe_probe(w: Watch, now: float) -> tuple[str, float] | None:
    try:
        return w.probe(now)
    except Exception:  # one broken lifecycle must not stop every other delivery
        log.exception("webhook probe for %s failed; its watch is dropped", w.object_id)
        return _BROKEN


def _event(event_type: str, object_id: str, created_at: float, faults: frozenset[str]) -> bytes:
    event: dict[str, Any] = {
        "id": "evt_" + secrets.token_hex(16),
        "object": "event",
        "created_at": int(created_at),
        "type": event_type,
        "data": {"id": object_id},
    }
    if WRONG_PAYLOAD in faults:
        event["object"] = "webhook_event"
        event["created_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created_at))
    return json.dumps(event, separators=(",", ":")).encode()


async def _deliver(
    client: httpx.AsyncClient, endpoint: Endpoint, body: bytes, faults: frozenset[str]
) -> None:
    webhook_id = "wh_" + secrets.token_hex(16)
    key = new_secret() if BAD_SIGNATURE in faults else endpoint.secret
    for attempt, delay in enumerate((0.0, *RETRY_DELAYS_S)):
        if delay:
            await asyncio.sleep(delay)
        if attempt and RETRY_NEW_ID in faults:
            webhook_id = "wh_" + secrets.token_hex(16)
        stamp = int(time.time()) - (STALE_BY_S if STALE_TIMESTAMP in faults else 0)
        headers = signature_headers(key, webhook_id, stamp, body)
        headers["content-type"] = "application/json"
        headers["user-agent"] = "openai-conformance-refserver/webhooks"
        try:
            response = await client.post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.info("webhook %s to %s failed: %s", webhook_id, endpoint.url, exc)
            continue
        if 200 <= response.status_code < 300:
            return
    log.info("webhook %s to %s: giving up after %d attempts", webhook_id, endpoint.url, attempt + 1)


def terminal_probe(
    read_state: Callable[[float], str],
    reached_at: Callable[[str, float], float | None],
    events: dict[str, str],
) -> Probe:
    """A probe for a ``Timeline`` lifecycle: the event of the terminal state once reached."""

    def probe(now: float) -> tuple[str, float] | None:
        status = read_state(now)
        if status not in events:
            return None
        return events[status], reached_at(status, now) or now

    return probe
