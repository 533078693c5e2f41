"""``ReferenceServer``: the reference server on a real loopback port, in a background thread.

::

    with ReferenceServer(faults=("wrong-type",), api_key="sk-test") as server:
        httpx.get(server.base_url + "/models", headers={"Authorization": "Bearer sk-test"})

The socket is bound before the thread starts (``port=0`` picks a free port, known at once via
``.port``/``.base_url``); ``__enter__`` returns once uvicorn accepts connections (or raises
``HarnessError`` after ``startup_timeout``); ``__exit__`` asks uvicorn to exit, and forces it
after ``shutdown_timeout`` so a hung client connection can never hang the caller.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any

import uvicorn

from ..errors import HarnessError, UsageError
from .app import create_app
from .faults import CATALOGUE
from .state import DEFAULT_MAX_BODY_BYTES, ServerConfig, ServerState


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """The fault names as a set; ``UsageError`` naming every unknown one."""
    from . import app as _app  # noqa: F401  (imports every module that declares faults)

    names = frozenset(names)
    unknown = sorted(n for n in names if n not in CATALOGUE)
    if unknown:
        raise UsageError(
            f"unknown fault(s): {', '.join(unknown)}",
            hint="`oaic serve --list-faults` lists the faults this server can inject",
        )
    return names


class ReferenceServer:
    """A running reference server (context manager; also ``start()``/``stop()``)."""

    def __init__(
        self,
        faults: Iterable[str] = (),
        api_key: str | None = None,
        clock_speed: float = 1000.0,
        allow_fault_header: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        startup_timeout: float = 10.0,
        shutdown_timeout: float = 5.0,
        log_level: str = "warning",
    ) -> None:
        self.config = ServerConfig(
            api_key=api_key,
            clock_speed=clock_speed,
            faults=check_faults(faults),
            allow_fault_header=allow_fault_header,
            max_body_bytes=max_body_bytes,
        )
        self.host = host
        self._requested_port = port
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.app = create_app(self.config)
        self.state: ServerState = self.app.state.oaic
        self._log_level = log_level
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # -- addresses -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._socket is None:
            raise HarnessError("the reference server is not started")
        return int(self._socket.getsockname()[1])

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1`` (no trailing slash)."""
        return self.origin + "/v1"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ReferenceServer:
        if self._thread is not None:
            raise HarnessError("the reference server is already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket says TCP; without it Nagle + delayed ACK add ~40 ms per response.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError as exc:
            sock.close()
            raise UsageError(f"cannot listen on {self.host}:{self._requested_port}: {exc}") from exc
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
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="oaic-refserver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                self._cleanup_socket()
                raise HarnessError(f"the reference server failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise HarnessError(
                    f"the reference server did not start within {self.startup_timeout} s"
                )
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported to start()/stop(); a thread cannot raise
            self._error = exc

    def stop(self) -> None:
        """Stop serving; returns within about ``2 * shutdown_timeout`` seconds in all cases."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(self.shutdown_timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(self.shutdown_timeout)
        self._cleanup_socket()
        self._server = None
        self._thread = None

    def _cleanup_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._thread is not None else "not started"
        return f"<ReferenceServer {where} faults={sorted(self.config.faults)}>"

    def info(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "faults": sorted(self.config.faults)}


def _has_ws_sansio() -> bool:
    """uvicorn >= 0.35 has the sans-io websockets protocol (no legacy-API deprecation warning)."""
    try:
        from uvicorn.protocols.websockets import websockets_sansio_impl  # noqa: F401
    except ImportError:
        return False
    return True
