"""The first run discovers the target: ``oaic run --target URL`` without a profile probes first
(the ``oaic probe`` prober), runs with the model ids and features it found, says what it
assumed in one console block and writes ``draft-profile.toml`` into the run dir."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from tiny_target import MODEL, TinyTarget, serving

from openai_conformance.commands.run import pytest_args
from openai_conformance.target.config import RunConfig
from openai_conformance.target.discovery import DRAFT_NAME, apply
from openai_conformance.target.profiles import load_profile

#: What the tiny target implements (core is judged on every target).
IMPLEMENTED = {"chat", "models", "core"}


@pytest.fixture(scope="module")
def discovered_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    # `oaic run` in its own process: it runs pytest, and a pytest session inside this worker
    # would share sys.modules with it (another folder's `conftest` module breaks collection
    # of suites/*/conftest.py, depending on which self-tests this worker ran before).
    reports = tmp_path_factory.mktemp("reports")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OAIC_PROFILE", "OAIC_API_KEY", "OPENAI_API_KEY")
    }
    with serving(TinyTarget()) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "openai_conformance", "run", "--target", server.base_url,
             "--report-dir", str(reports)],
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    (run_dir,) = (reports / "runs").iterdir()
    yield {"code": proc.returncode, "run_dir": run_dir, "console": proc.stdout}


def test_first_run_writes_the_draft_profile_next_to_the_report(discovered_run) -> None:
    draft = discovered_run["run_dir"] / DRAFT_NAME
    profile = load_profile(str(draft))  # round-trips through the profile validator
    assert profile.data["models"] == {"chat": MODEL}
    assert {"models", "chat", "chat.streaming"} <= set(profile.data["features"])
    assert "files" not in profile.data["features"]


def test_first_run_uses_the_listed_model_id(discovered_run) -> None:
    results = json.loads((discovered_run["run_dir"] / "results.json").read_text())
    assert results["run"]["config"]["models"]["chat"] == MODEL
    assert results["run"]["config"]["features"] is not None
    sent: set[str] = set()  # the model of every chat request the scenario tests sent
    evidence = (discovered_run["run_dir"] / "evidence.jsonl").read_text(encoding="utf-8")
    for line in filter(None, evidence.split("\n")):  # not splitlines: bodies hold U+2028
        record = json.loads(line)
        if record.get("kind") != "exchange" or record.get("operation") != "POST /chat/completions":
            continue
        if "generated/" in str(record.get("test_id")):
            continue  # the generated suite sends schema-drawn values
        try:
            body = json.loads(record["request"]["body"] or "null")
        except ValueError:
            continue  # the malformed-JSON check
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            sent.add(body["model"])
    assert MODEL in sent
    assert "gpt-4o-mini" not in sent, "the default chat id is never sent"


def test_first_run_reports_no_fail_on_resources_the_target_lacks(discovered_run) -> None:
    results = json.loads((discovered_run["run_dir"] / "results.json").read_text())
    bad = {
        t["id"]: t["outcome"]
        for t in results["tests"]
        if t["outcome"] in ("FAIL", "ERROR") and t["resource"] not in IMPLEMENTED
    }
    assert bad == {}
    lacking = [t for t in results["tests"] if t["resource"] == "files"]
    assert lacking and all(t["outcome"] in ("UNSUPPORTED", "DISABLED") for t in lacking)


def test_pytest_tail_counts_what_results_json_counts(discovered_run) -> None:
    # pytest counted a call-phase ERROR and an XPASS as "failed": its last line disagreed
    # with results.json and summary.md. "skipped" is UNSUPPORTED + DISABLED.
    import re

    totals = json.loads((discovered_run["run_dir"] / "results.json").read_text())["summary"]
    tail = next(
        line
        for line in reversed(discovered_run["console"].splitlines())
        if re.match(r"^=+ .* in [\d.]+s", line)
    )
    counted = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", tail)}
    names = {"failed": "FAIL", "passed": "PASS", "error": "ERROR", "errors": "ERROR"}
    names |= {"skipped": "SKIPPED", "xfailed": "XFAIL"}
    got = {names[w]: n for w, n in counted.items() if w in names}
    want = {k: v for k, v in totals["totals"].items() if v}
    want["SKIPPED"] = want.pop("UNSUPPORTED", 0) + want.pop("DISABLED", 0)
    want["FAIL"] = want.get("FAIL", 0) + want.pop("XPASS", 0)  # strict XPASS: "failed"
    assert got == {k: v for k, v in want.items() if v}, tail


def test_first_run_prints_what_it_assumed_once(discovered_run) -> None:
    console = discovered_run["console"]
    assert console.count("discovery (no profile given)") == 1
    assert f"models:   chat={MODEL}" in console
    assert DRAFT_NAME in console


def _args(**given: Any) -> argparse.Namespace:
    from openai_conformance.target.options import RUN, offered_on

    values: dict[str, Any] = {opt.name: None for opt in offered_on(RUN)}
    values.update(given)
    return argparse.Namespace(**values)


def test_a_profile_turns_discovery_off(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OAIC_PROFILE", raising=False)
    remote = _args(base_url="http://127.0.0.1:1/v1")
    assert "--oaic-discover" in pytest_args(remote, tmp_path, [])
    profiled = _args(base_url="http://127.0.0.1:1/v1", profile="reference")
    assert "--oaic-discover" not in pytest_args(profiled, tmp_path, [])
    assert "--oaic-discover" not in pytest_args(_args(), tmp_path, [])  # embedded server
    monkeypatch.setenv("OAIC_PROFILE", "reference")
    assert "--oaic-discover" not in pytest_args(remote, tmp_path, [])


def test_discovered_models_never_override_the_users_choice() -> None:
    config = RunConfig(
        base_url="http://127.0.0.1:1/v1",
        models=MappingProxyType({"chat": "mine", "embeddings": "default-embed"}),
        sources=MappingProxyType({"model_chat": "command line option --model-chat"}),
    )
    out = apply(config, frozenset({"chat"}), {"chat": MODEL, "embeddings": "tiny-embed"})
    assert dict(out.models) == {"chat": "mine", "embeddings": "tiny-embed"}
    assert out.features == frozenset({"chat"})
