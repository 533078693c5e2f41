"""The gate subcommands: ``oaic diff``, ``oaic baseline save``, ``oaic probe``, and the
``--baseline`` gate of ``oaic run`` (``gate``). The comparison itself is
``reports/baseline.py``; the probe is ``target/probe.py``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..reports.model import Results
from ..target.options import AUTH_STYLES
from .common import EXIT_FAILURES, EXIT_OK, url


def add_parsers(sub: Any) -> None:
    """``oaic diff``, ``oaic baseline save`` and ``oaic probe``."""
    diff = sub.add_parser(
        "diff",
        help="compare two runs; exit 1 on a regression",
        description="Compare two runs: regressions, new failures, fixed tests, outcome "
        "changes, tests added and removed.",
        epilog="Exit codes: 0 no regression, 1 regression (a test that was PASS, XPASS or "
        "XFAIL in BASE is FAIL or ERROR in NEW), 2 usage error (unreadable input).",
    )
    diff.add_argument("base", metavar="BASE", help="the baseline run (run dir or results.json)")
    diff.add_argument("new", metavar="NEW", help="the run to judge (run dir or results.json)")
    diff.add_argument("--json", action="store_true", help="print the comparison as JSON")

    baseline = sub.add_parser("baseline", help="record a run's failures in a target profile")
    base_sub = baseline.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)
    save = base_sub.add_parser(
        "save",
        help="write the run's failures as [expect] entries of the profile",
        description="Write every FAIL/ERROR of the run into a marked section of the profile "
        "as expected failures (reason 'baseline <run id> <date>: <failure>', link to fill "
        "in). The rest of the file is kept byte for byte; re-saving keeps edited reasons and "
        "links and drops entries of tests that no longer fail.",
    )
    save.add_argument("run_dir", metavar="RUN_DIR", help="a run directory or its results.json")
    save.add_argument(
        "--profile", metavar="NAME", help="profile name or .toml path (default: the run's)"
    )

    probe = sub.add_parser(
        "probe",
        help="detect which endpoints a server implements and print a draft profile",
        description="Send small, bounded requests (never costly ones) to find which routes "
        "and options the target implements, and print a draft profile (TOML).",
        epilog="Exit codes: 0 draft printed, 1 target unreachable, 2 usage error.",
    )
    probe.add_argument("--target", type=url, required=True, metavar="URL", help="base URL (…/v1)")
    probe.add_argument(
        "--api-key-env", metavar="VAR", help="environment variable holding the API key"
    )
    probe.add_argument("--auth", choices=AUTH_STYLES, default=None)
    probe.add_argument("--model", metavar="ID", help="chat model to use (default: from /models)")
    probe.add_argument("--name", metavar="NAME", help="profile name in the draft")
    probe.add_argument("--output", metavar="FILE", help="write the draft here instead of stdout")
    probe.add_argument(
        "--timeout", type=float, default=15.0, metavar="S", help="per-request timeout"
    )


def load_baseline(path: str) -> Results:
    from ..reports.baseline import load_results

    return load_results(path)  # UsageError (exit 2) before the run when it is unreadable


def gate(baseline: Results, results: Results, run_dir: Path) -> int:
    """``oaic run --baseline``: print the comparison, put the new failures first in
    summary.md, and return 1 on a regression or a strict XPASS (or a certification blocker
    under --certify), else 0."""
    from ..reports.baseline import compare, comparison_json, render_comparison
    from ..reports.markdown import write_summary

    cmp = compare(baseline, results)
    write_summary(run_dir / "summary.md", results, baseline=cmp)
    (run_dir / "baseline-diff.json").write_text(comparison_json(cmp) + "\n", encoding="utf-8")
    print()
    print(render_comparison(cmp))
    s = results.summary
    if cmp.regressed or s["totals"]["XPASS"] or s["certify"]["blockers"]:
        return EXIT_FAILURES
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from ..reports.baseline import compare, comparison_json, load_results, render_comparison

    cmp = compare(load_results(args.base), load_results(args.new))
    print(comparison_json(cmp) if args.json else render_comparison(cmp))
    return int(cmp.exit_code)


def cmd_baseline(args: argparse.Namespace) -> int:
    from ..reports.baseline import load_results, save_baseline
    from ..target.profiles import load_profile

    results = load_results(args.run_dir)
    name = args.profile or results.run.target.profile
    if not name:
        raise UsageError(
            f"the run {results.run.id} was made without a profile",
            hint="pass --profile NAME (a targets/NAME.toml) or a path to a .toml file",
        )
    profile = load_profile(name)  # validates it; UsageError naming the available profiles
    if args.profile and results.run.target.profile not in (None, profile.name):
        print(
            f"note: the run was made with profile {results.run.target.profile!r}, "
            f"saving into {profile.name!r}",
            file=sys.stderr,
        )
    report = save_baseline(results, profile.path)
    new = [e for e in report.written if e.test_id not in report.kept]
    print(f"{profile.path}: {len(report.written)} expected failure(s) in the baseline section")
    print(f"  {len(new)} added, {len(report.kept)} kept, {len(report.dropped)} removed")
    for test_id in report.dropped:
        print(f"  removed {test_id} (no longer failing)")
    for test_id in report.skipped:
        print(f"  skipped {test_id}: a hand-written [expect] entry exists outside the section")
    if new:
        print("fill in `link` for each new entry with the issue that tracks it")
    return EXIT_OK


def cmd_probe(args: argparse.Namespace) -> int:
    from ..target.probe_report import probe_main

    return int(probe_main(args))
