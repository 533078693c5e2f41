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

from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from ..contract import Spec
from ..errors import HarnessError
from ..wire.serving import BackgroundServer
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
        self._background: BackgroundServer | None = None
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
        letter = None
        if spec is None:
            from .calibration import Calibration

            calibration = Calibration.load()  # --strict-spec: OAIC_STRICT_SPEC, no letter
            spec, letter = calibration.judged.spec, calibration.letter
        self.spec = spec
        self.session = ProxySession(
            self.spec,
            report_dir=report_dir,
            suite=suite,
            name=name,
            upstream=self._upstream,
            letter=letter,
        )
        self._timeout = timeout
        self.run_dir: Path | None = None

    @property
    def upstream(self) -> str:
        return self.reference.base_url if self.reference is not None else self._upstream

    def _bg(self) -> BackgroundServer:
        if self._background is None:
            raise HarnessError("the proxy is not started")
        return self._background

    @property
    def port(self) -> int:
        return self._bg().port

    @property
    def origin(self) -> str:
        return self._bg().origin

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1``: what a client uses as its OpenAI base URL."""
        return self._bg().base_url

    def start(self) -> ValidatingProxy:
        if self._background is not None:
            raise HarnessError("the proxy is already started")
        if self.reference is not None:
            self.reference.start()
        self.session.upstream = self.upstream
        self.app = create_proxy_app(
            self.session, self.upstream, reject=self.reject, timeout=self._timeout
        )
        background = BackgroundServer(
            self.app,
            name="oaic-proxy",
            host=self.host,
            port=self._requested_port,
            startup_timeout=self.startup_timeout,
            shutdown_timeout=self.shutdown_timeout,
            on_exit=self.app.state.proxy.aclose,
        )
        try:
            background.start()
        except BaseException:
            self._stop_reference()
            self.session.close()
            raise
        self._background = background
        return self

    def stop(self, *, write: bool = True, command: list[str] | None = None) -> Path | None:
        """Stop serving, then write the reports (returns the run directory, if any)."""
        if self._background is not None:
            self.session.settle(self.shutdown_timeout)
            self._background.stop()
            self._background = None
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
