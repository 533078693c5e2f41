"""Failures of lifecycle invariants: ``lifecycle_failure`` builds one, ``fail`` raises."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...checks.failures import Failure
from ...checks.outcomes import ConformanceFailure


def lifecycle_failure(
    check: str,
    title: str,
    *,
    requirement: str | None = None,
    level: str = "MUST",
    operation: str | None = None,
    pointer: str | None = None,
    expected: Any = None,
    actual: Any = None,
    message: str = "",
    exchange: Any = None,
) -> Failure:
    """A ``Failure`` for a lifecycle invariant (with the exchange's curl when given)."""
    return Failure.of(
        check,
        title,
        requirement=requirement,
        level=level,
        operation=operation,
        pointer=pointer,
        expected=expected,
        actual=actual,
        message=message,
        exchange=exchange,
    )


def fail(failures: Failure | Sequence[Failure]) -> None:
    """Raise ``ConformanceFailure`` when there is anything to report."""
    if isinstance(failures, Failure):
        raise ConformanceFailure(failures)
    if failures:
        raise ConformanceFailure(list(failures))
