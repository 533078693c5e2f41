"""``oaic``: the command line of openai-conformance.

Subcommands:

* ``oaic run [options] [-- pytest args]`` runs the suites with pytest in this process, prints a
  per-resource summary and exits 0 (conformant), 1 (conformance failures), 2 (usage or config
  error), 3 (harness error).
* ``oaic report RUN_DIR`` re-renders every report format from results.json (+ evidence.jsonl).
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

    report = sub.add_parser("report", help="re-render the reports of a run from results.json")
    report.add_argument("run_dir", metavar="RUN_DIR", help="a run directory (or its results.json)")

    sub.add_parser(
        "serve", help="run the reference server (see 'oaic serve --help')", add_help=False
    )

    spec = sub.add_parser("spec", help="inspect the contract and regenerate its operation table")
    spec.add_argument("--spec", metavar="PATH_OR_URL", help="document (default: the locked one)")
    spec_sub = spec.add_subparsers(dest="spec_command", metavar="SPEC_COMMAND", required=True)
    spec_sub.add_parser("info", help="document identity, overlays applied, operation counts")
    ops = spec_sub.add_parser("operations", help="check or regenerate spec/operations.yaml")
    ops.add_argument("--write", action="store_true", help="write missing entries, drop stale ones")
    return parser


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
    from openai_conformance.spec import load_spec  # lazy: heavy import

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
    if code in (0, 1):
        return results.exit_code
    return PYTEST_EXIT.get(code, EXIT_HARNESS)


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

    from openai_conformance.spec import load_spec, metadata
    from openai_conformance.spec.loader import METADATA_PATH, read_metadata

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
    try:
        from openai_conformance.refserver.cli import serve_main
    except ImportError as exc:
        raise HarnessError(f"the reference server CLI is not available ({exc})") from None
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
