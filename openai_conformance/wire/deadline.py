"""A wall-clock deadline every socket operation of an exchange respects, headers included.

httpx's timeouts are per socket operation: a target that sends its response headers one byte
every few seconds never trips the read timeout and holds a request for as long as it likes.
The client therefore sets a deadline (``deadline(at)``, a context variable, monotonic clock)
around each exchange, and ``DeadlineBackend`` wraps httpcore's network backend so that every
connect, read and write waits at most until that deadline. Past it, a read raises
``httpcore.ReadTimeout`` (httpx: ``ReadTimeout``) and ``expired()`` tells the client that the
total deadline, not the per-read timeout, ended the exchange.

The deadline can move: ``Deadline.extend(s)`` adds our own retry waits, which are not the
target's time.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx


class Deadline:
    """A mutable monotonic deadline (``at``); ``None``-free: use no context for no deadline."""

    __slots__ = ("at",)

    def __init__(self, at: float) -> None:
        self.at = at

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def extend(self, seconds: float) -> None:
        self.at += seconds


_CURRENT: ContextVar[Deadline | None] = ContextVar("oaic_deadline", default=None)


@contextlib.contextmanager
def deadline(limit: Deadline) -> Iterator[Deadline]:
    """Socket operations inside the block wait at most until ``limit.at``."""
    token = _CURRENT.set(limit)
    try:
        yield limit
    finally:
        _CURRENT.reset(token)


def _bounded(timeout: float | None, kind: type[Exception]) -> float | None:
    current = _CURRENT.get()
    if current is None:
        return timeout
    left = current.remaining()
    if left <= 0:
        raise kind("the total deadline of the exchange has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads/writes never wait past the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)
        )
        return DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with every operation bounded by the current deadline."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host,
            port,
            _bounded(timeout, httpcore.ConnectTimeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - the client never uses unix sockets
        stream = self._inner.connect_unix_socket(
            path, _bounded(timeout, httpcore.ConnectTimeout), socket_options=socket_options
        )
        return DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(**kwargs: Any) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` (same arguments) whose connections use ``DeadlineBackend``.

    httpx does not expose httpcore's ``network_backend``; the pool's backend is replaced right
    after construction, before any connection exists. The self-test
    ``test_header_drip_ends_within_the_total_deadline`` fails if a new httpx/httpcore moves it.
    """
    transport = httpx.HTTPTransport(**kwargs)
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):  # pragma: no cover - guarded by the self-test
        raise RuntimeError("httpcore.ConnectionPool has no _network_backend: update deadline.py")
    pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport
