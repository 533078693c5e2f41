"""Command-line options of the conformance plugin (``pytest suites --target URL ...``).

Every option is also reachable through the environment and the profile (config.py resolves
the chain); here they are only declared and turned into the ``cli`` mapping for
``build_config``. ``--oaic-run-id`` is internal: ``oaic run`` and the xdist controller pass the
run id on so every worker tags resources with the same id.
"""

from __future__ import annotations

from typing import Any

import pytest

_GROUP = "openai-conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(_GROUP, "openai-conformance: conformance run options")
    group.addoption(
        "--target",
        metavar="URL",
        help="base URL of the target (…/v1); absent: start the embedded reference server",
    )
    group.addoption("--profile", metavar="NAME", help="target profile targets/NAME.toml")
    group.addoption("--spec", metavar="PATH_OR_URL", help="contract document to test against")
    group.addoption(
        "--allow", metavar="CLASSES", help="opt-in safety classes: destructive,admin,costly"
    )
    group.addoption(
        "--max-requests",
        metavar="N",
        help="request budget; the run stops cleanly (remaining tests DISABLED) when it is spent",
    )
    group.addoption("--report-dir", metavar="DIR", help="where runs are written (reports/)")
    group.addoption("--seed", metavar="N", help="seed for generated tests")
    group.addoption(
        "--resources", metavar="A,B", help="only these resources; the others are reported DISABLED"
    )
    group.addoption(
        "--certify",
        action="store_true",
        default=False,
        help="certification: UNSUPPORTED, DISABLED or XFAIL on a MUST fails the run",
    )
    group.addoption("--oaic-run-id", metavar="ID", help=argparse_suppress())


def register_hypothesis_profiles() -> None:
    """``--hypothesis-profile`` belongs to hypothesis's own pytest plugin, which loads the named
    settings profile at configure time; register ``quick`` and ``thorough`` (``default`` exists)
    so the names the suite documents are always loadable. The generated suite applies its own,
    complete settings per operation (openai_conformance/generated/settings.py)."""
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    for name in ("quick", "thorough"):
        try:
            settings.get_profile(name)
        except InvalidArgument:
            settings.register_profile(name, deadline=None, database=None)


register_hypothesis_profiles()


def _hypothesis_profile(config: pytest.Config) -> str | None:
    value = config.getoption("hypothesis_profile", None)
    return value if value in ("quick", "default", "thorough") else None


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


def cli_mapping(config: pytest.Config) -> dict[str, Any]:
    """The options the user gave, as the ``cli`` mapping of ``config.build_config``."""
    get = config.getoption
    raw = {
        "target": get("--target"),
        "profile": get("--profile"),
        "spec": get("--spec"),
        "allow": get("--allow"),
        "max_requests": get("--max-requests"),
        "report_dir": get("--report-dir"),
        "seed": get("--seed"),
        "hypothesis_profile": _hypothesis_profile(config),
        "resources": get("--resources"),
        "run_id": get("--oaic-run-id"),
    }
    return {k: v for k, v in raw.items() if v is not None}
