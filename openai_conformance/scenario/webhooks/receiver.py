"""A webhook receiver: verifies, deduplicates, validates and keeps every delivery.

``WebhookReceiver(secret, spec=..., validator=...)`` is an ASGI app (``receiver.app``) and, with
``start()``, a loopback HTTP server (``wire.serving.BackgroundServer``) whose ``url`` is where a
sender posts events (``http://127.0.0.1:PORT/webhooks``). For each POST, in order:

1. body read (at most ``MAX_BODY_BYTES``; larger is 413, recorded as rejected);
2. signature and timestamp verified (``signing.verify``): a failure is answered 400 and kept
   with verdict ``rejected`` and its problem (``stale-timestamp``, ``no-matching-signature``...);
3. replay protection: a verified ``webhook-id`` already accepted is answered 200 (the sender
   may stop retrying) and kept as ``replay``: deduplicated, counted, never processed twice;
4. the JSON payload is validated against its event type's schema in the contract
   (``events.event_schemas``); violations are kept on the delivery (a delivery with a bad
   payload is still acknowledged: the signature proved who sent it, the judging is ours);
5. inside ``with receiver.refusing(event_types):`` the first verified attempt of every new
   ``webhook-id`` of those types is answered 500 with verdict ``refused`` (its id is not marked
   accepted), to make the sender retry; a retry under the same id is then accepted. (Scoped
   by event type, not object id: the event may be sent before the creating call returns.)
6. otherwise 200 with verdict ``accepted``.

Deliveries are kept in arrival order; ``wait_for(predicate, timeout_s)`` blocks until one
matches (or the time is up) and ``for_object(id)`` lists those naming an object (``data.id``,
or ``data.call_id`` for realtime calls). ``on_delivery`` (optional) is called with each
``Delivery`` in the server thread: the standalone command records evidence there; the suites
record the deliveries a test claims, under that test, with ``Delivery.to_record()``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ...wire.exchange import utc_now
from . import signing
from .events import event_schemas

MAX_BODY_BYTES = 1024 * 1024
BODY_EVIDENCE_LIMIT = 16 * 1024
DEFAULT_PATH = "/webhooks"

ACCEPTED, REPLAY, REFUSED, REJECTED = "accepted", "replay", "refused", "rejected"


@dataclass
class Delivery:
    """One POST the receiver got, with its verdict (see module doc)."""

    seq: int
    received_at: float
    recorded_at: str
    headers: dict[str, str]
    body: bytes
    verdict: str = REJECTED
    status: int = 400
    problem: str | None = None  # signing problem, "too-large", "not-json" or None
    message: str = ""
    webhook_id: str | None = None
    timestamp: int | None = None
    event: dict[str, Any] | None = None
    violations: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.verdict in (ACCEPTED, REPLAY, REFUSED)

    @property
    def event_type(self) -> str | None:
        value = (self.event or {}).get("type")
        return str(value) if value is not None else None

    @property
    def event_id(self) -> str | None:
        value = (self.event or {}).get("id")
        return str(value) if value is not None else None

    @property
    def object_id(self) -> str | None:
        data = (self.event or {}).get("data")
        if not isinstance(data, dict):
            return None
        value = data.get("id", data.get("call_id"))
        return str(value) if value is not None else None

    def summary(self) -> str:
        what = self.event_type or "?"
        about = f" for {self.object_id}" if self.object_id else ""
        note = f" ({self.problem}: {self.message})" if self.problem else ""
        return f"#{self.seq} {self.verdict} {what}{about} webhook-id={self.webhook_id}{note}"

    def to_record(self, test_id: str | None = None) -> dict[str, Any]:
        """The evidence record (kind ``webhook``): headers, body (truncated) and verdict."""
        text = self.body[:BODY_EVIDENCE_LIMIT].decode("utf-8", "replace")
        if len(self.body) > BODY_EVIDENCE_LIMIT:
            text += f"...[truncated: {len(self.body)} bytes in total]"
        record: dict[str, Any] = {
            "kind": "webhook",
            "recorded_at": self.recorded_at,
            "delivery": self.seq,
            "verdict": self.verdict,
            "status": self.status,
            "problem": self.problem,
            "message": self.message,
            "webhook_id": self.webhook_id,
            "timestamp": self.timestamp,
            "event_type": self.event_type,
            "event_id": self.event_id,
            "object_id": self.object_id,
            "violations": list(self.violations),
            "headers": dict(self.headers),
            "body": text,
        }
        if test_id is not None:
            record["test_id"] = test_id
        return record


class WebhookReceiver:
    """See module doc. Thread-safe: the server thread appends, tests read and wait."""

    def __init__(
        self,
        secret: str | bytes,
        *,
        spec: Any = None,
        validator: Any = None,
        tolerance_s: float = signing.TOLERANCE_S,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = DEFAULT_PATH,
        on_delivery: Callable[[Delivery], None] | None = None,
    ) -> None:
        self._key = signing.secret_key(secret)  # raises UsageError on a malformed secret
        self.secret = secret
        self.spec = spec
        self.validator = validator
        self.schemas = event_schemas(spec) if spec is not None else {}
        self.tolerance_s = tolerance_s
        self.host, self.port_requested = host, port
        self.path = "/" + path.strip("/")
        self.on_delivery = on_delivery
        self._lock = threading.Condition()
        self._seq = itertools.count(1)
        self._deliveries: list[Delivery] = []
        self._accepted: set[str] = set()
        self._refuse_types: frozenset[str] = frozenset()
        self._refused_ids: set[str] = set()
        self._server: Any = None
        self.app = self._build_app()

    # -- serving -------------------------------------------------------------------------

    def _build_app(self) -> Any:
        from starlette.applications import Starlette

        async def endpoint(request: Request) -> JSONResponse:
            delivery = await self._receive(request)
            return JSONResponse(
                {
                    "received": delivery.verdict,
                    "delivery": delivery.seq,
                    "problem": delivery.problem,
                },
                status_code=delivery.status,
            )

        return Starlette(routes=[Route(self.path, endpoint, methods=["POST"])])

    def start(self) -> WebhookReceiver:
        from ...wire.serving import BackgroundServer

        self._server = BackgroundServer(
            self.app, name="oaic-webhooks", host=self.host, port=self.port_requested
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Where the sender posts (the loopback address this receiver listens on)."""
        if self._server is None:
            raise RuntimeError("the webhook receiver is not started")
        return str(self._server.origin) + self.path

    # -- judging -------------------------------------------------------------------------

    async def _receive(self, request: Request) -> Delivery:
        body = b""
        too_large = False
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                too_large = True
                break
        delivery = Delivery(
            seq=next(self._seq),
            received_at=time.time(),
            recorded_at=utc_now(),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body[:MAX_BODY_BYTES],
        )
        if too_large:
            delivery.status, delivery.problem = 413, "too-large"
            delivery.message = f"body larger than {MAX_BODY_BYTES} bytes"
        else:
            self._judge(delivery)
        with self._lock:
            self._deliveries.append(delivery)
            self._lock.notify_all()
        if self.on_delivery is not None:
            self.on_delivery(delivery)
        return delivery

    def _judge(self, delivery: Delivery) -> None:
        check = signing.verify(
            self._key, delivery.headers, delivery.body, tolerance_s=self.tolerance_s
        )
        delivery.webhook_id, delivery.timestamp = check.webhook_id, check.timestamp
        delivery.message = check.message
        self._parse(delivery)  # parsed even when rejected: the evidence names the event
        if not check.ok:
            delivery.verdict, delivery.status, delivery.problem = REJECTED, 400, check.problem
            return
        with self._lock:
            if check.webhook_id in self._accepted:
                delivery.verdict, delivery.status = REPLAY, 200
                delivery.message = "replay of an accepted webhook-id: deduplicated"
                return
            wid = str(check.webhook_id)
            if delivery.event_type in self._refuse_types and wid not in self._refused_ids:
                self._refused_ids.add(wid)
                delivery.verdict, delivery.status = REFUSED, 500
                delivery.message = "refused on purpose (first attempt) to make the sender retry"
                return
            self._accepted.add(str(check.webhook_id))
        delivery.verdict, delivery.status = ACCEPTED, 200

    def _parse(self, delivery: Delivery) -> None:
        try:
            event = json.loads(delivery.body)
        except ValueError as exc:
            delivery.violations.append(f"/: the body is not JSON ({exc})")
            return
        if not isinstance(event, dict):
            delivery.violations.append("/: the body is not a JSON object")
            return
        delivery.event = event
        if self.validator is None:
            return
        component = self.schemas.get(str(event.get("type")))
        if component is None:
            known = len(self.schemas)
            delivery.violations.append(
                f"/type: {event.get('type')!r} is not one of the {known} webhook event types "
                "the contract documents"
            )
            return
        delivery.violations += [str(v) for v in self.validator.validate(event, component)]

    # -- reading -------------------------------------------------------------------------

    @contextlib.contextmanager
    def refusing(self, event_types: Iterable[str]) -> Iterator[None]:
        """Refuse the first attempt of each new webhook-id of ``event_types`` (module doc)."""
        with self._lock:
            self._refuse_types = frozenset(event_types)
        try:
            yield
        finally:
            with self._lock:
                self._refuse_types = frozenset()

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def for_object(self, object_id: str) -> list[Delivery]:
        return [d for d in self.deliveries() if d.object_id == object_id]

    def wait_for(self, predicate: Callable[[Delivery], bool], timeout_s: float) -> Delivery | None:
        """The first delivery matching ``predicate``, waiting up to ``timeout_s``."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        with self._lock:
            while True:
                for d in self._deliveries:
                    if predicate(d):
                        return d
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._lock.wait(min(left, 0.5))

    def counts(self) -> dict[str, int]:
        """Deliveries per verdict (``replay`` is the deduplicated count)."""
        out = {ACCEPTED: 0, REPLAY: 0, REFUSED: 0, REJECTED: 0}
        for d in self.deliveries():
            out[d.verdict] = out.get(d.verdict, 0) + 1
        return out

    def event_types_seen(self) -> list[str]:
        return sorted({d.event_type for d in self.deliveries() if d.verified and d.event_type})


def record_deliveries(recorder: Any, deliveries: list[Delivery]) -> None:
    """Write ``deliveries`` to the evidence under the test running now (kind ``webhook``)."""
    if recorder is None:
        return
    from ...wire.evidence import current_test

    test_id = current_test.get()
    for d in deliveries:
        recorder.record(d.to_record(test_id))
