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

from collections.abc import Iterable
from types import TracebackType
from typing import Any

from ..errors import UsageError
from ..wire.serving import BackgroundServer
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
        self.app = create_app(self.config)
        self.state: ServerState = self.app.state.oaic
        self._background = BackgroundServer(
            self.app,
            name="oaic-refserver",
            host=host,
            port=port,
            startup_timeout=startup_timeout,
            shutdown_timeout=shutdown_timeout,
            log_level=log_level,
        )

    # -- addresses -------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._background.host

    @property
    def port(self) -> int:
        return self._background.port

    @property
    def origin(self) -> str:
        return self._background.origin

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/v1`` (no trailing slash)."""
        return self._background.base_url

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ReferenceServer:
        self._background.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns within about ``2 * shutdown_timeout`` seconds in all cases."""
        self._background.stop()

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
        where = self.base_url if self._background.started else "not started"
        return f"<ReferenceServer {where} faults={sorted(self.config.faults)}>"

    def info(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "faults": sorted(self.config.faults)}
