"""Background responses: the clock-driven status, the webhook they send, and streamed
background responses that a client can resume (``GET /responses/{id}?stream=true``).

Documented behaviour (https://developers.openai.com/api/docs/guides/background): a background
response is polled while ``queued`` or ``in_progress``; cancelling twice is idempotent (the
second cancel returns the final response); a response created with ``stream: true`` and
``background: true`` can be streamed again from a cursor with ``starting_after`` (the events
whose ``sequence_number`` is greater), and only such a response can be.

A polled background response is ``queued`` for ``QUEUED_S`` simulated seconds, then
``in_progress`` for ``RUNNING_S``, then ``completed`` with its output. A streamed one is
produced at once (its stream ends with ``response.completed``) and is stored completed with
its events kept for resumption. Deleting a background response forgets its job and its
events: it never sends ``response.completed`` afterwards (webhook or stream).
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.responses import Response

from ...contract.envelope import invalid
from .. import sse, webhooks
from ..context import Ctx
from ..faults import declare
from ..state import ServerState
from ._respgen import KIND
from .responses_stream import events

BACK_TO_QUEUED = declare(
    "responses-background-back-to-queued",
    "a background response reports queued again in the second half of its in_progress phase",
    "responses.background_lifecycle_conformance",
    breaks=["responses/background-lifecycle"],
)
COMPLETES_EMPTY = declare(
    "responses-background-completes-empty",
    "a polled background response reaches completed with no output",
    "responses.background_lifecycle_conformance",
    breaks=["responses/background-lifecycle"],
)
CANCEL_NOT_IDEMPOTENT = declare(
    "responses-cancel-not-idempotent",
    "cancelling an already cancelled background response is a 400 instead of returning it",
    "responses.background_cancel_idempotent_conformance",
    breaks=["responses/background-cancel-idempotent"],
)
RESUME_FROM_START = declare(
    "responses-resume-from-start",
    "a resumed background stream ignores starting_after and replays every event from 0",
    "responses.background_stream_resume_conformance",
    breaks=["responses/background-stream-resume"],
)
RESUME_SKIPS_EVENT = declare(
    "responses-resume-skips-event",
    "a resumed background stream drops the first event after the cursor",
    "responses.background_stream_resume_conformance",
    breaks=["responses/background-stream-resume"],
)

QUEUED_S = 2.0
#: Half a minute of generation, like a real background run (32 ms at the default 1000x clock):
#: long enough for a cancel sent right after the create to find it still in progress.
RUNNING_S = 30.0
_JOBS = "responses.background"
_STREAMS = "responses.background.streams"


def jobs(state: ServerState) -> dict[str, dict[str, Any]]:
    """Polled background responses: id -> {"t0", "final", "faults"}."""
    with state.lock:
        return state.extra.setdefault(_JOBS, {})


def _streams(state: ServerState) -> dict[str, list[dict[str, Any]]]:
    """Streamed background responses: id -> every event of the original stream."""
    with state.lock:
        return state.extra.setdefault(_STREAMS, {})


def start(ctx: Ctx, pending: dict[str, Any], final: dict[str, Any]) -> None:
    """Run ``final`` in the background: ``pending`` (stored, queued) follows the clock."""
    job = {"t0": ctx.state.clock.now(), "final": final, "faults": ctx.faults}
    jobs(ctx.state)[final["id"]] = job
    webhooks.watch(ctx.state, final["id"], _probe(ctx.state, final["id"]), ctx.faults)


def current(state: ServerState, response: dict[str, Any]) -> dict[str, Any]:
    """The stored response with its background status advanced to the clock."""
    job = jobs(state).get(response["id"])
    if not job or response["status"] not in ("queued", "in_progress"):
        return response
    elapsed = state.clock.now() - job["t0"]
    with state.lock:
        if elapsed >= QUEUED_S + RUNNING_S:
            final = copy.deepcopy(job["final"])
            final["completed_at"] = int(job["t0"] + QUEUED_S + RUNNING_S)
            if COMPLETES_EMPTY in job["faults"]:
                final.update(output=[], output_text=None)
            response.clear()
            response.update(final)
        elif elapsed >= QUEUED_S:
            late = elapsed >= QUEUED_S + RUNNING_S / 2
            back = late and BACK_TO_QUEUED in job["faults"]
            response["status"] = "queued" if back else "in_progress"
    return response


def cancel(ctx: Ctx, response: dict[str, Any], *, ignored: bool) -> dict[str, Any]:
    """Cancel a background response: queued/in_progress -> cancelled; a cancelled one is
    returned as it is (documented idempotence); any other status is a 400."""
    if response["status"] in ("queued", "in_progress"):
        if ignored:
            return response
        with ctx.state.lock:
            response["status"] = "cancelled"
            jobs(ctx.state).pop(response["id"], None)
    elif response["status"] != "cancelled" or ctx.fault(CANCEL_NOT_IDEMPOTENT):
        raise invalid(
            f"Cannot cancel a response with status '{response['status']}'.", "response_id"
        )
    return response


def forget(state: ServerState, response_id: str) -> None:
    """A deleted response: no job, no kept events, so nothing is sent for it any more."""
    with state.lock:
        jobs(state).pop(response_id, None)
        _streams(state).pop(response_id, None)


def _probe(state: ServerState, response_id: str) -> webhooks.Probe:
    """The event a background response sends: ``response.cancelled`` once cancelled,
    ``response.completed`` once its clock (or its stream) completed it; nothing ever for a
    deleted one (its watch ends)."""

    def probe(now: float) -> tuple[str, float] | None:
        stored = state.store.get(KIND, response_id)
        if stored is None:  # deleted: never "completed" later (it used to be, from a stale copy)
            return webhooks.DROP
        if stored.get("status") == "cancelled":
            return "response.cancelled", now
        if response_id in _streams(state):
            return "response.completed", float(stored.get("completed_at") or now)
        job = jobs(state).get(response_id)
        if job is not None and now - job["t0"] >= QUEUED_S + RUNNING_S:
            return "response.completed", job["t0"] + QUEUED_S + RUNNING_S
        return None

    return probe


def stream(ctx: Ctx, response: dict[str, Any]) -> Response:
    """Stream a background response (``response.created`` carries status ``queued``, then
    ``response.queued``) and keep its events for resumption."""
    evs = events(response, ctx.faults, observed=ctx.state.observed)
    created = copy.deepcopy(evs[0]["response"]) if evs and "response" in evs[0] else None
    if created is not None and evs[0]["type"] == "response.created":
        created["status"] = "queued"
        evs[0]["response"] = created
        evs.insert(1, {"type": "response.queued", "response": created})
        for seq, ev in enumerate(evs):  # renumber: the stream counts from 0 with no gaps
            ev["sequence_number"] = seq
    _streams(ctx.state)[response["id"]] = evs
    webhooks.watch(ctx.state, response["id"], _probe(ctx.state, response["id"]), ctx.faults)
    return _send(evs)


def resume(ctx: Ctx, response: dict[str, Any]) -> Response:
    """``GET /responses/{id}?stream=true[&starting_after=N]``: the kept events after N."""
    kept = _streams(ctx.state).get(response["id"])
    if kept is None:
        raise invalid(
            "Only a background response created with 'stream' set to true can be streamed.",
            "stream",
        )
    raw = ctx.query.get("starting_after")
    raw = raw[-1] if isinstance(raw, list) else raw
    try:
        after = -1 if raw is None else int(raw)
    except (TypeError, ValueError):
        raise invalid("'starting_after' must be an integer.", "starting_after") from None
    tail = [ev for ev in kept if ev["sequence_number"] > after]
    if ctx.fault(RESUME_FROM_START):
        tail = list(kept)
    if ctx.fault(RESUME_SKIPS_EVENT):
        tail = tail[1:]
    return _send(tail)


def wants_stream(ctx: Ctx) -> bool:
    raw = ctx.query.get("stream")
    raw = raw[-1] if isinstance(raw, list) else raw
    return raw is True or str(raw).lower() == "true"


def _send(evs: list[dict[str, Any]]) -> Response:
    async def body() -> Any:
        for ev in evs:
            yield sse.encode(ev, event=ev["type"])

    return sse.stream_response(body())
