"""``oaic run`` (the suites under pytest, in this process) and ``oaic report`` (re-render).

``oaic run``'s options are generated from the option table (``target/options.py``): each one
is validated here with the table's parser (a bad value is a usage error before pytest starts)
and forwarded to pytest under the same flag, where the plugin resolves it with the
environment and the profile. After the run the per-resource summary is printed; the exit code
comes from results.json (0 conformant, 1 failures, 3 harness error), or from the baseline gate
with ``--baseline`` (see gate.py).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import HarnessError, TargetError, UsageError
from ..target.options import RUN, Option, cli_value, help_text, offered_on
from ..wire.redact import redact_url
from .bytecode import cache_bytecode
from .common import (
    EXIT_FAILURES,
    EXIT_HARNESS,
    EXIT_OK,
    EXIT_USAGE,
    repo_root,
    suites_dir,
)
from .gate import gate, load_baseline

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

# --------------------------------------------------------------------------- parsing


def argparse_type(opt: Option) -> Callable[[str], str]:
    """An argparse ``type`` checking a value with the option's parser (see ``cli_value``)."""

    def convert(text: str) -> str:
        try:
            return cli_value(opt, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def add_parsers(sub: Any) -> None:
    """``oaic run`` (every option of the table offered on it) and ``oaic report``."""
    run = sub.add_parser(
        "run",
        help="run the conformance suites against a target (default: the embedded server)",
        description="Run the suites with pytest; extra pytest arguments go after '--'. "
        "Every option can also come from the environment or the profile (README, "
        "Configuration).",
    )
    for opt in offered_on(RUN):
        assert opt.flag is not None
        if opt.switch:
            run.add_argument(opt.flag, dest=opt.name, action="store_true", help=help_text(opt))
        elif opt.choices is not None and not opt.multi:
            run.add_argument(opt.flag, dest=opt.name, choices=opt.choices, help=help_text(opt))
        else:
            run.add_argument(
                opt.flag,
                dest=opt.name,
                type=argparse_type(opt) if opt.parse is not None else None,
                metavar=opt.metavar,
                help=help_text(opt),
            )

    report = sub.add_parser("report", help="re-render the reports of a run from results.json")
    report.add_argument("run_dir", metavar="RUN_DIR", help="a run directory (or its results.json)")


# --------------------------------------------------------------------------- run


def _preflight(args: argparse.Namespace, report_dir: Path) -> None:
    """Fail fast, in one paragraph, on what would otherwise fail inside pytest."""
    if report_dir.exists() and not report_dir.is_dir():
        raise UsageError(f"--report-dir {report_dir} exists and is not a directory")
    _check_writable(report_dir)
    if args.profile:
        _check_profile(args.profile)
    if args.base_url:
        _check_reachable(args.base_url)
    if args.spec_source or args.base_url is None:
        _check_spec(args.spec_source)


def _check_writable(report_dir: Path) -> None:
    """The report directory can be created and written (else one message, exit 2)."""
    probe = report_dir / f".oaic-write-probe-{os.getpid()}"
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise UsageError(
            f"--report-dir {report_dir} is not writable ({exc.strerror or type(exc).__name__})",
            hint="choose a directory you can write with --report-dir DIR (or OAIC_REPORT_DIR)",
        ) from None


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
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # http://host:99999
        raise UsageError(
            f"--target {redact_url(url)}: {exc}",
            hint="give the base URL with a valid port, e.g. http://127.0.0.1:8000/v1",
        ) from None
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
    from ..contract import load_spec  # lazy: heavy import

    load_spec(source)  # raises SpecError (hash mismatch, unreadable) with a clear message


def pytest_args(args: argparse.Namespace, report_dir: Path, extra: list[str]) -> list[str]:
    """pytest's command line: the suites, the plugin, and every option given to ``oaic run``
    under the same flag (``--report-dir`` always, resolved; ``-n`` with ``--dist loadgroup``;
    ``--baseline`` stays here)."""
    out = [str(suites_dir()), f"--rootdir={repo_root()}", "-p", "openai_conformance.plugin"]
    out += ["-p", "no:cacheprovider"]  # a run writes nothing into the checkout (.pytest_cache)
    out += ["--report-dir", str(report_dir)]
    if args.base_url and not args.profile and not os.environ.get("OAIC_PROFILE", "").strip():
        out += ["--oaic-discover"]  # the first run discovers the target (target/discovery.py)
    for opt in offered_on(RUN):
        value = getattr(args, opt.name)
        if opt.name in ("report_dir", "baseline", "workers") or value in (None, False):
            continue
        assert opt.flag is not None
        out += [opt.flag] if opt.switch else [opt.flag, str(value)]
    workers = args.workers if args.workers is not None else default_workers(args, extra)
    if workers not in (None, "0"):
        # loadgroup keeps lifecycle-bound tests (xdist_group) on one worker.
        out += ["-n", workers, "--dist", "loadgroup"]
    return out + extra


def default_workers(args: argparse.Namespace, extra: list[str]) -> str | None:
    """``-n`` when none is given: 2 xdist workers for a whole run against the embedded server
    on a machine with 2 or more cores, else none (one process).

    Why: in one process the tests and the embedded server share one interpreter lock, so a
    run uses one core; the generated suite's hypothesis draws are CPU-bound and split well
    over two workers (resource groups, ``--dist loadgroup``), while the server stays in the
    controller. A worker costs about 2 s of CPU to start (with the bytecode cache), which a
    whole run repays many times and a selection (``-k``, ``--resources``, extra pytest
    arguments) of a few tests does not. A remote target keeps one process: its rate limits
    and request budget are the user's to spread, with ``-n``.
    """
    if args.keyword or args.resources or extra or (os.cpu_count() or 1) < 2:
        return None
    from ..target.config import build_config  # lazy: reads the profile

    try:
        config = build_config({"base_url": args.base_url, "profile": args.profile})
    except UsageError:
        return None  # reported by the plugin with its full message
    return "2" if config.embedded else None


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
    report_dir = Path(args.report_dir or repo_root() / "reports").resolve()
    # Before the heavy imports (pytest, the spec, hypothesis): see bytecode.py.
    restore_bytecode = cache_bytecode(report_dir / ".pycache")
    try:
        return _run(args, extra, report_dir)
    finally:
        restore_bytecode()


def _run(args: argparse.Namespace, extra: list[str], report_dir: Path) -> int:
    import pytest

    from ..reports.console import render_console
    from ..reports.model import Results

    _preflight(args, report_dir)
    baseline = load_baseline(args.baseline) if args.baseline else None
    argv = pytest_args(args, report_dir, extra)
    started = time.time()
    cwd = Path.cwd()
    # hypothesis keeps its caches under the report dir, not in the checkout (.hypothesis);
    # read lazily by hypothesis, and inherited by xdist workers.
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(report_dir / ".hypothesis"))
    os.chdir(repo_root())  # relative paths in profiles and the plugin resolve from the repo
    try:
        code = int(pytest.main(argv, plugins=[]))
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
    try:
        results = Results.load(run_dir / "results.json")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HarnessError(f"cannot read {run_dir / 'results.json'}: {exc}") from None
    print()
    print(render_console(results, report=run_dir / "report.html"))
    if code in (0, 1) and baseline is not None:
        return gate(baseline, results, run_dir)
    if code in (0, 1):
        return results.exit_code
    return PYTEST_EXIT.get(code, EXIT_HARNESS)


# --------------------------------------------------------------------------- report


def cmd_report(args: argparse.Namespace) -> int:
    from ..reports.console import render_console
    from ..reports.writer import rerender

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
