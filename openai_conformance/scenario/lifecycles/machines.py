"""The documented lifecycles as state machines, and the checks over a polled state timeline.

The machines themselves are declared in ``suites/<feature>/feature.yaml`` (``machine:``);
``machine(feature)`` builds one, and ``BATCH``/``FINE_TUNING``/``UPLOAD`` name the three the
lifecycle suites use.

A "timeline" is the ordered list of states observed by consecutive polls (duplicates allowed:
a poll that saw the same state twice is normal). Observation is sampled, so a state machine may
legally *skip* intermediate states between two polls; ``StateMachine.legal`` therefore allows
any state reachable by documented forward moves, and only a move to an earlier or unrelated
state is illegal. ``legal_transitions_conformance`` and ``timestamps_conformance`` raise
``ConformanceFailure`` with the whole timeline in the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...checks.failures import Failure
from ...contract.features import registry
from .failing import fail


@dataclass(frozen=True)
class StateMachine:
    """A documented lifecycle: direct forward moves, terminal states, timestamp per state."""

    name: str
    initial: frozenset[str]
    moves: Mapping[str, frozenset[str]]  # direct documented moves
    terminal: frozenset[str]
    timestamps: Mapping[str, str] = field(default_factory=dict)  # state -> field it sets

    def reachable(self, state: str) -> frozenset[str]:
        """Every state reachable from ``state`` by one or more documented moves."""
        seen: set[str] = set()
        todo = list(self.moves.get(state, ()))
        while todo:
            nxt = todo.pop()
            if nxt not in seen:
                seen.add(nxt)
                todo.extend(self.moves.get(nxt, ()))
        return frozenset(seen)

    def legal(self, before: str, after: str) -> bool:
        """True when a poll may see ``after`` following ``before`` (equal, or reachable)."""
        return before == after or after in self.reachable(before)

    @property
    def states(self) -> frozenset[str]:
        out = set(self.moves) | set(self.terminal) | set(self.initial)
        for targets in self.moves.values():
            out |= targets
        return frozenset(out)


def machine(feature: str) -> StateMachine:
    """The state machine ``suites/<feature>/feature.yaml`` declares (its ``source`` cites the
    documentation it encodes)."""
    m = registry().machine(feature)
    return StateMachine(
        name=m.name,
        initial=frozenset(m.initial),
        moves={k: frozenset(v) for k, v in m.moves.items()},
        terminal=frozenset(m.terminal),
        timestamps=dict(m.timestamps),
    )


BATCH = machine("batches")
FINE_TUNING = machine("fine_tuning")
UPLOAD = machine("uploads")


def collapse(states: Iterable[str]) -> list[str]:
    """The timeline without consecutive repeats: ``[a, a, b, b, a]`` -> ``[a, b, a]``."""
    out: list[str] = []
    for state in states:
        if not out or out[-1] != state:
            out.append(state)
    return out


def render_timeline(states: Sequence[str]) -> str:
    """``validating → in_progress (x3) → completed`` for failure messages and reports."""
    runs: list[list[Any]] = []  # [state, count]
    for state in states:
        if runs and runs[-1][0] == state:
            runs[-1][1] += 1
        else:
            runs.append([state, 1])
    return " → ".join(s if n == 1 else f"{s} (x{n})" for s, n in runs) or "(no polls)"


def illegal_moves(states: Sequence[str], machine: StateMachine) -> list[tuple[int, str, str]]:
    """``(poll index, before, after)`` for every observed move the machine does not allow.

    Unknown states count as illegal too (they are not in the documented enum).
    """
    bad: list[tuple[int, str, str]] = []
    known = machine.states
    for i in range(1, len(states)):
        before, after = states[i - 1], states[i]
        if after not in known or (before in known and not machine.legal(before, after)):
            bad.append((i, before, after))
    return bad


def legal_transitions_conformance(
    states: Sequence[str],
    machine: StateMachine,
    *,
    operation: str,
    exchange: Any = None,
) -> None:
    """Fail when the polled timeline has a move the machine forbids (e.g. going backwards)."""
    problems = []
    timeline = render_timeline(states)
    if states and states[0] not in machine.states:
        problems.append((0, "(start)", states[0]))
    problems += illegal_moves(states, machine)
    failures = [
        Failure.of(
            "legal_transitions_conformance",
            f"illegal {machine.name} state transition {before} → {after}",
            operation=operation,
            pointer="/status",
            expected=(
                "one of " + "|".join(sorted(machine.reachable(before) | {before}))
                if before in machine.states
                else "a documented state"
            ),
            actual=after,
            message=f"poll #{index} saw {after!r} after {before!r}; timeline: {timeline}",
            exchange=exchange,
        )
        for index, before, after in problems
    ]
    fail(failures)


def timestamps_conformance(
    obj: Mapping[str, Any],
    reached: Iterable[str],
    machine: StateMachine,
    *,
    operation: str,
    exchange: Any = None,
) -> None:
    """Fail when a reached state's timestamp is missing, or timestamps go back in time.

    ``obj`` is the latest object; ``reached`` every state the timeline observed (a state the
    object is in now counts as reached). Timestamps are compared in lifecycle order against
    ``created_at``.
    """
    seen = set(reached) | {str(obj.get("status"))}
    failures: list[Failure] = []
    for state, fld in machine.timestamps.items():
        if state in seen and not isinstance(obj.get(fld), int):
            failures.append(
                Failure.of(
                    "timestamps_conformance",
                    f"{machine.name} reached {state!r} but {fld} is not set",
                    operation=operation,
                    pointer=f"/{fld}",
                    expected="a Unix timestamp (integer)",
                    actual=obj.get(fld),
                    exchange=exchange,
                )
            )
    order = ["created_at", *machine.timestamps.values()]
    previous: tuple[str, int] | None = None
    for fld in order:
        value = obj.get(fld)
        if not isinstance(value, int):
            continue
        if previous and value < previous[1]:
            failures.append(
                Failure.of(
                    "timestamps_conformance",
                    f"{fld} is earlier than {previous[0]}",
                    operation=operation,
                    pointer=f"/{fld}",
                    expected=f">= {previous[1]} ({previous[0]})",
                    actual=value,
                    exchange=exchange,
                )
            )
        previous = (fld, value)
    fail(failures)
