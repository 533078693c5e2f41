"""``oaic proxy``: run the validating proxy until SIGINT/SIGTERM, then write the reports.

Prints where to point the client (``OPENAI_BASE_URL=http://HOST:PORT/v1``), then, on stop,
a per-operation table (requests, client-sent and server-returned violations) and the run
directory. Exit status: 0 nothing violated the contract, 1 violations seen.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .server import REFERENCE, ValidatingProxy
from .session import ProxySession


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--listen expects HOST:PORT (e.g. 127.0.0.1:8080), got {text!r}")
    return host.strip("[]"), int(port)


def table(session: ProxySession) -> str:
    """The per-group table printed on stop."""
    rows = [("operation", "requests", "client sent", "server returned")]
    for key, g in sorted(session.snapshot().items()):
        rows.append(
            (key, str(g.requests), str(len(g.client_failures())), str(len(g.server_failures())))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def run_proxy(args: Any, argv: list[str] | None = None) -> int:
    host, port = parse_listen(args.listen)
    upstream = args.upstream
    if upstream != REFERENCE and not upstream.startswith(("http://", "https://")):
        raise UsageError(f"--upstream expects an http(s) base URL or 'reference', got {upstream!r}")
    proxy = ValidatingProxy(
        upstream,
        host=host,
        port=port,
        report_dir=Path(args.report_dir or "reports"),
        reject=args.reject,
    )
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        proxy.start()
        mode = (
            " (--reject: invalid requests are answered 400, not forwarded)" if args.reject else ""
        )
        print(f"oaic proxy: {proxy.base_url} -> {proxy.upstream}{mode}", flush=True)
        print(f"point your client at it: OPENAI_BASE_URL={proxy.base_url}", flush=True)
        print("stop with Ctrl-C (SIGINT) or SIGTERM to write the reports", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        run_dir = proxy.stop(command=["oaic", *(argv or [])])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(table(proxy.session))
    if run_dir is not None:
        print(f"report: {run_dir / 'report.html'}")
    failed = any(t.outcome == "FAIL" for t in proxy.session.results())
    sys.stdout.flush()
    return 1 if failed else 0
