"""Run an ASGI app with uvicorn on a real loopback port, in a background thread.

Shared by the reference server and the validating proxy (and usable for a user's own fixture)::

    server = BackgroundServer(app, name="oaic-refserver", port=0).start()
    server.base_url          # http://127.0.0.1:PORT/v1 — the port is known as soon as start()
    server.stop()            # bounded: never hangs on a stuck client connection

The socket is bound before the thread starts, so ``port=0`` picks a free port at once.
``start()`` returns when uvicorn accepts connections, or raises ``HarnessError`` after
``startup_timeout``; ``stop()`` asks uvicorn to exit and forces it after ``shutdown_timeout``.
An optional ``on_exit`` coroutine runs inside the server's event loop after serving stops
(the proxy closes its upstream client there).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

from ..errors import HarnessError, UsageError


def _has_ws_sansio() -> bool:
    """uvicorn >= 0.35 has the sans-io websockets protocol (no legacy-API deprecation warning)."""
    try:
        from uvicorn.protocols.websockets import websockets_sansio_impl  # noqa: F401
    except ImportError:
        return False
    return True


class BackgroundServer:
    """One ASGI app served by uvicorn in a daemon thread on ``host:port``."""

    def __init__(
        self,
        app: Any,
        *,
        name: str,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
        shutdown_timeout: float = 5.0,
        log_level: str = "warning",
        on_exit: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.app = app
        self.name = name
        self.host = host
        self.requested_port = port
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self._log_level = log_level
        self._on_exit = on_exit
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def port(self) -> int:
        if self._socket is None:
            raise HarnessError(f"{self.name} is not started")
        return int(self._socket.getsockname()[1])

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1`` (no trailing slash)."""
        return self.origin + "/v1"

    def start(self) -> BackgroundServer:
        if self._thread is not None:
            raise HarnessError(f"{self.name} is already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket says TCP; without it Nagle + delayed ACK add ~40 ms per response.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError as exc:
            sock.close()
            raise UsageError(f"cannot listen on {self.host}:{self.requested_port}: {exc}") from exc
        sock.listen(512)
        sock.setblocking(False)
        self._socket = sock
        config = uvicorn.Config(
            self.app,
            log_level=self._log_level,
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=max(1, int(self.shutdown_timeout)),
            ws="websockets-sansio" if _has_ws_sansio() else "auto",
            http=_envelope_h11_protocol(),
        )
        self._server = uvicorn.Server(config)
        self._error = None
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                error = self._error
                self.stop()
                raise HarnessError(f"{self.name} failed to start: {error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise HarnessError(f"{self.name} did not start within {self.startup_timeout} s")
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); a thread cannot raise
            self._error = exc

    async def _serve(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            await self._server.serve(sockets=[self._socket])
        finally:
            if self._on_exit is not None:
                await self._on_exit()

    def stop(self) -> None:
        """Stop serving; returns within about ``2 * shutdown_timeout`` seconds in all cases."""
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(self.shutdown_timeout)
            if thread.is_alive():
                server.force_exit = True
                thread.join(self.shutdown_timeout)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._server = None
        self._thread = None


def _envelope_h11_protocol() -> Any:
    """uvicorn's h11 protocol, whose own 400 for a malformed request (bad header line, bad
    request line) is the OpenAI error envelope in JSON instead of plain text."""
    import json

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from ..contract.envelope import invalid

    class EnvelopeH11Protocol(H11Protocol):
        def send_400_response(self, msg: str) -> None:
            body = json.dumps(
                invalid(f"Invalid HTTP request: {msg}", code="invalid_http_request").envelope()
            ).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ]
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
            self.transport.close()

    return EnvelopeH11Protocol
