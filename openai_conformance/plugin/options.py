"""Command-line options of the conformance plugin (``pytest suites --target URL ...``).

Generated from the one option table (``target/options.py``): every option offered on the
pytest command line is added here and read back into the ``cli`` mapping of
``build_config``, which validates it and resolves environment and profile. ``--oaic-run-id``
is internal: ``oaic run`` and the xdist controller pass the run id on so every worker tags
resources with the same id. ``--hypothesis-profile`` belongs to hypothesis's own plugin; it is
only read here.
"""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.errors import InvalidArgument

from ..target.options import HYPOTHESIS_PROFILES, PYTEST, help_text, offered_on

_GROUP = "openai-conformance"
DISCOVER_FLAG = "--oaic-discover"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(_GROUP, "openai-conformance: conformance run options")
    for opt in offered_on(PYTEST):
        assert opt.flag is not None
        if opt.foreign:
            continue
        if opt.switch:
            group.addoption(opt.flag, action="store_true", default=False, help=help_text(opt))
        else:
            shown = argparse.SUPPRESS if opt.hidden else help_text(opt)
            group.addoption(opt.flag, metavar=opt.metavar, help=shown)
    # Internal, set by ``oaic run``: without a profile, probe a remote target first
    # (target/discovery.py). Plain ``pytest suites --target`` runs keep the defaults.
    group.addoption(DISCOVER_FLAG, action="store_true", default=False, help=argparse.SUPPRESS)


def register_hypothesis_profiles() -> None:
    """``--hypothesis-profile`` belongs to hypothesis's own pytest plugin, which loads the named
    settings profile at configure time; register ``quick`` and ``thorough`` (``default`` exists)
    so the names the suite documents are always loadable. The generated suite applies its own,
    complete settings per operation (openai_conformance/generated/settings.py)."""
    for name in HYPOTHESIS_PROFILES:
        if name == "default":
            continue
        try:
            settings.get_profile(name)
        except InvalidArgument:
            settings.register_profile(name, deadline=None, database=None)


register_hypothesis_profiles()


def cli_mapping(config: pytest.Config) -> dict[str, Any]:
    """The configuration options the user gave, as the ``cli`` mapping of
    ``config.build_config`` (keys are option names; run controls are left out)."""
    raw: dict[str, Any] = {}
    for opt in offered_on(PYTEST):
        if opt.kind == "control":
            continue
        assert opt.flag is not None
        if opt.foreign:  # hypothesis's option: any other value is hypothesis's business
            value = config.getoption(opt.flag.lstrip("-").replace("-", "_"), None)
            if opt.choices is not None and value not in opt.choices:
                value = None
        else:
            value = config.getoption(opt.flag)
        raw[opt.name] = value
    return {k: v for k, v in raw.items() if v is not None}
