"""Turn what happened in one pytest phase into an ``Outcome`` and rewrite the report to match.

``classify(excinfo, when)`` maps the exception a phase raised:

* ``ConformanceFailure`` → FAIL (its Failures kept); a plain ``AssertionError`` in a test body
  is a check of the target written with ``assert`` → FAIL (message = the assertion text);
* ``exchange.TargetFailure`` (non-JSON body, request/stream timeout, poll timeout) → FAIL, the
  target broke the contract while we talked to it (its exchange is the evidence);
* ``Unsupported`` → UNSUPPORTED; ``Disabled`` and ``pytest.skip`` → DISABLED;
* ``errors.BudgetExhausted`` → DISABLED "request budget spent" (and the run stops spending);
  ``wire.budget.ShareExhausted`` (one account's planned share) → DISABLED, the run goes on;
* anything else → ERROR: the harness broke. The traceback goes to the evidence (outcome
  record), the one-line message to the result.

``stamp(failures, requirement, catalogue)`` gives every failure its requirement and level:
a failure built without a requirement belongs to the test (its ``requirement`` marker), and
every level comes from the catalogue, so test code never states either.

``apply_expectation`` then turns FAIL into XFAIL and PASS into XPASS when the profile
expects a failure, and ``rewrite_report`` makes pytest's own display agree (failed / skipped
with "UNSUPPORTED: reason" / xfailed / failed "XPASS(strict)").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pytest

from ..checks.failures import Failure, redact
from ..checks.outcomes import ConformanceFailure, Disabled, Outcome, Unsupported
from ..errors import BudgetExhausted, HarnessError
from ..wire.budget import ShareExhausted
from ..wire.exchange import TargetFailure

if TYPE_CHECKING:
    from ..contract.requirements import Requirement

BUDGET_REASON = "request budget spent (raise it with --max-requests N or OAIC_MAX_REQUESTS)"


@dataclass
class Verdict:
    outcome: Outcome
    message: str = ""
    failures: list[Failure] = field(default_factory=list)
    traceback: str | None = None
    budget_spent: bool = False
    short: bool = False  # an ERROR whose message says it all (no traceback on screen)


def stamp(
    failures: Iterable[Failure],
    requirement: Requirement | None,
    catalogue: Mapping[str, Requirement],
) -> list[Failure]:
    """The failures with the test's requirement id where they name none, and each with the
    catalogue's level of its requirement (unknown ids and no requirement keep theirs)."""
    out = []
    for f in failures:
        rid = f.requirement or (requirement.id if requirement is not None else None)
        known = catalogue.get(rid) if rid else None
        level = known.level if known is not None else f.level
        out.append(
            f
            if (rid, level) == (f.requirement, f.level)
            else replace(f, requirement=rid, level=level)
        )
    return out


def _target_failure(exc: BaseException) -> Failure:
    exchange = getattr(exc, "exchange", None)
    message = redact(str(getattr(exc, "message", None) or exc))
    failure = Failure(
        title=type(exc).__name__,
        check=type(exc).__name__,
        message=message,
    )
    if exchange is not None:
        try:
            failure = failure.with_exchange(exchange)
        except TypeError:  # no status (no response at all): keep the message only
            curl = getattr(exchange, "curl", None)
            if callable(curl):
                failure = Failure(**{**failure.__dict__, "curl": redact(str(curl()))})
    return failure


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None, when: str) -> Verdict:
    """The verdict of one phase (``when`` is setup/call/teardown); see module doc."""
    if excinfo is None:
        return Verdict(Outcome.PASS)
    exc = excinfo.value
    if isinstance(exc, ConformanceFailure):
        first = exc.failures[0]
        more = f" (+{len(exc.failures) - 1} more)" if len(exc.failures) > 1 else ""
        title = f"{first.check}: {first.title}{more}"
        return Verdict(Outcome.FAIL, redact(title), list(exc.failures))
    if isinstance(exc, Unsupported):
        return Verdict(Outcome.UNSUPPORTED, redact(exc.reason))
    if isinstance(exc, Disabled):
        return Verdict(Outcome.DISABLED, redact(exc.reason))
    if isinstance(exc, ShareExhausted):  # one account's planned share: the run goes on
        return Verdict(Outcome.DISABLED, redact(f"{exc.message}; {exc.hint}"))
    if isinstance(exc, BudgetExhausted):
        return Verdict(Outcome.DISABLED, BUDGET_REASON, budget_spent=True)
    if isinstance(exc, pytest.skip.Exception):
        return Verdict(Outcome.DISABLED, redact(str(exc.msg or "skipped")))
    if isinstance(exc, TargetFailure):
        failure = _target_failure(exc)
        return Verdict(Outcome.FAIL, f"{failure.title}: {failure.message[:200]}", [failure])
    if isinstance(exc, HarnessError):  # a diagnosed harness problem (e.g. a broken citation)
        return Verdict(Outcome.ERROR, redact(exc.message), short=True)
    if isinstance(exc, AssertionError) and when == "call":
        text = redact(str(exc)) or "assertion failed"
        failure = Failure(title=text.splitlines()[0][:200], check="assert", message=text)
        return Verdict(Outcome.FAIL, failure.title, [failure])
    text = redact(f"{type(exc).__name__}: {exc}")
    tb = redact(str(excinfo.getrepr(style="short", chain=True)))
    return Verdict(Outcome.ERROR, text.splitlines()[0][:300] if text else "error", traceback=tb)


def apply_expectation(verdict: Verdict, expectation: Any) -> Verdict:
    """FAIL that was expected → XFAIL; PASS where a failure was expected → XPASS (strict)."""
    if expectation is None:
        return verdict
    expected = str(getattr(expectation, "outcome", "FAIL") or "FAIL").upper()
    reason = str(getattr(expectation, "reason", "") or "")
    if verdict.outcome is Outcome.PASS:
        link = getattr(expectation, "link", None)
        return Verdict(
            Outcome.XPASS,
            f"expected {expected} ({reason}{', ' + link if link else ''}) but it passed: "
            "remove the expectation from the profile",
        )
    if verdict.outcome.value == expected or (
        expected == "FAIL" and verdict.outcome is Outcome.FAIL
    ):
        return Verdict(
            Outcome.XFAIL, f"expected failure: {reason}", verdict.failures, verdict.traceback
        )
    return verdict


def rewrite_report(report: pytest.TestReport, item: pytest.Item, verdict: Verdict) -> None:
    """Make pytest's outcome/longrepr agree with the verdict (xdist-serialisable values)."""
    out = verdict.outcome
    location = (str(item.path), (item.location[1] or 0) + 1)
    if out is Outcome.PASS:
        return
    if out is Outcome.FAIL:
        report.outcome = "failed"
        report.longrepr = "\n\n".join(f.format() for f in verdict.failures) or verdict.message
    elif out is Outcome.XPASS:
        report.outcome = "failed"
        report.longrepr = f"[XPASS(strict)] {verdict.message}"
    elif out is Outcome.XFAIL:
        report.outcome = "skipped"
        report.wasxfail = verdict.message
        report.longrepr = None
    elif out in (Outcome.UNSUPPORTED, Outcome.DISABLED):
        report.outcome = "skipped"
        report.longrepr = (location[0], location[1], f"{out.value}: {verdict.message}")
    elif out is Outcome.ERROR and verdict.short:
        report.longrepr = f"ERROR: {verdict.message}"
    # Other ERRORs keep pytest's report with the traceback: it is our bug, show everything.
