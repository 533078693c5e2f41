"""``oaic``: the command line of openai-conformance.

Subcommands:

* ``oaic run [options] [-- pytest args]`` runs the suites with pytest in this process, prints a
  per-resource summary and exits 0 (conformant), 1 (conformance failures), 2 (usage or config
  error), 3 (harness error).
* ``oaic run --baseline RUN`` gates on a previous run instead: exit 1 only on a regression
  (a test that passed or was XFAIL in the baseline is FAIL/ERROR now) or a strict XPASS;
  failures already present in the baseline are tolerated (see ``baseline.py``).
* ``oaic report RUN_DIR`` re-renders every report format from results.json (+ evidence.jsonl).
* ``oaic diff BASE NEW`` compares two runs (exit 1 on a regression, 0 otherwise).
* ``oaic baseline save RUN_DIR [--profile NAME]`` records a run's failures as expectations.
* ``oaic probe --target URL`` detects what a server implements and prints a draft profile.
* ``oaic serve ...`` runs the reference server (``openai_conformance.refserver.cli``).

Every ``ConformanceError`` is printed as its one-paragraph ``render()`` with its exit code;
unexpected exceptions are reported in one paragraph too (``OAIC_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openai_conformance
from openai_conformance.errors import ConformanceError, HarnessError, TargetError, UsageError

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_HARNESS = 0, 1, 2, 3
ALLOW_CLASSES = ("destructive", "admin", "costly")
HYPOTHESIS_PROFILES = ("quick", "default", "thorough")
CONNECT_TIMEOUT_S = 5.0

#: pytest exit code -> oaic exit code (see ``pytest.ExitCode``).
PYTEST_EXIT = {
    0: EXIT_OK,  # OK
    1: EXIT_FAILURES,  # TESTS_FAILED
    2: EXIT_USAGE,  # INTERRUPTED (also the plugin's clean stop on a config error)
    3: EXIT_HARNESS,  # INTERNAL_ERROR (the plugin also uses 3 for ERROR outcomes)
    4: EXIT_USAGE,  # USAGE_ERROR
    5: EXIT_USAGE,  # NO_TESTS_COLLECTED
}


def repo_root() -> Path:
    """The checkout holding ``suites/``, ``targets/`` and the root conftest.py."""
    return Path(openai_conformance.__file__).resolve().parents[1]


def suites_dir() -> Path:
    return repo_root() / "suites"


# --------------------------------------------------------------------------- parsing


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _workers(text: str) -> str:
    if text in ("auto", "logical") or (text.isdigit() and int(text) >= 0):
        return text
    raise argparse.ArgumentTypeError(f"expected a number of workers or 'auto', got {text!r}")


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"expected an http(s) base URL such as http://localhost:8000/v1, got {text!r}"
        )
    return text.rstrip("/")


def _csv(choices: Sequence[str] | None = None) -> Callable[[str], str]:
    def parse(text: str) -> str:
        items = [p.strip() for p in text.split(",") if p.strip()]
        if not items:
            raise argparse.ArgumentTypeError("expected a comma-separated list, got nothing")
        if choices is not None:
            bad = [i for i in items if i not in choices]
            if bad:
                raise argparse.ArgumentTypeError(
                    f"unknown value(s) {', '.join(bad)}; choose from {', '.join(choices)}"
                )
        return ",".join(items)

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oaic",
        description="Conformance and contract tests for the OpenAI API and compatible servers.",
        epilog="Exit codes: 0 conformant, 1 conformance failures, 2 usage/config error, "
        "3 harness error.",
    )
    parser.add_argument(
        "--version", action="version", version=f"oaic (openai-conformance) {_version()}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run",
        help="run the conformance suites against a target (default: the embedded server)",
        description="Run the suites with pytest; extra pytest arguments go after '--'.",
    )
    run.add_argument("--target", type=_url, metavar="URL", help="base URL of the target (…/v1)")
    run.add_argument("--profile", metavar="NAME", help="target profile (targets/NAME.toml)")
    run.add_argument("-k", dest="keyword", metavar="EXPR", help="pytest -k selection expression")
    run.add_argument("--resources", type=_csv(), metavar="A,B", help="only these resources")
    run.add_argument("--report-dir", metavar="DIR", help="where runs are written (reports/)")
    run.add_argument("-n", dest="workers", type=_workers, metavar="N", help="xdist workers")
    run.add_argument(
        "--allow", type=_csv(ALLOW_CLASSES), metavar="CLASSES", help="destructive,admin,costly"
    )
    run.add_argument("--max-requests", type=_positive_int, metavar="N", help="request budget")
    run.add_argument("--seed", type=_int, metavar="N", help="seed of the generated tests")
    run.add_argument(
        "--hypothesis-profile", choices=HYPOTHESIS_PROFILES, help="generated-suite depth"
    )
    run.add_argument("--spec", metavar="PATH_OR_URL", help="contract document to test against")
    run.add_argument(
        "--certify", action="store_true", help="UNSUPPORTED/DISABLED/XFAIL on a MUST fail the run"
    )
    run.add_argument(
        "--baseline",
        metavar="RUN",
        help="gate against a previous run (run dir or results.json): exit 1 only when a test "
        "that passed (or was XFAIL) there fails now, or on a strict XPASS; known failures of "
        "the baseline are tolerated",
    )

    report = sub.add_parser("report", help="re-render the reports of a run from results.json")
    report.add_argument("run_dir", metavar="RUN_DIR", help="a run directory (or its results.json)")

    sub.add_parser(
        "serve", help="run the reference server (see 'oaic serve --help')", add_help=False
    )
    _add_gate_parsers(sub)
    _add_proxy_parsers(sub)

    spec = sub.add_parser("spec", help="inspect the contract and regenerate its operation table")
    spec.add_argument("--spec", metavar="PATH_OR_URL", help="document (default: the locked one)")
    spec_sub = spec.add_subparsers(dest="spec_command", metavar="SPEC_COMMAND", required=True)
    spec_sub.add_parser("info", help="document identity, overlays applied, operation counts")
    ops = spec_sub.add_parser("operations", help="check or regenerate spec/operations.yaml")
    ops.add_argument("--write", action="store_true", help="write missing entries, drop stale ones")
    return parser


def _add_gate_parsers(sub: Any) -> None:
    """``oaic diff``, ``oaic baseline save`` and ``oaic probe`` (issue 7)."""
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
    probe.add_argument("--target", type=_url, required=True, metavar="URL", help="base URL (…/v1)")
    probe.add_argument(
        "--api-key-env", metavar="VAR", help="environment variable holding the API key"
    )
    probe.add_argument("--auth", choices=("bearer", "api-key", "none"), default=None)
    probe.add_argument("--model", metavar="ID", help="chat model to use (default: from /models)")
    probe.add_argument("--name", metavar="NAME", help="profile name in the draft")
    probe.add_argument("--output", metavar="FILE", help="write the draft here instead of stdout")
    probe.add_argument(
        "--timeout", type=float, default=15.0, metavar="S", help="per-request timeout"
    )


def _add_proxy_parsers(sub: Any) -> None:
    """``oaic proxy`` and ``oaic sdk-check`` (issue 8: openai_conformance.proxy / .sdkcheck)."""
    proxy = sub.add_parser(
        "proxy",
        help="validating reverse proxy: check every request a client sends and response it gets",
    )
    proxy.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT")
    proxy.add_argument(
        "--upstream", default="reference", metavar="URL|reference", help="base URL (…/v1)"
    )
    proxy.add_argument("--report-dir", metavar="DIR", help="where runs are written (reports/)")
    proxy.add_argument(
        "--reject", action="store_true", help="answer invalid requests 400 instead of forwarding"
    )
    sdk = sub.add_parser(
        "sdk-check", help="exercise the official OpenAI SDK through the proxy (python|node)"
    )
    sdk.add_argument("language", choices=("python", "node"))
    sdk.add_argument("--report-dir", metavar="DIR", help="where runs are written (reports/)")


def cmd_proxy(args: argparse.Namespace, argv: list[str]) -> int:
    from openai_conformance.proxy.cli import run_proxy

    return run_proxy(args, argv)


def cmd_sdk_check(args: argparse.Namespace) -> int:
    from openai_conformance.sdkcheck.cli import run_sdk_check

    return run_sdk_check(args)


def _version() -> str:
    return getattr(openai_conformance, "__version__", "unknown")


# --------------------------------------------------------------------------- run


def _preflight(args: argparse.Namespace, report_dir: Path) -> None:
    """Fail fast, in one paragraph, on what would otherwise fail inside pytest."""
    if args.profile:
        _check_profile(args.profile)
    if args.target:
        _check_reachable(args.target)
    if args.spec or args.target is None:
        _check_spec(args.spec)
    if report_dir.exists() and not report_dir.is_dir():
        raise UsageError(f"--report-dir {report_dir} exists and is not a directory")


def _check_profile(name: str) -> None:
    if Path(name).suffix == ".toml" and Path(name).is_file():
        return
    targets = repo_root() / "targets"
    if (targets / f"{name}.toml").is_file():
        return
    known = sorted(p.stem for p in targets.glob("*.toml")) if targets.is_dir() else []
    raise UsageError(
        f"unknown profile {name!r}",
        hint=f"available profiles: {', '.join(known) or 'none'} (files in {targets})",
    )


def _check_reachable(url: str) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TargetError(
            f"cannot connect to the target {parts.scheme}://{host}:{port} ({reason})",
            hint="is the server running and is --target the base URL ending in /v1?",
        ) from None


def _check_spec(source: str | None) -> None:
    from openai_conformance.contract import load_spec  # lazy: heavy import

    load_spec(source)  # raises SpecError (hash mismatch, unreadable) with a clear message


def _pytest_args(args: argparse.Namespace, report_dir: Path, extra: list[str]) -> list[str]:
    root = repo_root()
    out = [str(suites_dir()), f"--rootdir={root}", "-p", "openai_conformance.plugin"]
    out += ["--report-dir", str(report_dir)]
    for flag, value in (
        ("--target", args.target),
        ("--profile", args.profile),
        ("-k", args.keyword),
        ("--resources", args.resources),
        ("--allow", args.allow),
        ("--max-requests", args.max_requests),
        ("--seed", args.seed),
        ("--hypothesis-profile", args.hypothesis_profile),
        ("--spec", args.spec),
    ):
        if value is not None:
            out += [flag, str(value)]
    if args.certify:
        out.append("--certify")
    if args.workers not in (None, "0"):
        # loadgroup keeps lifecycle-bound tests (xdist_group) on one worker.
        out += ["-n", args.workers, "--dist", "loadgroup"]
    return out + extra


def find_run_dir(report_dir: Path, since: float) -> Path | None:
    """The newest run directory under ``report_dir`` whose results.json was written after
    ``since`` (the plugin writes ``<report_dir>/runs/<UTC>-<target>/``)."""
    candidates = [
        p
        for pattern in ("runs/*/results.json", "*/results.json", "results.json")
        for p in report_dir.glob(pattern)
    ]
    fresh = [p for p in candidates if p.stat().st_mtime >= since - 1]
    if not fresh:
        return None
    return max(fresh, key=lambda p: p.stat().st_mtime).parent


def cmd_run(args: argparse.Namespace, extra: list[str]) -> int:
    import pytest

    report_dir = Path(args.report_dir or repo_root() / "reports").resolve()
    _preflight(args, report_dir)
    baseline = _load_baseline(args.baseline) if args.baseline else None
    pytest_args = _pytest_args(args, report_dir, extra)
    started = time.time()
    cwd = Path.cwd()
    os.chdir(repo_root())  # relative paths in profiles and the plugin resolve from the repo
    try:
        code = int(pytest.main(pytest_args, plugins=[]))
    finally:
        os.chdir(cwd)
    sys.stdout.flush()
    run_dir = find_run_dir(report_dir, started)
    if code == 5:
        print(
            "error: no tests were selected; check -k, --resources and the profile's features",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if run_dir is None:
        if code in (0, 1):
            raise HarnessError(f"the run finished but wrote no results.json under {report_dir}")
        return PYTEST_EXIT.get(code, EXIT_HARNESS)
    from openai_conformance.reports.console import render_console
    from openai_conformance.reports.model import Results

    try:
        results = Results.load(run_dir / "results.json")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HarnessError(f"cannot read {run_dir / 'results.json'}: {exc}") from None
    print()
    print(render_console(results, report=run_dir / "report.html"))
    if code in (0, 1) and baseline is not None:
        return _gate(baseline, results, run_dir)
    if code in (0, 1):
        return results.exit_code
    return PYTEST_EXIT.get(code, EXIT_HARNESS)


# --------------------------------------------------------------------------- gate (issue 7)


def _load_baseline(path: str) -> Any:
    from openai_conformance.reports.baseline import load_results

    return load_results(path)  # UsageError (exit 2) before the run when it is unreadable


def _gate(baseline: Any, results: Any, run_dir: Path) -> int:
    """``oaic run --baseline``: print the comparison, put the new failures first in
    summary.md, and return 1 on a regression or a strict XPASS (or a certification blocker
    under --certify), else 0."""
    from openai_conformance.reports.baseline import compare, comparison_json, render_comparison
    from openai_conformance.reports.markdown import write_summary

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
    from openai_conformance.reports.baseline import (
        compare,
        comparison_json,
        load_results,
        render_comparison,
    )

    cmp = compare(load_results(args.base), load_results(args.new))
    print(comparison_json(cmp) if args.json else render_comparison(cmp))
    return int(cmp.exit_code)


def cmd_baseline(args: argparse.Namespace) -> int:
    from openai_conformance.reports.baseline import load_results, save_baseline
    from openai_conformance.target.profiles import load_profile

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
    from openai_conformance.target.probe import probe_main

    return int(probe_main(args))


# --------------------------------------------------------------------------- report / serve


def cmd_report(args: argparse.Namespace) -> int:
    from openai_conformance.reports.console import render_console
    from openai_conformance.reports.writer import rerender

    path = Path(args.run_dir)
    run_dir = path.parent if path.name == "results.json" else path
    if not (run_dir / "results.json").is_file():
        raise UsageError(
            f"{run_dir} has no results.json",
            hint="pass a run directory such as reports/latest or reports/runs/<run>",
        )
    try:
        results, paths = rerender(run_dir)
    except ValueError as exc:  # JSON syntax, wrong format or version
        raise UsageError(f"{run_dir / 'results.json'} cannot be read: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise UsageError(
            f"{run_dir / 'results.json'} is not a valid results document (missing or bad {exc})"
        ) from None
    print(render_console(results, report=paths["html"]))
    for name, p in paths.items():
        print(f"  {name:<10} {p}")
    return EXIT_OK


def cmd_spec(args: argparse.Namespace) -> int:
    """``oaic spec info`` and ``oaic spec operations [--write]``."""
    from collections import Counter

    from openai_conformance.contract import load_spec, metadata
    from openai_conformance.contract.loader import METADATA_PATH, read_metadata

    spec = load_spec(args.spec)
    if args.spec_command == "info":
        print(f"{spec.title} {spec.version}  ({spec.origin})")
        print(f"sha256 {spec.sha256}")
        print(f"{len(spec.operations)} operations")
        by_safety = Counter(op.safety for op in spec.operations)
        print("safety: " + ", ".join(f"{k} {v}" for k, v in sorted(by_safety.items())))
        for overlay in spec.overlays:
            print(f"overlay {overlay.name} [{overlay.kind}] {overlay.title}")
        return EXIT_OK
    existing = read_metadata(METADATA_PATH)
    table = metadata.generate(spec.document, existing)
    missing = sorted(set(table["operations"]) - set(existing))
    stale = sorted(set(existing) - set(table["operations"]))
    if args.write:
        metadata.write(METADATA_PATH, table)
        print(f"wrote {METADATA_PATH}: {len(missing)} added, {len(stale)} removed")
        return EXIT_OK
    for op_id in missing:
        print(f"missing {op_id}")
    for op_id in stale:
        print(f"stale   {op_id}")
    if missing or stale:
        print("run 'oaic spec operations --write' to update spec/operations.yaml")
        return EXIT_USAGE
    print(f"spec/operations.yaml covers all {len(table['operations'])} operations")
    return EXIT_OK


def cmd_serve(argv: list[str]) -> int:
    from openai_conformance.refserver.cli import serve_main

    return int(serve_main(argv) or 0)


# --------------------------------------------------------------------------- main


def _split_extra(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``oaic``; returns the exit code (``sys.exit(main())``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "serve":
            return cmd_serve(argv[1:])
        own, extra = _split_extra(argv)
        args = build_parser().parse_args(own)  # exits 2 on a usage error
        if args.command == "spec":
            return cmd_spec(args)
        if args.command == "proxy":
            return cmd_proxy(args, own)
        if args.command == "sdk-check":
            return cmd_sdk_check(args)
        if args.command in ("diff", "baseline", "probe"):
            if extra:
                raise UsageError(f"'oaic {args.command}' takes no extra arguments after '--'")
            handler = {"diff": cmd_diff, "baseline": cmd_baseline, "probe": cmd_probe}
            return handler[args.command](args)
        if args.command == "report":
            if extra:
                raise UsageError("'oaic report' takes no extra arguments after '--'")
            return cmd_report(args)
        return cmd_run(args, extra)
    except ConformanceError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one paragraph, never a traceback
        if os.environ.get("OAIC_DEBUG"):
            raise
        print(
            f"error: internal error: {type(exc).__name__}: {exc}\n"
            "hint: this is a bug in openai-conformance; rerun with OAIC_DEBUG=1 for details",
            file=sys.stderr,
        )
        return EXIT_HARNESS


if __name__ == "__main__":
    sys.exit(main())
