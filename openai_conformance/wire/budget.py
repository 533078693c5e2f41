"""The request budget: a hard cap on how many HTTP requests a run may send to the target.

Against a paid target the budget (``--max-requests``) is what keeps a mistake cheap. Every
attempt the client sends (retries included, WebSocket handshakes included) spends one unit;
once spent, ``spend()`` raises ``errors.BudgetExhausted`` and the pytest plugin stops the run
cleanly (remaining tests DISABLED with the reason "request budget spent").

The budget is per process: under pytest-xdist each worker gets ``max_requests // workers``
(at least 1) so the run as a whole stays within the cap; ``share(n)`` computes that.
"""

from __future__ import annotations

import threading

from ..errors import BudgetExhausted


class RequestBudget:
    """Thread-safe counter. ``max_requests=None`` means unlimited (the embedded server)."""

    def __init__(self, max_requests: int | None) -> None:
        if max_requests is not None and max_requests < 0:
            raise ValueError("max_requests must be >= 0 or None")
        self.max_requests = max_requests
        self._spent = 0
        self._lock = threading.Lock()

    @property
    def spent(self) -> int:
        return self._spent

    @property
    def remaining(self) -> int | None:
        if self.max_requests is None:
            return None
        return max(0, self.max_requests - self._spent)

    @property
    def exhausted(self) -> bool:
        return self.max_requests is not None and self._spent >= self.max_requests

    def spend(self, n: int = 1) -> None:
        """Take ``n`` units, or raise ``BudgetExhausted`` without taking any."""
        with self._lock:
            if self.max_requests is not None and self._spent + n > self.max_requests:
                raise BudgetExhausted(
                    f"request budget spent: {self._spent} of {self.max_requests} requests used",
                    hint="raise it with --max-requests N (or OAIC_MAX_REQUESTS)",
                )
            self._spent += n

    def share(self, workers: int) -> RequestBudget:
        """This budget split evenly over ``workers`` processes (each gets at least 1)."""
        if self.max_requests is None or workers <= 1:
            return RequestBudget(self.max_requests)
        return RequestBudget(max(1, self.max_requests // workers))

    def __repr__(self) -> str:
        return f"RequestBudget(spent={self._spent}, max_requests={self.max_requests})"
