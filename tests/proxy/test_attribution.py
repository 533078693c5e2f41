"""Each kind of violation is reported once, by the right check, attributed to the right side."""

from __future__ import annotations

import json

from proxy_support import KEY, client_for, findings, titles

from openai_conformance.proxy.server import ValidatingProxy

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def _only(failures: list, check: str, side: str) -> None:
    assert len(failures) == 1, titles(failures)
    f = failures[0]
    assert f.check == check, titles(failures)
    assert f.title.startswith(f"{side} "), f.title


def test_conformant_exchange_has_no_findings(proxy: ValidatingProxy) -> None:
    with client_for(proxy, "clean") as c:
        assert c.post("/chat/completions", json=CHAT).status_code == 200
        assert c.get("/models").status_code == 200
    assert findings(proxy, "clean") == []


def test_wrong_type_is_a_client_violation_with_pointer(proxy: ValidatingProxy) -> None:
    with client_for(proxy, "wrong-type") as c:
        c.post("/chat/completions", json={**CHAT, "max_tokens": "5"})
    failures = findings(proxy, "wrong-type")
    _only(failures, "request_schema_conformance", "client sent:")
    assert failures[0].pointer == "/max_tokens"
    assert failures[0].operation == "POST /chat/completions"


def test_missing_required_field_is_a_client_violation(proxy: ValidatingProxy) -> None:
    with client_for(proxy, "missing-field") as c:
        c.post("/chat/completions", json={"messages": CHAT["messages"]})
    failures = findings(proxy, "missing-field")
    _only(failures, "request_schema_conformance", "client sent:")
    assert failures[0].pointer == "/model"


def test_unknown_path_is_a_client_violation(proxy: ValidatingProxy) -> None:
    with client_for(proxy, "unknown-path") as c:
        c.get("/no-such-endpoint")
    failures = findings(proxy, "unknown-path")
    _only(failures, "request_path_conformance", "client sent:")


def test_text_field_where_a_file_part_belongs_is_a_client_violation(
    proxy: ValidatingProxy,
) -> None:
    with client_for(proxy, "bad-part") as c:
        c.post("/files", files={"purpose": (None, "assistants"), "file": (None, "not a file")})
    failures = findings(proxy, "bad-part")
    _only(failures, "request_schema_conformance", "client sent:")
    assert failures[0].pointer == "/file"


def test_missing_response_field_is_a_server_violation(proxy: ValidatingProxy) -> None:
    with client_for(proxy, "server-missing", **{"x-oaic-fault": "missing-required-field"}) as c:
        assert c.get("/models").status_code == 200
    failures = findings(proxy, "server-missing")
    _only(failures, "response_schema_conformance", "server returned:")


def test_reject_mode_answers_400_envelope_naming_the_violation(
    strict_proxy: ValidatingProxy,
) -> None:
    with client_for(strict_proxy, "rejected") as c:
        resp = c.post("/chat/completions", json={**CHAT, "max_tokens": "5"})
        ok = c.post("/chat/completions", json=CHAT)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["param"] == "max_tokens" and error["code"] == "oaic_request_violation"
    assert "/max_tokens" in error["message"]
    assert "x-request-id" not in resp.headers  # answered by the proxy, never forwarded
    assert ok.status_code == 200 and "x-request-id" in ok.headers
    _only(findings(strict_proxy, "rejected"), "request_schema_conformance", "client sent:")


def test_reports_group_findings_per_operation_and_never_record_the_key(tmp_path) -> None:
    p = ValidatingProxy("reference", report_dir=tmp_path, reference_api_key=KEY)
    with p, client_for(p, "") as c:  # an empty label: grouped by operation
        c.post("/chat/completions", json={**CHAT, "max_tokens": "5"})
        c.get("/models")
    assert p.run_dir is not None
    results = json.loads((p.run_dir / "results.json").read_text())
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["POST /chat/completions"]["outcome"] == "FAIL"
    assert tests["GET /models"]["outcome"] == "PASS"
    checks = [f["check"] for f in tests["POST /chat/completions"]["failures"]]
    assert checks == ["request_schema_conformance"]
    for name in ("evidence.jsonl", "results.json", "report.html", "summary.md"):
        assert KEY not in (p.run_dir / name).read_text(), name
    assert "$OPENAI_API_KEY" in tests["POST /chat/completions"]["failures"][0]["curl"]
