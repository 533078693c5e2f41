"""Clock-driven state machines for long-running objects (batches, fine-tuning jobs, uploads).

A ``Timeline`` is a schedule of ``(state, starts_at)`` entries on the server clock. The state
at time ``t`` is the last entry that started at or before ``t``; nothing runs in the
background. Handlers read the timeline when a request arrives and materialise whatever the
states reached imply (executing batch lines, writing result files) exactly once.

Interruptions (cancel, pause, resume) are ``replan(now, phases)``: the entries not yet reached
are dropped and new ones are appended from ``now``. States already reached never change, so a
poller can only ever observe legal, forward transitions (unless a fault says otherwise).

``refresh_all(state)`` brings every registered lifecycle up to date; handlers that show
derived data (``GET /models`` lists fine-tuned models) call it before answering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..state import ServerState

Phase = tuple[str, float]  # (state, simulated seconds it lasts; the last phase is terminal)


@dataclass
class Timeline:
    """Ordered ``(state, starts_at)`` entries; starts_at is server-clock Unix seconds."""

    entries: list[tuple[str, float]] = field(default_factory=list)

    @classmethod
    def plan(cls, start: float, phases: Sequence[Phase]) -> Timeline:
        timeline = cls()
        timeline._append(start, phases)
        return timeline

    def _append(self, start: float, phases: Sequence[Phase]) -> None:
        at = start
        for state, duration in phases:
            self.entries.append((state, at))
            at += max(0.0, duration)

    def state(self, now: float) -> str:
        """The state at ``now`` (the first state if ``now`` precedes the plan)."""
        current = self.entries[0][0]
        for state, at in self.entries:
            if at <= now:
                current = state
            else:
                break
        return current

    def reached(self, now: float) -> list[tuple[str, float]]:
        """Entries already reached at ``now``, in order."""
        return [(s, at) for s, at in self.entries if at <= now]

    def reached_at(self, state: str, now: float) -> float | None:
        """When ``state`` was first reached (None if not reached by ``now``)."""
        for s, at in self.entries:
            if s == state and at <= now:
                return at
        return None

    def entered(self, now: float) -> float:
        """When the current state started."""
        reached = self.reached(now)
        return reached[-1][1] if reached else self.entries[0][1]

    def next_change(self, now: float) -> float | None:
        """When the next planned state starts (None if the current state is the last one)."""
        for _, at in self.entries:
            if at > now:
                return at
        return None

    def remaining(self, now: float) -> list[Phase]:
        """The not-yet-finished part of the plan as phases, starting with the current state."""
        reached = self.reached(now)
        future = self.entries[len(reached) - 1 :] if reached else self.entries
        phases: list[Phase] = []
        for i, (state, at) in enumerate(future):
            start = max(at, now)
            end = future[i + 1][1] if i + 1 < len(future) else start
            phases.append((state, max(0.0, end - start)))
        return phases

    def replan(self, now: float, phases: Sequence[Phase]) -> None:
        """Drop entries not reached by ``now`` and continue with ``phases`` from ``now``."""
        self.entries = self.reached(now)
        self._append(now, phases)


Refresher = Callable[["ServerState"], None]


def register_refresher(state: ServerState, name: str, fn: Refresher) -> None:
    """Register ``fn`` so ``refresh_all`` brings this module's lifecycles up to date."""
    state.extra.setdefault("lifecycle_refreshers", {})[name] = fn


def refresh_all(state: ServerState) -> None:
    """Materialise every lifecycle's reached states (e.g. register succeeded fine-tunes)."""
    refreshers: dict[str, Refresher] = state.extra.get("lifecycle_refreshers", {})
    for fn in list(refreshers.values()):
        fn(state)


def records(state: ServerState, kind: str) -> dict[str, Any]:
    """This server's side records for ``kind`` (timelines and private data by object id)."""
    bucket: dict[str, Any] = state.extra.setdefault(f"lifecycle:{kind}", {})
    return bucket
