"""``Judge``: a worker thread with its own event loop, where the proxy judges what it relayed.

The serving loop only forwards; everything that is not needed to answer the client (request
validation outside ``--reject``, building the redacted exchange, the response checks and the
evidence write) is handed over with ``submit(coroutine)`` and runs here, one job after
another, so judging adds no latency to the answer nor to the next request on the serving loop.

The judging loop is an asyncio loop because the request checks are coroutines (form bodies are
parsed with starlette's async parser). Callers account for jobs with ``ProxySession.begin()`` /
``done()``; ``close()`` stops the loop (after ``ProxySession.settle()`` has drained it).

A job that raises is logged with its traceback on the ``oaic.proxy`` logger (a bug of ours:
the exchange was already answered) and never stops the worker.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any

log = logging.getLogger("oaic.proxy")

# The serving loop and the judge share the GIL: a judging job holding it delays a wake-up of
# the serving loop by up to the switch interval (5 ms by default), which would be the whole
# added-latency budget. 0.5 ms bounds that wait; only ever lowered, never raised.
SWITCH_INTERVAL_S = 0.0005


class Judge:
    """The judging thread (started on first ``submit``; a daemon, so it never blocks exit)."""

    def __init__(self, name: str = "oaic-proxy-judge") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                if sys.getswitchinterval() > SWITCH_INTERVAL_S:
                    sys.setswitchinterval(SWITCH_INTERVAL_S)
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(loop, ready), name=self.name, daemon=True
                )
                self._thread.start()
                ready.wait(10.0)
                self._loop = loop
            return self._loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.close()

    def submit(self, job: Coroutine[Any, Any, None]) -> None:
        """Run ``job`` on the judging loop (returns at once)."""
        future = asyncio.run_coroutine_threadsafe(job, self._ensure())
        future.add_done_callback(_log_failure)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the judging loop (jobs still queued are dropped; settle the session first)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)


def _log_failure(future: Future[None]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        log.error("oaic proxy: judging an exchange failed", exc_info=exc)
