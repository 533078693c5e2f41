"""The package layers hold: the import contracts in pyproject.toml ([tool.importlinter]).

import-linter reads every import, lazy (function-level) ones included, so a circle hidden behind
a late import breaks the layers contract as surely as a top-level one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_package_layers_and_refserver_entry_points_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # import-linter caches the import graph in the working directory unless told not to.
    code = lint_imports(
        config_filename=os.fspath(ROOT / "pyproject.toml"), no_cache=True, no_logo=True
    )
    assert code == 0, "lint-imports reports a broken contract: run `lint-imports` for details"


def test_only_a_handful_of_loose_modules_remain() -> None:
    loose = sorted(p.name for p in (ROOT / "openai_conformance").glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "errors.py"]
