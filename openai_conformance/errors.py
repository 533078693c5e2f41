"""Exception types the harness raises, each mapped to one CLI exit code.

The CLI turns every one of these into a one-paragraph message, never a traceback:

* ``UsageError`` (exit 2): a bad option, an unknown profile, a malformed config value.
* ``SpecError`` (exit 2): the contract document is missing, unreadable or does not match the lock.
* ``TargetError`` (exit 1 when it is the target's fault): unreachable, TLS failure, garbage, hang.
* ``HarnessError`` (exit 3): we broke; the message says where.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base class: a condition with a precise, user-facing message."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"error: {self.message}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class UsageError(ConformanceError):
    """The user asked for something we cannot do as asked (bad option, unknown profile)."""

    exit_code = 2


class SpecError(ConformanceError):
    """The contract document could not be loaded or does not match spec/openapi.lock."""

    exit_code = 2


class TargetError(ConformanceError):
    """The target could not be talked to at all (unreachable, TLS, not HTTP, hung)."""

    exit_code = 1


class HarnessError(ConformanceError):
    """A defect or environment failure on our side."""

    exit_code = 3


class BudgetExhausted(ConformanceError):
    """The configured request budget (``--max-requests``) is spent; the run stops cleanly."""

    exit_code = 1
