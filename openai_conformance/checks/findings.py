"""Per-test collection of non-failing findings (SHOULD/MAY-level check results).

A generic check that finds a SHOULD-level problem during a test that verifies some other
requirement must not fail that test, but must not vanish either: the domain assertions
``record`` it here, and the plugin attaches the list to the test's result (``findings``).
The plugin calls ``begin()`` before each test and ``take()`` after it.
"""

from __future__ import annotations

from contextvars import ContextVar

from .failures import Failure

_current: ContextVar[list[Failure] | None] = ContextVar("oaic_findings", default=None)


def begin() -> None:
    _current.set([])


def record(failure: Failure) -> None:
    bucket = _current.get()
    if bucket is None:  # outside a test run: nowhere to attach it, which is fine
        return
    if all(f.format() != failure.format() for f in bucket):
        bucket.append(failure)


def take() -> list[Failure]:
    bucket = _current.get() or []
    _current.set(None)
    return bucket
