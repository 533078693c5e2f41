"""``ValidatingProxy``: the proxy on a real loopback port, in a background thread.

::

    with ValidatingProxy(upstream="reference", report_dir="reports") as proxy:
        openai.OpenAI(base_url=proxy.base_url, api_key="sk-...").models.list()
    # on exit: reports written to reports/runs/<UTC>-proxy/ (proxy.run_dir)

``upstream`` is a base URL (``https://api.openai.com/v1``) or ``"reference"``: an embedded
``ReferenceServer`` (``reference_faults``/``reference_api_key`` configure it) is started first
and stopped last. ``start()`` returns once uvicorn accepts connections (``HarnessError`` after
``startup_timeout``); ``stop()`` asks uvicorn to exit, forces it after ``shutdown_timeout``,
waits (bounded) for in-flight requests to be judged and writes the reports.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from ..errors import HarnessError, UsageError
from ..spec import Spec, load_spec
from .app import create_proxy_app
from .session import ProxySession

REFERENCE = "reference"


class ValidatingProxy:
    """A running validating proxy (context manager; also ``start()``/``stop()``)."""

    def __init__(
        self,
        upstream: str = REFERENCE,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        report_dir: Path | str | None = None,
        reject: bool = False,
        suite: str = "proxy",
        name: str = "proxy",
        spec: Spec | None = None,
        reference_faults: Iterable[str] = (),
        reference_api_key: str | None = None,
        reference_fault_header: bool = False,
        timeout: httpx.Timeout | None = None,
        startup_timeout: float = 10.0,
        shutdown_timeout: float = 5.0,
    ) -> None:
        self.host, self._requested_port = host, port
        self.reject = reject
        self.startup_timeout, self.shutdown_timeout = startup_timeout, shutdown_timeout
        self.reference: Any = None
        if upstream == REFERENCE:
            from ..refserver.server import ReferenceServer

            self.reference = ReferenceServer(
                faults=reference_faults,
                api_key=reference_api_key,
                allow_fault_header=reference_fault_header,
            )
        self._upstream = upstream.rstrip("/")
        self.spec = spec or load_spec()
        self.session = ProxySession(
            self.spec,
            report_dir=report_dir,
            suite=suite,
            name=name,
            upstream=self._upstream,
        )
        self._timeout = timeout
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.run_dir: Path | None = None

    @property
    def upstream(self) -> str:
        return self.reference.base_url if self.reference is not None else self._upstream

    @property
    def port(self) -> int:
        if self._socket is None:
            raise HarnessError("the proxy is not started")
        return int(self._socket.getsockname()[1])

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1``: what a client uses as its OpenAI base URL."""
        return self.origin + "/v1"

    def start(self) -> ValidatingProxy:
        if self._thread is not None:
            raise HarnessError("the proxy is already started")
        if self.reference is not None:
            self.reference.start()
        self.session.upstream = self.upstream
        self.app = create_proxy_app(
            self.session, self.upstream, reject=self.reject, timeout=self._timeout
        )
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (no Nagle delay).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError as exc:
            sock.close()
            self._stop_reference()
            raise UsageError(f"cannot listen on {self.host}:{self._requested_port}: {exc}") from exc
        sock.listen(512)
        sock.setblocking(False)
        self._socket = sock
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=max(1, int(self.shutdown_timeout)),
            ws="websockets-sansio",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="oaic-proxy", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                self.stop(write=False)
                raise HarnessError(f"the proxy failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop(write=False)
                raise HarnessError(f"the proxy did not start within {self.startup_timeout} s")
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); a thread cannot raise
            self._error = exc

    async def _serve(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            await self._server.serve(sockets=[self._socket])
        finally:
            await self.app.state.proxy.aclose()

    def stop(self, *, write: bool = True, command: list[str] | None = None) -> Path | None:
        """Stop serving, then write the reports (returns the run directory, if any)."""
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            self.session.settle(self.shutdown_timeout)
            server.should_exit = True
            thread.join(self.shutdown_timeout)
            if thread.is_alive():
                server.force_exit = True
                thread.join(self.shutdown_timeout)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._server, self._thread = None, None
        self._stop_reference()
        if write and self.run_dir is None:
            self.run_dir = self.session.write_reports(command)
        else:
            self.session.close()
        return self.run_dir

    def _stop_reference(self) -> None:
        if self.reference is not None:
            self.reference.stop()

    def __enter__(self) -> ValidatingProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
