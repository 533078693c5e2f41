"""``oaic serve``: run the reference server in the foreground.

``serve_main(argv) -> int`` is the entry the top-level CLI dispatches to (``oaic serve ...``).
It prints ``openai-conformance reference server listening on http://HOST:PORT/v1`` (flushed,
so a parent process can read the port when ``--port 0``) and serves until SIGINT/SIGTERM.
``--webhook URL`` registers a webhook endpoint at startup (its secret from
``--webhook-secret-env``, else generated and printed once). Exit codes: 0 after a signal, 2 for
a usage error (unknown fault, bad option, port in use, bad webhook URL).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, TextIO

from ..errors import UsageError
from .faults import CATALOGUE
from .state import DEFAULT_MAX_BODY_BYTES

if TYPE_CHECKING:
    from .server import ReferenceServer


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, hint="`oaic serve --help` lists the options")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="oaic serve", description="Run the openai-conformance reference server.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    p.add_argument("--api-key", default=None, help="require this bearer key")
    p.add_argument(
        "--clock-speed",
        type=float,
        default=1000.0,
        help="simulated seconds per real second for lifecycles",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="inject a named fault (repeatable)",
    )
    p.add_argument("--list-faults", action="store_true", help="print the fault catalogue")
    p.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    p.add_argument(
        "--webhook",
        metavar="URL",
        help="deliver lifecycle webhook events to URL (also: POST /v1/__oaic/webhooks)",
    )
    p.add_argument(
        "--webhook-secret-env",
        default="OPENAI_WEBHOOK_SECRET",
        metavar="VAR",
        help="environment variable holding the --webhook signing secret (whsec_...; "
        "unset: a fresh secret is printed)",
    )
    p.add_argument(
        "--allow-fault-header",
        action="store_true",
        help="honour x-oaic-fault and the /v1/__oaic/ control endpoints (tests only)",
    )
    return p


def list_faults(out: TextIO) -> None:
    from . import app  # noqa: F401  (importing the app imports every module declaring faults)

    width = max((len(n) for n in CATALOGUE), default=0)
    for name in sorted(CATALOGUE):
        fault = CATALOGUE[name]
        out.write(f"{name:<{width}}  {fault.description}  [targets: {fault.targets}]\n")
    out.flush()


def _add_webhook(server: ReferenceServer, args: argparse.Namespace, out: TextIO) -> None:
    """Register ``--webhook`` as an endpoint; a generated secret is shown once, like a
    provider's dashboard shows it (a secret from the environment is never printed)."""
    from ..contract.envelope import ApiError
    from .webhooks import add_endpoint

    body = {"url": args.webhook, "secret": os.environ.get(args.webhook_secret_env) or None}
    try:
        made = add_endpoint(server.state, body)
    except ApiError as exc:
        raise UsageError(f"--webhook: {exc.message}") from None
    shown = f" signing secret {made['secret']}" if "secret" in made else ""
    out.write(f"webhooks: delivering to {args.webhook}{shown}\n")


def serve_main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        if args.list_faults:
            list_faults(out)
            return 0
        if args.clock_speed <= 0:
            raise UsageError("--clock-speed must be positive")
        if args.max_body_bytes <= 0:
            raise UsageError("--max-body-bytes must be positive")
        from .server import ReferenceServer

        server = ReferenceServer(
            faults=args.fault,
            api_key=args.api_key,
            clock_speed=args.clock_speed,
            allow_fault_header=args.allow_fault_header,
            host=args.host,
            port=args.port,
            max_body_bytes=args.max_body_bytes,
            log_level="warning",
        )
        stop = threading.Event()
        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
        try:
            with server:
                out.write(f"openai-conformance reference server listening on {server.base_url}\n")
                if args.webhook:
                    _add_webhook(server, args, out)
                if server.config.faults:
                    out.write(f"faults: {', '.join(sorted(server.config.faults))}\n")
                out.flush()
                while not stop.wait(0.5):
                    pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0
    except UsageError as exc:
        sys.stderr.write(exc.render() + "\n")
        return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(serve_main(sys.argv[1:]))
