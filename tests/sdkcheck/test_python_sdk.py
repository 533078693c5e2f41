"""The official Python SDK speaks the contract through the proxy; a broken SDK is caught."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai._base_client
import pytest

from openai_conformance.sdkcheck.python_exercise import EXERCISES
from openai_conformance.sdkcheck.python_runner import run_python
from openai_conformance.sdkcheck.report import render

BROKEN = [ex for ex in EXERCISES if ex.label.startswith(("chat.completions.create", "embeddings"))]


def test_official_sdk_exercise_sends_only_conformant_requests(tmp_path: Path) -> None:
    run = run_python(tmp_path)
    table = render(run.rows)
    assert run.client_violations == 0, table
    assert all(r.parsed is True for r in run.rows), table
    assert all(r.requests >= 1 for r in run.rows), table
    assert run.run_dir is not None
    results = json.loads((run.run_dir / "results.json").read_text())
    assert {t["suite"] for t in results["tests"]} == {"sdk"}
    assert {t["name"] for t in results["tests"]} >= {ex.label for ex in EXERCISES}


def test_sdk_sending_max_tokens_as_string_or_dropping_model_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = openai._base_client.BaseClient._build_request

    def broken(self: Any, options: Any, **kw: Any) -> Any:
        body = options.json_data
        if isinstance(body, dict) and "max_tokens" in body:
            options.json_data = {**body, "max_tokens": str(body["max_tokens"])}
        elif isinstance(body, dict) and "input" in body and "dimensions" in body:
            options.json_data = {k: v for k, v in body.items() if k != "model"}
        return original(self, options, **kw)

    monkeypatch.setattr(openai._base_client.BaseClient, "_build_request", broken)
    rows = {r.label: r for r in run_python(None, BROKEN).rows}
    table = render(list(rows.values()))
    assert not rows["chat.completions.create (max_tokens)"].request_ok, table
    assert not rows["embeddings.create (all params)"].request_ok, table
    assert "max_tokens" in rows["chat.completions.create (max_tokens)"].first, table
    clean = [r for label, r in rows.items() if "max_tokens" not in label and "all" not in label]
    assert clean and all(r.request_ok for r in clean), table
