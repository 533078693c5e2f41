"""Raising lifecycle failures: ``fail`` raises ``ConformanceFailure`` when there is one;
``check`` builds a failure from a condition and ``report`` raises whatever was found.

Failures are built with ``Failure.of`` and name no requirement: the plugin stamps the running
test's requirement id and level onto them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...checks.failures import Failure
from ...checks.outcomes import ConformanceFailure


def fail(failures: Failure | Sequence[Failure]) -> None:
    """Raise ``ConformanceFailure`` when there is anything to report."""
    if isinstance(failures, Failure):
        raise ConformanceFailure(failures)
    if failures:
        raise ConformanceFailure(list(failures))


def check(
    ok: bool, check_name: str, title: str, exchange: Any, *, operation: str, **kw: Any
) -> Failure | None:
    """A ``Failure`` when ``ok`` is false (None otherwise), for ``report``; ``kw`` are
    ``Failure.of``'s (pointer, expected, actual, ...)."""
    if ok:
        return None
    return Failure.of(check_name, title, operation=operation, exchange=exchange, **kw)


def report(*found: Failure | None) -> None:
    """FAIL with every failure found (nothing when all are None)."""
    fail([f for f in found if f is not None])
