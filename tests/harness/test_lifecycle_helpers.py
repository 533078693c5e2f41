"""Budget, cleanup registry and polling."""

from __future__ import annotations

import threading

import pytest
from harness_support import make_config

from openai_conformance.errors import BudgetExhausted
from openai_conformance.scenario.cleanup import CleanupRegistry, name_prefix, tag
from openai_conformance.scenario.polling import PollFailed, PollTimeout, poll
from openai_conformance.wire.budget import RequestBudget
from openai_conformance.wire.client import ConformanceClient
from openai_conformance.wire.evidence import EvidenceRecorder, read_evidence


def test_budget_is_exact_under_threads():
    budget = RequestBudget(1000)
    errors = []

    def spend() -> None:
        for _ in range(300):
            try:
                budget.spend()
            except BudgetExhausted:
                errors.append(1)

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert budget.spent == 1000 and len(errors) == 200 and budget.exhausted


def test_unlimited_budget_and_worker_share():
    assert RequestBudget(None).remaining is None
    assert RequestBudget(10).share(4).max_requests == 2
    assert RequestBudget(3).share(8).max_requests == 1


def test_cleanup_runs_in_reverse_and_survives_failures(tmp_path):
    order: list[str] = []

    class Answer:
        def __init__(self, status: int) -> None:
            self.status = status

    def boom() -> None:
        order.append("boom")
        raise RuntimeError("delete failed")

    with EvidenceRecorder(tmp_path) as rec:
        client = ConformanceClient(make_config("http://unused/v1"), rec)
        reg = CleanupRegistry(client)
        reg.register("file", "f1", lambda: order.append("f1") or Answer(200), "file one")
        reg.register("batch", "b1", boom, "batch one")
        reg.register("vs", "v1", lambda: order.append("v1") or Answer(404), "store")
        reg.register("x", "x1", lambda: order.append("x1") or Answer(500), "x")
        results = reg.run_all()
        assert reg.run_all() == []  # idempotent
    assert order == ["x1", "v1", "boom", "f1"]
    assert [(r.ident, r.ok) for r in results] == [("x1", False), ("v1", True), ("b1", False),
                                                  ("f1", True)]  # fmt: skip
    assert "RuntimeError: delete failed" in results[2].detail
    assert "already gone" in results[1].detail
    cleanup_records = [r for r in read_evidence(rec.path) if r["kind"] == "cleanup"]
    assert len(cleanup_records) == 4


def test_cleanup_discard_forgets_an_entry():
    reg = CleanupRegistry()
    reg.register("file", "f1", lambda: None)
    assert reg.discard("file", "f1") and not reg.discard("file", "f1") and len(reg) == 0


def test_run_tagging_helpers():
    assert tag(None, "r1") == {"oaic_run": "r1"}
    assert tag({"a": "1"}, "r1") == {"a": "1", "oaic_run": "r1"}
    assert name_prefix("r1") == "oaic-r1-"


def test_poll_records_the_timeline_until_completed(target):
    with ConformanceClient(make_config(target.base_url)) as c:
        tl = poll(lambda: c.request("GET", "/jobs/ok1"), lambda b: b["status"], {"completed"},
                  deadline_s=5, interval_s=0.01)  # fmt: skip
    assert tl.transitions() == ["validating", "in_progress", "finalizing", "completed"]
    assert len(tl.exchanges) == 5 and tl.final_state == "completed"
    assert tl.describe() == "validating → in_progress → finalizing → completed"


def test_poll_times_out_with_the_timeline(target):
    with ConformanceClient(make_config(target.base_url)) as c, pytest.raises(PollTimeout) as info:
        poll(lambda: c.request("GET", "/jobs/stuck1"), lambda b: b["status"], {"completed"},
             deadline_s=0.3, interval_s=0.02)  # fmt: skip
    assert set(info.value.timeline.states) == {"in_progress"}
    assert "not reached within 0.3s" in info.value.message and info.value.exchange is not None


def test_poll_stops_on_an_error_status(target):
    with ConformanceClient(make_config(target.base_url)) as c, pytest.raises(PollFailed) as info:
        poll(lambda: c.request("GET", "/jobs/gone1"), lambda b: b["status"], {"completed"},
             deadline_s=5, interval_s=0.01)  # fmt: skip
    assert info.value.timeline.states == ["validating", "<HTTP 404>"]


def test_poll_accepts_dicts_and_predicates_and_writes_a_timeline_record(tmp_path):
    states = iter(["a", "b", "c"])
    with EvidenceRecorder(tmp_path) as rec:
        tl = poll(lambda: {"s": next(states)}, lambda b: b["s"], lambda s: s == "c", 5,
                  interval_s=0, recorder=rec)  # fmt: skip
    assert tl.states == ["a", "b", "c"]
    assert read_evidence(rec.path)[-1]["kind"] == "timeline"
