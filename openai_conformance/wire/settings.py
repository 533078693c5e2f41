"""What the wire layer needs to know about a target: timeouts and connection settings.

``TargetSettings`` is the structural view of the run's configuration that the client and the
WebSocket client read; ``target.config.RunConfig`` satisfies it. Declaring it here keeps the
dependency direction wire → (nothing above): the client never imports the configuration layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from .redact import Secret


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``total`` bounds one non-streamed request end to end (wall clock);
    ``stream_total`` a whole stream; ``stream_idle`` the gap between two stream chunks."""

    connect: float = 10.0
    read: float = 60.0
    total: float = 120.0
    stream_total: float = 300.0
    stream_idle: float = 60.0


class TargetSettings(Protocol):
    """The connection settings of one target (read-only attributes)."""

    @property
    def base_url(self) -> str | None: ...
    @property
    def api_key(self) -> Secret | None: ...
    @property
    def auth(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str | Secret]: ...
    @property
    def query(self) -> Mapping[str, str]: ...
    @property
    def organization(self) -> str | None: ...
    @property
    def project(self) -> str | None: ...
    @property
    def tls_verify(self) -> bool: ...
    @property
    def timeouts(self) -> Timeouts: ...
    @property
    def max_requests(self) -> int | None: ...
    @property
    def retries(self) -> int: ...
    @property
    def retry_after_cap(self) -> float: ...

    def secrets(self) -> list[str]: ...
