"""``oaic check-traffic PATH...``: judge recorded OpenAI traffic offline (issue 12).

The command lives in ``traffic/run.py``; this module declares and dispatches it. The
``--strict-spec`` switch (here, on ``oaic proxy`` and in the option table for ``oaic run``)
is applied by ``cli._dispatch`` through ``OAIC_STRICT_SPEC`` before any contract is loaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

STRICT_HELP = (
    "judge against the letter of the document: leave out the 'observed' overlays (what the "
    "live API does against the document), so those deviations FAIL (docs/calibration.md)"
)


def add_parsers(sub: Any) -> None:
    traffic = sub.add_parser(
        "check-traffic",
        help="judge recorded OpenAI traffic (VCR cassettes, HAR, evidence.jsonl) offline",
        description="Judge every recorded exchange with the proxy's checks (request and "
        "response, SSE streams event by event) and write the usual reports, one result per "
        "exchange (FILE#INDEX). FAIL: the contract as the live API honours it; findings "
        "labelled 'observed': the letter of the document differs (docs/calibration.md).",
        epilog="Exit codes: 0 no FAIL, 1 some exchange FAILs, 2 bad input or nothing judged.",
    )
    traffic.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    traffic.add_argument("--report-dir", metavar="DIR", help="where runs are written (reports/)")
    traffic.add_argument("--strict-spec", action="store_true", help=STRICT_HELP)
    traffic.add_argument(
        "--host",
        action="append",
        metavar="HOST",
        help="judge exchanges with this host too (default: api.openai.com only)",
    )


def cmd_check_traffic(args: argparse.Namespace, argv: list[str]) -> int:
    from ..traffic.run import run_check_traffic

    hosts = ("api.openai.com", *(h.lower() for h in args.host or ()))
    return run_check_traffic(
        args.paths,
        report_dir=Path(args.report_dir or "reports"),
        strict=args.strict_spec,
        hosts=hosts,
        command=["oaic", *argv],
    )
