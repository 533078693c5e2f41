"""Who broke the contract: "client sent" (the request) or "server returned" (the response).

Every finding of the proxy is a ``failures.Failure`` whose title starts with the side that
broke the contract, and whose check name says what was checked: ``request_*_conformance``
for the client side, the harness's named checks (``response_schema_conformance``,
``status_code_conformance`` ...) for the server side. ``side_of(failure)`` reads it back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from ..checks.failures import Failure, show

Side = Literal["client", "server"]
CLIENT: Side = "client"
SERVER: Side = "server"
PREFIX: dict[Side, str] = {CLIENT: "client sent: ", SERVER: "server returned: "}


def attribute(failure: Failure, side: Side) -> Failure:
    """``failure`` with its title prefixed by the side (idempotent)."""
    prefix = PREFIX[side]
    if failure.title.startswith(prefix):
        return failure
    return replace(failure, title=prefix + failure.title)


def side_of(failure: Any) -> Side:
    """The side a (possibly dict-shaped) failure is attributed to."""
    title = failure.get("title", "") if isinstance(failure, dict) else failure.title
    return CLIENT if str(title).startswith(PREFIX[CLIENT]) else SERVER


def client_failure(
    title: str,
    check: str,
    *,
    operation: str | None,
    message: str,
    pointer: str | None = None,
    expected: Any = None,
    actual: Any = None,
) -> Failure:
    """A violation in what the client sent (always MUST: the request is outside the contract)."""
    return Failure(
        title=PREFIX[CLIENT] + title,
        check=check,
        level="MUST",
        operation=operation,
        pointer=pointer,
        message=message,
        expected=expected if expected is None or isinstance(expected, str) else show(expected),
        actual=actual if actual is None or isinstance(actual, str) else show(actual),
    )
