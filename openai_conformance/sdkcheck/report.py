"""The per-method table of an SDK check: request conformant? response parsed? findings.

``MethodRow`` is one SDK method call of an exercise, joined with what the proxy filed under
its label: ``request_ok`` (no "client sent" violation), ``parsed`` (the SDK returned without
raising; ``None`` when the exercise was skipped), the number of "server returned" findings and
the first finding's title. ``rows_from(session, outcomes)`` builds them; ``render(rows)`` is the
printed table; ``record_outcomes`` files SDK exceptions as failures (check
``sdk_response_parsed``) so the reports (suite "sdk") show them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..checks.failures import Failure
from ..proxy.session import ProxySession

PARSE_CHECK = "sdk_response_parsed"


@dataclass(frozen=True)
class Outcome:
    """What an exercise call did: ``error`` is None when the SDK returned normally."""

    label: str
    error: str | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class MethodRow:
    label: str
    requests: int
    request_ok: bool
    parsed: bool | None
    client_findings: int
    server_findings: int
    first: str = ""

    @property
    def ok(self) -> bool:
        return self.request_ok and self.parsed is not False and self.server_findings == 0


def record_outcomes(session: ProxySession, outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if o.error is not None:
            session.add_failure(
                o.label,
                Failure(
                    title=f"sdk: the call did not complete: {o.error}",
                    check=PARSE_CHECK,
                    message=f"{o.label} raised {o.error}",
                ),
            )


def rows_from(session: ProxySession, outcomes: list[Outcome]) -> list[MethodRow]:
    groups = session.snapshot()
    rows = []
    for o in outcomes:
        g = groups.get(o.label)
        client = g.client_failures() if g else []
        server = g.server_failures() if g else []
        found = client or server
        first = found[0] if found else None
        rows.append(
            MethodRow(
                label=o.label,
                requests=g.requests if g else 0,
                request_ok=not client,
                parsed=None if o.skipped else o.error is None,
                client_findings=len(client),
                server_findings=len(server),
                first=first.title if first else (o.error or o.skipped or ""),
            )
        )
    return rows


def _mark(value: bool | None) -> str:
    return "skip" if value is None else ("yes" if value else "NO")


def render(rows: list[MethodRow], width: int = 70) -> str:
    """A fixed-width table, one line per method."""
    head = ("method", "reqs", "request conformant", "response parsed", "findings")
    lines = [head]
    for r in rows:
        note = f"{r.client_findings + r.server_findings}"
        if r.first:
            note += f"  {r.first[:width]}"
        lines.append(
            (r.label, str(r.requests), "yes" if r.request_ok else "NO", _mark(r.parsed), note)
        )
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = []
    for line in lines:
        cells = [c.ljust(w) for c, w in zip(line[:4], widths, strict=True)]
        out.append("  ".join([*cells, line[4]]).rstrip())
    return "\n".join(out)
