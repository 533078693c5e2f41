"""``oaic check-traffic PATH...``: judge recorded OpenAI traffic offline and write the reports.

Every file named, and every file under a directory named (recursively, sorted, hidden files
left out), is read by ``formats.read_file``. A file named explicitly that is not recorded
traffic is a usage error (exit 2, one precise line); inside a directory it is reported as not
judged and the walk goes on. Each exchange is judged by ``judge.judge`` and filed in a
``TrafficSession``; the console shows the totals (judged, FAIL, observed findings, not judged
by reason) and the run directory. Exit status: 0 no FAIL, 1 some FAIL, 2 nothing to judge.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..proxy.calibration import Calibration
from .formats import Recorded, Skipped, TrafficInputError, read_file
from .judge import OPENAI_HOSTS, admissible, judge, outside_contract
from .session import NotJudged, TrafficSession


@dataclass
class Totals:
    files: int = 0
    judged: int = 0
    failed: int = 0  # exchanges with at least one MUST failure
    request_flagged: int = 0  # exchanges whose request the request checks flagged
    response_failed: int = 0  # exchanges with a failure from the response checks
    observed: int = 0  # observed-labelled findings
    rejected: int = 0  # request violations the API refused with a 4xx (rejected-labelled)
    not_judged: Counter[str] = field(default_factory=Counter)


def collect(paths: list[str]) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for every input; a missing path is a usage error."""
    out: list[tuple[Path, bool]] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
            out += [(p, False) for p in files]
        elif path.is_file():
            out.append((path, True))
        else:
            raise UsageError(f"check-traffic: {text}: no such file or directory")
    return out


def _kind(reason: str) -> str:
    return reason.split(" (", 1)[0].split(":", 1)[0]


async def check_paths(
    paths: list[str],
    session: TrafficSession,
    calibration: Calibration,
    hosts: tuple[str, ...] = OPENAI_HOSTS,
) -> Totals:
    totals = Totals()
    for path, named in collect(paths):
        try:
            items = read_file(path)
        except TrafficInputError as exc:
            if named:
                raise
            session.skip(NotJudged(str(path), f"not recorded traffic: {exc}"))
            totals.not_judged["file: not recorded traffic"] += 1
            print(f"skipped {exc}", file=sys.stderr)
            continue
        totals.files += 1
        for item in items:
            if isinstance(item, Skipped):
                session.skip(NotJudged(item.where, item.reason, item.method, item.url))
                totals.not_judged[_kind(item.reason)] += 1
                continue
            reason = admissible(item, hosts) or outside_contract(item, calibration)
            if reason is not None:
                session.skip(NotJudged(item.where, reason, item.method, item.url))
                totals.not_judged[_kind(reason)] += 1
                continue
            await _judge_one(item, session, calibration, totals)
    return totals


async def _judge_one(
    rec: Recorded, session: TrafficSession, calibration: Calibration, totals: Totals
) -> None:
    from ..proxy.attribution import CLIENT, side_of

    verdict = await judge(rec, calibration)
    session.observe(
        rec.where,
        verdict.operation,
        verdict.exchange,
        verdict.failures,
        sse_event_types=verdict.event_types,
        labelled=verdict.labelled,
    )
    totals.judged += 1
    fatal = [f for f in verdict.failures if f.level == "MUST"]
    totals.failed += bool(fatal)
    totals.request_flagged += any(side_of(f) == CLIENT for f in fatal)
    totals.response_failed += any(side_of(f) != CLIENT for f in fatal)
    totals.observed += len(verdict.observed)
    totals.rejected += len(verdict.rejected)


def render(totals: Totals, strict: bool) -> str:
    mode = "the letter of the document (--strict-spec)" if strict else "the contract as observed"
    lines = [
        f"check-traffic: {totals.judged} exchange(s) from {totals.files} file(s) judged "
        f"against {mode}",
        f"  FAIL: {totals.failed} exchange(s) "
        f"(requests flagged: {totals.request_flagged}, responses failing: "
        f"{totals.response_failed})",
    ]
    if not strict:
        lines.append(f"  observed: {totals.observed} finding(s) labelled 'observed' (not FAIL)")
    lines.append(
        f"  rejected: {totals.rejected} request violation(s) the API refused with a 4xx "
        "(labelled 'rejected', not FAIL)"
    )
    skipped = sum(totals.not_judged.values())
    lines.append(f"  not judged: {skipped}")
    for reason, count in sorted(totals.not_judged.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {count:5d}  {reason}")
    return "\n".join(lines)


def run_check_traffic(
    paths: list[str],
    *,
    report_dir: Path,
    strict: bool,
    hosts: tuple[str, ...] = OPENAI_HOSTS,
    command: list[str] | None = None,
) -> int:
    calibration = Calibration.load(strict=strict)
    session = TrafficSession(
        calibration.judged.spec,
        report_dir=report_dir,
        upstream="recorded traffic: " + ", ".join(paths),
        validator=calibration.judged.validator,
    )
    try:
        totals = asyncio.run(check_paths(paths, session, calibration, hosts))
    finally:
        session.close()
    run_dir = session.write_reports(command)
    print(render(totals, calibration.strict))
    if run_dir is not None:
        print(f"report: {run_dir / 'report.html'}")
    if totals.judged == 0:
        print("error: no exchange could be judged (see 'not judged' above)", file=sys.stderr)
        return 2
    return 1 if totals.failed else 0
