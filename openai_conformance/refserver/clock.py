"""A controllable clock for lifecycles (batches, fine-tuning, uploads, background responses).

``Clock.now()`` is Unix time that advances ``speed`` times faster than real time, plus any
manual ``advance(seconds)``. With ``speed=1000`` a 60-second simulated state lasts 60 ms, so a
poller still observes every intermediate state. Lifecycles compute their state from the clock
when read (no background tasks), which keeps the server deterministic and stateless between
requests apart from the store.

Within one request the clock is frozen (``with clock.frozen():``, applied by the dispatcher):
every read sees the same instant. Otherwise work that takes real time (executing batch lines)
could be judged against one instant and reported against a later one, e.g. a batch shown as
``completed`` whose last lines were never executed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# (clock id, frozen time) for the current request's task; several servers may share a process.
_FROZEN: ContextVar[tuple[int, float] | None] = ContextVar("oaic_clock_frozen", default=None)


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
        frozen = _FROZEN.get()
        if frozen is not None and frozen[0] == id(self):
            return frozen[1]
        return self._live()

    @contextmanager
    def frozen(self) -> Iterator[float]:
        """Within the block (and the tasks it awaits) ``now()`` returns one instant."""
        token = _FROZEN.set((id(self), self._live()))
        try:
            yield _FROZEN.get()[1]  # type: ignore[index]
        finally:
            _FROZEN.reset(token)

    def _live(self) -> float:
        with self._lock:
            elapsed = time.monotonic() - self._origin_real
            return self._origin_sim + elapsed * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward (never backwards) by ``seconds`` of simulated time."""
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        with self._lock:
            self._offset += seconds
        frozen = _FROZEN.get()
        if frozen is not None and frozen[0] == id(self):  # the advancing request sees its jump
            _FROZEN.set((id(self), frozen[1] + seconds))

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("clock speed must be positive")
        current = self._live()
        with self._lock:
            self._origin_real = time.monotonic()
            self._origin_sim = current - self._offset
            self.speed = speed
