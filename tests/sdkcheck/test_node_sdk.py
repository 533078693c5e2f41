"""The npm ``openai`` package through the proxy (only where node and the cached package exist:
the self-tests never reach the npm registry)."""

from __future__ import annotations

import pytest

from openai_conformance.sdkcheck import node_runner


def test_node_sdk_exercise_sends_only_conformant_requests() -> None:
    if node_runner.node_available():
        pytest.skip(node_runner.node_available() or "")
    if not (node_runner.cache_dir() / "node_modules" / "openai" / "package.json").exists():
        pytest.skip("the openai npm package is not cached (run `oaic sdk-check node` once)")
    run = node_runner.run_node(None)
    assert run.rows and run.client_violations == 0
    assert all(r.parsed is True for r in run.rows)


def test_missing_node_is_a_clean_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node_runner.shutil, "which", lambda name: None)
    assert node_runner.node_available() == "node and npm not found on PATH"
