"""Raising lifecycle failures: ``fail`` raises ``ConformanceFailure`` when there is one.

Failures are built with ``Failure.of`` and name no requirement: the plugin stamps the running
test's requirement id and level onto them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...checks.failures import Failure
from ...checks.outcomes import ConformanceFailure


def fail(failures: Failure | Sequence[Failure]) -> None:
    """Raise ``ConformanceFailure`` when there is anything to report."""
    if isinstance(failures, Failure):
        raise ConformanceFailure(failures)
    if failures:
        raise ConformanceFailure(list(failures))
