"""``--resources core`` selects the cross-cutting core suite (suites/core)."""

from __future__ import annotations

import pytest

from openai_conformance.errors import UsageError
from openai_conformance.target.config import build_config


def test_core_is_a_selectable_resource() -> None:
    cfg = build_config({"resources": "core,files"}, env={})
    assert cfg.resources == frozenset({"core", "files"})


def test_an_unknown_resource_is_still_refused() -> None:
    with pytest.raises(UsageError, match="core"):
        build_config({"resources": "cores"}, env={})


def test_strict_positive_comes_from_the_profile_and_defaults_to_false() -> None:
    assert build_config({}, env={}).strict_positive is True  # the reference profile says so
    remote = build_config({"target": "http://127.0.0.1:9/v1"}, env={})
    assert remote.strict_positive is False
    assert build_config({"strict_positive": "false"}, env={}).strict_positive is False
