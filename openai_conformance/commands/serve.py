"""Wiring of the servers: ``oaic serve`` (the reference server's own command line),
``oaic proxy`` (the validating reverse proxy) and ``oaic sdk-check`` (the official SDK
through the proxy). The commands live in ``refserver/cli.py``, ``proxy/cli.py`` and
``sdkcheck/cli.py``; this module only declares and dispatches them."""

from __future__ import annotations

import argparse
from typing import Any

from .traffic import STRICT_HELP


def add_parsers(sub: Any) -> None:
    sub.add_parser(
        "serve", help="run the reference server (see 'oaic serve --help')", add_help=False
    )
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
    proxy.add_argument("--strict-spec", action="store_true", help=STRICT_HELP)
    sdk = sub.add_parser(
        "sdk-check", help="exercise the official OpenAI SDK through the proxy (python|node)"
    )
    sdk.add_argument("language", choices=("python", "node"))
    sdk.add_argument("--report-dir", metavar="DIR", help="where runs are written (reports/)")


def cmd_serve(argv: list[str]) -> int:
    """``oaic serve ARGS``: the reference server parses its own arguments."""
    from ..refserver.cli import serve_main

    return int(serve_main(argv) or 0)


def cmd_proxy(args: argparse.Namespace, argv: list[str]) -> int:
    from ..proxy.cli import run_proxy

    return run_proxy(args, argv)


def cmd_sdk_check(args: argparse.Namespace) -> int:
    from ..sdkcheck.cli import run_sdk_check

    return run_sdk_check(args)
