"""A controllable clock for lifecycles (batches, fine-tuning, uploads, background responses).

``Clock.now()`` is Unix time that advances ``speed`` times faster than real time, plus any
manual ``advance(seconds)``. With ``speed=1000`` a 60-second simulated state lasts 60 ms, so a
poller still observes every intermediate state. Lifecycles compute their state from the clock
when read (no background tasks), which keeps the server deterministic and stateless between
requests apart from the store.
"""

from __future__ import annotations

import threading
import time


class Clock:
    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        self.speed = speed
        self._origin_real = time.monotonic()
        self._origin_sim = time.time() if start is None else start
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            elapsed = time.monotonic() - self._origin_real
            return self._origin_sim + elapsed * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward (never backwards) by ``seconds`` of simulated time."""
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        with self._lock:
            self._offset += seconds

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        current = self.now()
        with self._lock:
            self._origin_real = time.monotonic()
            self._origin_sim = current - self._offset
            self.speed = speed
