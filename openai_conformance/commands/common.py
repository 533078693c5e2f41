"""What every ``oaic`` subcommand shares: exit codes, where the checkout is, argument types."""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urlsplit

import openai_conformance

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_HARNESS = 0, 1, 2, 3


def repo_root() -> Path:
    """The checkout holding ``suites/``, ``targets/`` and the root conftest.py."""
    return Path(openai_conformance.__file__).resolve().parents[1]


def suites_dir() -> Path:
    return repo_root() / "suites"


def version() -> str:
    return getattr(openai_conformance, "__version__", "unknown")


def url(text: str) -> str:
    """argparse type of a base URL option that is not in the option table (``oaic probe``)."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"expected an http(s) base URL such as http://localhost:8000/v1, got {text!r}"
        )
    return text.rstrip("/")
