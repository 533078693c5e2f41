"""The outcome vocabulary of a conformance run and the exceptions tests raise to reach it.

``Outcome`` is what every test ends as in results.json and the reports:

* ``PASS`` the target met the requirement.
* ``FAIL`` the target broke the contract (a check raised ``ConformanceFailure``).
* ``ERROR`` our harness broke (any other exception); the run's results are incomplete.
* ``UNSUPPORTED`` a declared-optional feature answered 404/501 in the error envelope.
* ``DISABLED`` excluded by configuration (safety class not allowed, feature not declared,
  ``--resources`` filter, request budget spent).
* ``XFAIL`` / ``XPASS`` the profile expected a failure; XPASS (it passed) fails the run (strict),
  so a fixed bug forces the expectation to be removed.

Exit status of a run (``exit_status``): 1 when any outcome counts as a conformance failure
(a definitive finding wins, as in ``reports.model.exit_code_for``), else 3 when any test is
ERROR (our harness broke), else 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from .failures import Failure


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    UNSUPPORTED = "UNSUPPORTED"
    DISABLED = "DISABLED"
    XFAIL = "XFAIL"
    XPASS = "XPASS"

    def __str__(self) -> str:
        return self.value

    def counts_as_failure(self, certify: bool = False, level: str | None = "MUST") -> bool:
        """True when this outcome makes the run non-conformant.

        FAIL and XPASS always do. Under ``--certify`` a MUST requirement cannot be skipped or
        excused, so UNSUPPORTED, DISABLED and XFAIL on a MUST (or on a test without a
        requirement level, which counts as MUST) fail the run too. ERROR is not a conformance
        failure: it is a harness failure (exit status 3), see ``exit_status``.
        """
        if self in (Outcome.FAIL, Outcome.XPASS):
            return True
        if certify and (level or "MUST") == "MUST":
            return self in (Outcome.UNSUPPORTED, Outcome.DISABLED, Outcome.XFAIL)
        return False

    @property
    def is_skip(self) -> bool:
        """Outcomes shown as skipped by pytest (they carry a reason, not a failure)."""
        return self in (Outcome.UNSUPPORTED, Outcome.DISABLED, Outcome.XFAIL)


EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_HARNESS = 3


def exit_status(outcomes: Iterable[tuple[Outcome, str | None]], certify: bool = False) -> int:
    """The run's exit status from ``(outcome, requirement level)`` pairs (see module doc)."""
    pairs = list(outcomes)
    if any(o.counts_as_failure(certify, level) for o, level in pairs):
        return EXIT_FAILURES
    if any(o is Outcome.ERROR for o, _ in pairs):
        return EXIT_HARNESS
    return EXIT_OK


class ConformanceFailure(AssertionError):
    """The target broke the contract. Carries one or more ``Failure`` (all are reported)."""

    def __init__(self, failures: Failure | Iterable[Failure]) -> None:
        items = [failures] if isinstance(failures, Failure) else list(failures)
        if not items:
            raise ValueError("ConformanceFailure needs at least one Failure")
        self.failures: list[Failure] = items
        super().__init__(self.render())

    def render(self) -> str:
        return "\n\n".join(f.format() for f in self.failures)

    def __str__(self) -> str:
        return self.render()


class Unsupported(Exception):
    """A declared-optional feature is not implemented by the target (404/501 + envelope)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Disabled(Exception):
    """The test is excluded by configuration (safety class, feature, filter, budget)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeadlinePassed(Disabled):
    """A lifecycle was still progressing (a legal, non-terminal state) when the configured
    deadline passed: not a FAIL (the target may just be slow) and never a hang. Reported as
    DISABLED whose reason starts with ``DEADLINE_LABEL`` and names the option raising it."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(f"{DEADLINE_LABEL}: {what}; {hint}")


DEADLINE_LABEL = "lifecycle deadline passed"
