"""Polling a lifecycle (batch, fine-tuning job, vector store file, background response).

``poll(fetch, state_of, until, deadline_s)`` calls ``fetch()`` until ``state_of(body)`` is in
``until`` (a set of states, or a predicate), sleeping ``interval_s`` between calls with
exponential backoff (times ``backoff``, capped at ``max_interval_s``). It returns a ``Timeline``
of every observation ``(t_s, state, status)`` — the state timeline the report shows — and
raises ``PollTimeout`` (a FAIL, carrying the timeline) when ``deadline_s`` passes first.

``fetch`` returns an ``Exchange`` (its JSON body goes to ``state_of``) or an already-parsed
mapping. A non-2xx answer ends polling with ``PollFailed`` (also a FAIL with the timeline),
except 429/503, which the client already retried and which are recorded and polled again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..wire.exchange import Exchange, TargetFailure


@dataclass(frozen=True)
class Observation:
    t_s: float  # seconds since polling started
    state: str
    status: int | None = None  # HTTP status of the fetch, when it returned an Exchange


@dataclass
class Timeline:
    """Every observed state in order; ``exchanges`` are the fetches (also in the evidence)."""

    observations: list[Observation] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    final_state: str | None = None
    elapsed_s: float = 0.0

    @property
    def states(self) -> list[str]:
        return [o.state for o in self.observations]

    def transitions(self) -> list[str]:
        """States with consecutive repeats collapsed: ``queued → in_progress → completed``."""
        out: list[str] = []
        for s in self.states:
            if not out or out[-1] != s:
                out.append(s)
        return out

    def describe(self) -> str:
        return " → ".join(self.transitions()) or "(no observation)"

    def to_record(self) -> dict[str, Any]:
        return {
            "kind": "timeline",
            "observations": [
                {"t_s": round(o.t_s, 3), "state": o.state, "status": o.status}
                for o in self.observations
            ],
            "final_state": self.final_state,
            "elapsed_s": round(self.elapsed_s, 3),
        }


class PollTimeout(TargetFailure):
    """The wanted state was not reached before the deadline."""

    def __init__(self, message: str, *, timeline: Timeline) -> None:
        super().__init__(message, exchange=timeline.exchanges[-1] if timeline.exchanges else None)
        self.timeline = timeline


class PollFailed(TargetFailure):
    """A poll answered a non-2xx status (the object vanished, or the target broke)."""

    def __init__(self, message: str, *, timeline: Timeline) -> None:
        super().__init__(message, exchange=timeline.exchanges[-1] if timeline.exchanges else None)
        self.timeline = timeline


def poll(
    fetch: Callable[[], Exchange | Mapping[str, Any]],
    state_of: Callable[[Any], Any],
    until: Collection[str] | Callable[[str], bool],
    deadline_s: float,
    interval_s: float = 0.05,
    *,
    max_interval_s: float = 2.0,
    backoff: float = 1.5,
    recorder: Any = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Timeline:
    """See module doc. ``recorder`` (optional) receives the timeline as a ``timeline`` record."""
    if deadline_s <= 0:
        raise ValueError("deadline_s must be > 0")
    done = until if callable(until) else (lambda s, _u=frozenset(until): s in _u)
    timeline = Timeline()
    start = clock()
    wait = max(0.0, interval_s)
    try:
        while True:
            result = fetch()
            now = clock() - start
            status: int | None = None
            if isinstance(result, Exchange):
                timeline.exchanges.append(result)
                status = result.status
                if not result.ok and status not in (429, 503):
                    state = f"<HTTP {status}>"
                    timeline.observations.append(Observation(now, state, status))
                    raise PollFailed(
                        f"polling {result.request.url} answered {result.status_line()} "
                        f"(timeline: {timeline.describe()})",
                        timeline=timeline,
                    )
                body = result.json() if result.ok else None
                state = str(state_of(body)) if body is not None else f"<HTTP {status}>"
            else:
                state = str(state_of(result))
            timeline.observations.append(Observation(now, state, status))
            timeline.final_state = state
            if done(state):
                return timeline
            remaining = deadline_s - (clock() - start)
            if remaining <= 0:
                raise PollTimeout(
                    f"state not reached within {deadline_s}s; last state {state!r} "
                    f"(timeline: {timeline.describe()})",
                    timeline=timeline,
                )
            sleep(min(wait, remaining))
            wait = min(max_interval_s, max(wait, 0.01) * backoff)
    finally:
        timeline.elapsed_s = clock() - start
        if recorder is not None:
            recorder.record(timeline.to_record())
