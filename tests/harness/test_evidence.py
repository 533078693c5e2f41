"""Evidence: per-worker JSONL, test attribution, truncation, and the merge."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
from harness_support import make_config

from openai_conformance.wire.client import ConformanceClient
from openai_conformance.wire.evidence import EvidenceRecorder, merge_evidence, read_evidence
from openai_conformance.wire.exchange import BODY_LIMIT


def _client(recorder: EvidenceRecorder, body: bytes = b'{"ok": true}', ctype="application/json"):
    transport = httpx.MockTransport(
        lambda req: httpx.Response(200, content=body, headers={"content-type": ctype})
    )
    return ConformanceClient(make_config("http://mock/v1"), recorder, transport=transport)


def test_each_exchange_is_one_line_attributed_to_the_current_test(evidence_dir: Path):
    with EvidenceRecorder(evidence_dir, "main") as rec, _client(rec) as c:
        with rec.test("suites/a.py::test_one"):
            c.request("GET", "/models")
            c.request("GET", "/models/x")
        c.request("GET", "/outside")
        rec.record_outcome("suites/a.py::test_one", {"outcome": "PASS"})
        assert [e.request.url for e in rec.exchanges_for("suites/a.py::test_one")] == [
            "http://mock/v1/models", "http://mock/v1/models/x"]  # fmt: skip
    records = read_evidence(evidence_dir / "evidence-main.jsonl")
    assert [r["kind"] for r in records] == ["exchange"] * 3 + ["outcome"]
    assert [r["test_id"] for r in records] == ["suites/a.py::test_one"] * 2 + [None] + [
        "suites/a.py::test_one"]  # fmt: skip
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    first = records[0]
    assert set(first) >= {"started_at", "operation", "request", "response", "stream", "retries",
                          "error", "curl", "worker"}  # fmt: skip
    assert first["response"]["status"] == 200 and first["response"]["body"] == '{"ok": true}'


def test_large_bodies_are_truncated_with_a_marker(evidence_dir: Path):
    with (
        EvidenceRecorder(evidence_dir) as rec,
        _client(rec, b"x" * (BODY_LIMIT + 10), "text/plain") as c,
    ):
        c.request("GET", "/big")
    body = read_evidence(rec.path)[0]["response"]["body"]
    assert body.startswith("x" * 100) and body.endswith(f"{BODY_LIMIT + 10} bytes in total]")
    assert len(body) < BODY_LIMIT + 200


def test_binary_bodies_are_summarised(evidence_dir: Path):
    with (
        EvidenceRecorder(evidence_dir) as rec,
        _client(rec, b"\xff\xd8\xff" * 10, "image/png") as c,
    ):
        c.request("GET", "/img")
    assert read_evidence(rec.path)[0]["response"]["body"].startswith("<binary: 30 bytes, image/png")


def test_recorder_is_thread_safe(evidence_dir: Path):
    with EvidenceRecorder(evidence_dir) as rec:
        threads = [
            threading.Thread(
                target=lambda: [rec.record({"kind": "note", "i": i}) for i in range(200)]
            )
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    records = read_evidence(rec.path)
    assert len(records) == 800 and sorted(r["seq"] for r in records) == list(range(1, 801))


def test_merge_orders_two_workers_by_time_and_removes_parts(evidence_dir: Path):
    (evidence_dir / "evidence-gw0.jsonl").write_text(
        "\n".join(json.dumps(r) for r in [
            {"kind": "exchange", "seq": 1, "worker": "gw0", "started_at": "2026-01-01T00:00:01"},
            {"kind": "exchange", "seq": 2, "worker": "gw0", "started_at": "2026-01-01T00:00:03"},
        ]) + "\n"
    )  # fmt: skip
    (evidence_dir / "evidence-gw1.jsonl").write_text(
        "\n".join(json.dumps(r) for r in [
            {"kind": "exchange", "seq": 1, "worker": "gw1", "started_at": "2026-01-01T00:00:02"},
            {"kind": "outcome", "seq": 2, "worker": "gw1", "recorded_at": "2026-01-01T00:00:03"},
        ]) + "\n" + '{"kind": "exch'  # a line cut by a crash
    )  # fmt: skip
    merged = merge_evidence(evidence_dir)
    records = read_evidence(merged)
    assert [(r.get("worker"), r.get("seq")) for r in records] == [
        ("gw0", 1), ("gw1", 1), ("gw0", 2), ("gw1", 2), (None, None)]  # fmt: skip
    assert records[-1]["kind"] == "note" and "1 malformed" in records[-1]["message"]
    assert sorted(p.name for p in evidence_dir.iterdir()) == ["evidence.jsonl"]


def test_merge_is_repeatable(evidence_dir: Path):
    with EvidenceRecorder(evidence_dir, "gw0") as rec:
        rec.record({"kind": "note"})
    merge_evidence(evidence_dir)
    with EvidenceRecorder(evidence_dir, "gw0") as rec:
        rec.record({"kind": "note"})
    assert len(read_evidence(merge_evidence(evidence_dir))) == 2
