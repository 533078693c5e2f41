"""``oaic check-traffic`` over the repository's corpus of real OpenAI traffic (tests/data/traffic).

The corpus is judged against the contract as the live API honours it: no FAIL, every finding
labelled; with --strict-spec the letter of the document flags what the observed overlays
absorb. Bad input gets exit 2 and one precise line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_conformance.commands.cli import main
from openai_conformance.contract import loader

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "traffic"


def _run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check-traffic", str(CORPUS), "--report-dir", str(tmp_path), *args])
    [results] = list(tmp_path.glob("runs/*/results.json"))
    return code, json.loads(results.read_text())


@pytest.fixture(autouse=True)
def _no_strict_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(loader.STRICT_ENV, raising=False)


def test_corpus_has_no_fail_and_every_finding_is_labelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, results = _run(tmp_path)
    tests = results["tests"]
    judged = [t for t in tests if t["outcome"] != "DISABLED"]
    assert len(judged) >= 300
    assert [t["name"] for t in tests if t["outcome"] == "FAIL"] == []
    assert code == 0
    findings = [f for t in judged for f in t["findings"]]
    assert any(f["label"] == "observed" for f in findings)
    # every finding says what it is: a labelled deviation or a SHOULD/MAY note of a check
    assert all(f["label"] in ("observed", "rejected") or f["level"] != "MUST" for f in findings)
    # every result names the recording it came from: FILE#INDEX under the corpus
    assert all("#" in t["name"] or t["outcome"] == "DISABLED" for t in tests)
    assert all(Path(t["name"].rsplit("#", 1)[0]).is_file() for t in judged)
    skipped = [t for t in tests if t["outcome"] == "DISABLED"]
    assert skipped and all(t["message"].startswith("not judged: ") for t in skipped)
    out = capsys.readouterr().out
    assert f"{len(judged)} exchange(s)" in out and "not judged:" in out


def test_strict_spec_shows_the_letter_of_the_document(tmp_path: Path) -> None:
    code, results = _run(tmp_path, "--strict-spec")
    failed = [t for t in results["tests"] if t["outcome"] == "FAIL"]
    assert code == 1 and len(failed) >= 100
    pointers = {f["pointer"] for t in failed for f in t["failures"]}
    assert "/system_fingerprint" in pointers or any(
        p and p.endswith("/system_fingerprint") for p in pointers
    )
    assert not any(f["label"] == "observed" for t in results["tests"] for f in t["findings"])


def test_named_file_in_no_known_format_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.yaml"
    bad.write_text("just: notes\n")
    assert main(["check-traffic", str(bad), "--report-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "notes.yaml: unknown format" in err and "Traceback" not in err


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-traffic", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_only_foreign_hosts_means_nothing_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = tmp_path / "c.yaml"
    cassette.write_text(
        "interactions:\n- request: {method: GET, uri: 'https://example.com/v1/models', body: null,"
        " headers: {}}\n  response: {status: {code: 200, message: OK}, headers: {},"
        " body: {string: '{}'}}\n"
    )
    assert main(["check-traffic", str(cassette), "--report-dir", str(tmp_path / "r")]) == 2
    out = capsys.readouterr().out
    assert "non-OpenAI host 'example.com'" in out
    [results] = list((tmp_path / "r").glob("runs/*/results.json"))
    [only] = json.loads(results.read_text())["tests"]
    assert only["outcome"] == "DISABLED" and "non-OpenAI host" in only["message"]


@pytest.mark.parametrize(
    "argv",
    [["run", "--strict-spec"], ["proxy", "--strict-spec"], ["check-traffic", "x", "--strict-spec"]],
)
def test_strict_spec_is_offered_by_run_proxy_and_check_traffic(argv: list[str]) -> None:
    from openai_conformance.commands.cli import build_parser

    assert build_parser().parse_args(argv).strict_spec is True


def _cassette(path: Path, uri: str, status: int) -> Path:
    path.write_text(
        f"interactions:\n- request: {{method: POST, uri: '{uri}', body: null, headers: {{}}}}\n"
        f"  response: {{status: {{code: {status}, message: X}},"
        " headers: {content-type: [application/json]}, body: {string: '{}'}}\n"
    )
    return path


def test_answered_route_outside_the_contract_is_counted_not_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest = _cassette(tmp_path / "ingest.yaml", "https://api.openai.com/v1/traces/ingest", 204)
    assert main(["check-traffic", str(ingest), "--report-dir", str(tmp_path / "r")]) == 2
    assert "route outside the contract" in capsys.readouterr().out
    [results] = list((tmp_path / "r").glob("runs/*/results.json"))
    [only] = json.loads(results.read_text())["tests"]
    assert only["outcome"] == "DISABLED" and "POST /v1/traces/ingest" in only["message"]


def test_known_route_with_another_method_is_still_judged(tmp_path: Path) -> None:
    wrong = _cassette(tmp_path / "wrong.yaml", "https://api.openai.com/v1/models", 200)
    assert main(["check-traffic", str(wrong), "--report-dir", str(tmp_path / "r")]) == 1
    [results] = list((tmp_path / "r").glob("runs/*/results.json"))
    [only] = json.loads(results.read_text())["tests"]
    assert only["outcome"] == "FAIL"
