"""``oaic``: the command line of openai-conformance (entry point ``main``).

Subcommands (each group in its own module of this package):

* ``oaic run [options] [-- pytest args]`` (run.py) runs the suites with pytest in this
  process, prints a per-resource summary and exits 0 (conformant), 1 (conformance failures),
  2 (usage or config error), 3 (harness error). Its options come from the option table
  (``target/options.py``).
* ``oaic run --baseline RUN`` gates on a previous run instead: exit 1 only on a regression
  (a test that passed or was XFAIL in the baseline is FAIL/ERROR now) or a strict XPASS;
  failures already present in the baseline are tolerated (gate.py, ``reports/baseline.py``).
* ``oaic report RUN_DIR`` (run.py) re-renders every report format from results.json.
* ``oaic diff BASE NEW``, ``oaic baseline save RUN_DIR``, ``oaic probe --target URL`` (gate.py).
* ``oaic spec info|operations`` (spec.py).
* ``oaic serve ...``, ``oaic proxy``, ``oaic sdk-check`` (serve.py).
* ``oaic check-traffic PATH...`` (traffic.py): recorded traffic judged offline.
* ``oaic webhooks listen`` (webhooks.py): judge a provider's webhook deliveries.

``--strict-spec`` (run, proxy, check-traffic) sets ``OAIC_STRICT_SPEC=1`` before anything
loads the contract, so this process, its xdist workers and the embedded reference server all
read the letter of the document (``contract.loader.strict_default``).

Every ``ConformanceError`` is printed as its one-paragraph ``render()`` with its exit code;
unexpected exceptions are reported in one paragraph too (``OAIC_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import ConformanceError, UsageError
from . import gate, run, serve, spec, traffic, webhooks
from .common import EXIT_HARNESS, version


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oaic",
        description="Conformance and contract tests for the OpenAI API and compatible servers.",
        epilog="Exit codes: 0 conformant, 1 conformance failures, 2 usage/config error, "
        "3 harness error.",
    )
    parser.add_argument(
        "--version", action="version", version=f"oaic (openai-conformance) {version()}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run.add_parsers(sub)
    serve.add_parsers(sub)
    gate.add_parsers(sub)
    spec.add_parsers(sub)
    traffic.add_parsers(sub)
    webhooks.add_parsers(sub)
    return parser


def _split_extra(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, []


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] == "serve":
        return serve.cmd_serve(argv[1:])
    own, extra = _split_extra(argv)
    args = build_parser().parse_args(own)  # exits 2 on a usage error
    if getattr(args, "strict_spec", False):
        from ..contract.loader import STRICT_ENV

        os.environ[STRICT_ENV] = "1"  # every load_spec() of this process and its workers
    if args.command == "check-traffic":
        return traffic.cmd_check_traffic(args, own)
    if args.command == "run":
        return run.cmd_run(args, extra)
    if args.command == "proxy":
        return serve.cmd_proxy(args, own)
    if args.command == "spec":
        return spec.cmd_spec(args)
    if args.command == "sdk-check":
        return serve.cmd_sdk_check(args)
    if args.command == "webhooks":
        return webhooks.run_listen(args, own)
    if extra:
        raise UsageError(f"'oaic {args.command}' takes no extra arguments after '--'")
    handlers = {
        "report": run.cmd_report,
        "diff": gate.cmd_diff,
        "baseline": gate.cmd_baseline,
        "probe": gate.cmd_probe,
    }
    return handlers[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``oaic``; returns the exit code (``sys.exit(main())``)."""
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
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
