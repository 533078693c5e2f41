"""The proxy's session, fed from recordings: one result per exchange, skipped ones counted.

``TrafficSession`` is a ``proxy.session.ProxySession`` (same evidence, same grouping into
``TestResult``s, same report writer) whose group key is the exchange's source,
``<file>#<interaction index>``, so every verdict in the report names the recording it came
from. Exchanges not judged (another host, a redacted URI, no recorded response) and files
that are not recorded traffic become ``DISABLED`` results carrying the reason: they are
counted in the report, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..proxy.session import ProxySession


@dataclass(frozen=True)
class NotJudged:
    """An exchange (``file#index``) or a whole file that was not judged, and why."""

    where: str
    reason: str
    method: str = ""
    url: str = ""


class TrafficSession(ProxySession):
    """See module doc."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("suite", "traffic")
        kwargs.setdefault("name", "traffic")
        super().__init__(*args, **kwargs)
        self.not_judged: list[NotJudged] = []

    def skip(self, item: NotJudged) -> None:
        with self._lock:
            self.not_judged.append(item)

    def results(self) -> list[Any]:
        from ..reports.model import TestResult

        out = list(super().results())
        for item in self.not_judged:
            what = f"{item.method} {item.url}".strip()
            out.append(
                TestResult(
                    id=self.test_id(item.where),
                    name=item.where,
                    suite=self.suite,
                    resource="unknown",
                    outcome="DISABLED",
                    message=f"not judged: {item.reason}" + (f" ({what})" if what else ""),
                )
            )
        return sorted(out, key=lambda t: t.id)
