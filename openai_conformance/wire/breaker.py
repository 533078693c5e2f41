"""A circuit breaker per target: after a few consecutive timeouts, stop waiting on it.

A hung target costs the read timeout on every request; with hundreds of tests that is hours.
``CircuitBreaker.watch()`` wraps each exchange: a ``RequestTimeout``/``StreamTimeout`` before
any response head counts one consecutive timeout; any exchange that got an answer (whatever
its status, also one whose stream stalled later) resets the count.
Once ``threshold`` timeouts happened in a row the breaker is open for the rest of the run:
``refusal()`` returns the reason and the client fails the request at once with
``RequestTimeout`` (a FAIL with the request as evidence) instead of sending it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from .exchange import RequestTimeout, StreamTimeout

DEFAULT_THRESHOLD = 3


class CircuitBreaker:
    """Consecutive-timeout counter shared by the clients of one target (thread-safe)."""

    def __init__(self, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self.consecutive = 0
        self.last: str | None = None
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.threshold > 0 and self.consecutive >= self.threshold

    def refusal(self) -> str | None:
        """Why the next request must not be sent, or None when the breaker is closed."""
        if not self.open:
            return None
        return (
            f"the target timed out on {self.consecutive} requests in a row (circuit breaker"
            f" open; last: {self.last}); the remaining requests to it fail at once"
        )

    def timed_out(self, message: str) -> None:
        with self._lock:
            self.consecutive += 1
            self.last = message[:300]

    def answered(self) -> None:
        with self._lock:
            if not self.open:
                self.consecutive = 0

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        """Count a timeout raised inside the block; a block that ends otherwise resets."""
        try:
            yield
        except (RequestTimeout, StreamTimeout) as exc:
            # Only a timeout with no response head at all counts: a stream or body that
            # stalls after its status line shows the target alive (one endpoint hangs).
            if getattr(exc.exchange, "status", None) is None:
                self.timed_out(str(exc))
            else:
                self.answered()
            raise
        except Exception:
            self.answered()
            raise
        self.answered()
