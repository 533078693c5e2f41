"""The results model: scoring, rollups, exit codes, round trip and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sample import make_run, make_tests

from openai_conformance.reports.model import (
    FailureDetail,
    Results,
    TestResult,
    exit_code_for,
    summarize,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "reports" / "schema"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text("utf-8"))


def _t(outcome: str, level: str | None = None, resource: str = "r", **kw: object) -> TestResult:
    req = {"id": f"{resource}/x", "level": level, "text": "", "source": ""} if level else None
    return TestResult(
        id=f"t{id(kw)}{outcome}{level}",
        name="n",
        suite="s",
        resource=resource,
        outcome=outcome,
        requirement=req,
        **kw,  # type: ignore[arg-type]
    )


def test_score_weighs_must_three_should_two_may_one() -> None:
    s = summarize([_t("PASS", "MUST"), _t("FAIL", "SHOULD"), _t("PASS", "MAY")])
    assert s["score"]["earned"] == 4 and s["score"]["possible"] == 6
    assert s["score"]["overall"] == pytest.approx(66.7)


def test_score_counts_tests_without_requirement_as_must() -> None:
    s = summarize([_t("PASS"), _t("FAIL", "MAY")])
    assert (s["score"]["earned"], s["score"]["possible"]) == (3, 4)


def test_score_credits_xpass_but_not_error_or_xfail() -> None:
    s = summarize([_t("XPASS"), _t("ERROR"), _t("XFAIL")])
    assert (s["score"]["earned"], s["score"]["possible"]) == (3, 9)


def test_score_excludes_unsupported_and_disabled() -> None:
    s = summarize([_t("PASS"), _t("UNSUPPORTED"), _t("DISABLED")])
    assert s["score"]["overall"] == 100.0
    assert s["totals"]["UNSUPPORTED"] == 1 and s["totals"]["DISABLED"] == 1


def test_score_is_none_when_nothing_is_scored() -> None:
    assert summarize([_t("DISABLED")])["score"]["overall"] is None


def test_exit_code_prefers_conformance_failure_over_harness_error() -> None:
    assert exit_code_for({"FAIL": 1, "ERROR": 1}) == 1
    assert exit_code_for({"XPASS": 1}) == 1
    assert exit_code_for({"ERROR": 2}) == 3
    assert exit_code_for({"PASS": 3, "XFAIL": 1, "DISABLED": 1, "UNSUPPORTED": 1}) == 0


def test_certify_turns_skipped_must_into_failure() -> None:
    tests = [_t("PASS"), _t("DISABLED", "MUST"), _t("XFAIL", "SHOULD")]
    assert summarize(tests)["exit_code"] == 0
    certified = summarize(tests, certify=True)
    assert certified["exit_code"] == 1
    assert len(certified["certify"]["blockers"]) == 1


def test_rollups_group_by_resource_level_and_generated_operation() -> None:
    s = Results(run=make_run(), tests=make_tests()).summary
    assert set(s["by_resource"]) == {"batches", "chat", "images", "models", "realtime"}
    assert s["matrix"]["chat"]["SHOULD"]["counts"]["XFAIL"] == 1
    ops = {o["operation"]: o for o in s["operations"]}
    assert ops["POST /chat/completions"]["failed_checks"] == {"response_schema_conformance": 1}
    assert "POST /batches/{batch_id}/cancel" not in ops  # scenario tests are not in the rollup
    assert s["coverage"]["realtime_event_types"] == {"session.created": 1, "session.updated": 1}


def test_outcome_accepts_enum_like_values_and_rejects_unknown() -> None:
    class Fake:
        value = "xpass"

    assert _t(Fake()).outcome == "XPASS"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown outcome"):
        _t("SKIPPED")


def test_message_is_kept_on_one_line() -> None:
    assert _t("FAIL", message="a\nb\n  c").message == "a b c"


def test_results_round_trip_through_json(tmp_path: Path) -> None:
    original = Results(run=make_run(), tests=make_tests())
    path = original.dump(tmp_path / "results.json")
    loaded = Results.load(path)
    assert loaded.to_dict()["tests"] == json.loads(path.read_text("utf-8"))["tests"]
    assert loaded.summary == original.summary
    assert isinstance(loaded.tests[0].failures[0], FailureDetail)


def test_results_json_validates_against_schema(run_dir: Path) -> None:
    doc = json.loads((run_dir / "results.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(_schema("results.schema.json"))
    jsonschema.Draft202012Validator(_schema("results.schema.json")).validate(doc)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("tests", 0, "outcome"), "SKIPPED"),
        (("tests", 0, "message"), "two\nlines"),
        (("run", "started_at"), "yesterday"),
        (("format_version"), 2),
        (("summary", "score", "overall"), 140.0),
        (("tests", 0, "failures", 0, "evidence_seq"), ["1"]),
    ],
)
def test_schema_rejects_broken_results(run_dir: Path, path: tuple, value: object) -> None:
    doc = json.loads((run_dir / "results.json").read_text("utf-8"))
    keys = path if isinstance(path, tuple) else (path,)
    node = doc
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema("results.schema.json")).validate(doc)


def test_load_rejects_other_formats_and_versions(tmp_path: Path) -> None:
    p = tmp_path / "results.json"
    p.write_text(json.dumps({"format": "x", "format_version": 1}), "utf-8")
    with pytest.raises(ValueError, match="not an openai-conformance/results document"):
        Results.load(p)
    p.write_text(json.dumps({"format": "openai-conformance/results", "format_version": 9}))
    with pytest.raises(ValueError, match="unsupported results format_version 9"):
        Results.load(p)


def test_evidence_records_validate_against_evidence_schema(run_dir: Path) -> None:
    validator = jsonschema.Draft202012Validator(_schema("evidence.schema.json"))
    lines = (run_dir / "evidence.jsonl").read_text("utf-8").splitlines()
    records = [json.loads(ln) for ln in lines if ln.startswith('{"')]
    assert {r["kind"] for r in records} == {"exchange", "outcome"}
    for rec in records:
        validator.validate(rec)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(
            {"kind": "exchange", "seq": -1, "test_id": "t", "request": {}, "response": None}
        )
