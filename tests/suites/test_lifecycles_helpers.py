"""The pure lifecycle helpers: every check fails on a broken input and passes on a good one."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from openai_conformance.checks.context import default_context
from openai_conformance.checks.outcomes import ConformanceFailure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.lifecycles.listing import operation_template
from openai_conformance.target.config import build_config
from openai_conformance.wire.client import ConformanceClient

HAPPY_BATCH = ["validating", "validating", "in_progress", "finalizing", "completed"]


def test_batch_timeline_that_skips_states_between_polls_is_legal() -> None:
    assert lc.illegal_moves(["validating", "completed"], lc.BATCH) == []
    lc.legal_transitions_conformance(HAPPY_BATCH, lc.BATCH, operation="GET /batches/{batch_id}")


def test_batch_going_back_from_finalizing_to_in_progress_is_illegal() -> None:
    states = ["validating", "in_progress", "finalizing", "in_progress", "completed"]
    assert lc.illegal_moves(states, lc.BATCH) == [(3, "finalizing", "in_progress")]
    with pytest.raises(ConformanceFailure) as caught:
        lc.legal_transitions_conformance(states, lc.BATCH, operation="GET /batches/{batch_id}")
    text = str(caught.value)
    assert "finalizing → in_progress" in text
    assert "validating → in_progress → finalizing → in_progress → completed" in text


def test_leaving_a_terminal_state_and_undocumented_states_are_illegal() -> None:
    assert lc.illegal_moves(["completed", "in_progress"], lc.BATCH) == [
        (1, "completed", "in_progress")
    ]
    assert lc.illegal_moves(["queued", "training"], lc.FINE_TUNING) == [(1, "queued", "training")]


def test_fine_tuning_job_never_returns_to_queued_from_running() -> None:
    assert lc.illegal_moves(["running", "queued"], lc.FINE_TUNING) == [(1, "running", "queued")]
    assert lc.illegal_moves(["running", "paused", "running", "succeeded"], lc.FINE_TUNING) == []


def test_render_timeline_counts_repeated_polls() -> None:
    assert lc.render_timeline(HAPPY_BATCH) == (
        "validating (x2) → in_progress → finalizing → completed"
    )
    assert lc.collapse(HAPPY_BATCH) == ["validating", "in_progress", "finalizing", "completed"]


def _batch(**stamps: int) -> dict[str, object]:
    return {"status": "completed", "created_at": 100, **stamps}


def test_completed_batch_with_every_timestamp_in_order_passes() -> None:
    obj = _batch(in_progress_at=110, finalizing_at=120, completed_at=130)
    lc.timestamps_conformance(obj, HAPPY_BATCH, lc.BATCH, operation="GET /batches/{batch_id}")


def test_missing_timestamp_of_a_reached_state_fails_naming_the_field() -> None:
    obj = _batch(finalizing_at=120, completed_at=130)
    with pytest.raises(ConformanceFailure, match="in_progress_at"):
        lc.timestamps_conformance(obj, HAPPY_BATCH, lc.BATCH, operation="GET /batches/{id}")


def test_timestamps_going_back_in_time_fail() -> None:
    obj = _batch(in_progress_at=110, finalizing_at=105, completed_at=130)
    with pytest.raises(ConformanceFailure, match="finalizing_at is earlier than in_progress_at"):
        lc.timestamps_conformance(obj, HAPPY_BATCH, lc.BATCH, operation="GET /batches/{id}")


def _page(ids: list[str], has_more: bool, **over: object) -> dict[str, object]:
    page = {
        "object": "list",
        "data": [{"id": i} for i in ids],
        "first_id": ids[0] if ids else None,
        "last_id": ids[-1] if ids else None,
        "has_more": has_more,
    }
    return {**page, **over}


def test_consistent_list_envelope_has_no_problems() -> None:
    assert lc.list_envelope_problems(_page(["a", "b"], True), last_page=False) == []
    assert lc.list_envelope_problems(_page(["a", "b"], False), last_page=True) == []


def test_list_envelope_with_wrong_has_more_or_cursor_ids_is_reported() -> None:
    assert lc.list_envelope_problems(_page(["a", "b"], False), last_page=False)
    assert lc.list_envelope_problems(_page(["a", "b"], True), last_page=True)
    assert lc.list_envelope_problems(_page(["a", "b"], True, first_id="b"), last_page=None)
    assert lc.list_envelope_problems(_page(["a", "b"], True, last_id="a"), last_page=None)


def test_empty_page_naming_cursor_ids_is_reported() -> None:
    # issue 14: GET /evals answered data: [] while first_id/last_id named existing evals.
    assert lc.list_envelope_problems(_page([], False), last_page=True) == []
    assert (
        lc.list_envelope_problems(_page([], False, first_id="", last_id=""), last_page=None) == []
    )
    problems = lc.list_envelope_problems(
        _page([], False, first_id="a", last_id="b"), last_page=None
    )
    assert [p.split(" ")[0] for p in problems] == ["/first_id", "/last_id"]


def _walk(*pages: list[str]) -> lc.PageWalk:
    walk = lc.PageWalk()
    for ids in pages:
        walk.pages.append(_page(ids, True))
        walk.ids += ids
    return walk


def test_walk_visiting_every_item_once_in_order_passes() -> None:
    walk = _walk(["e", "d"], ["x", "c"], ["b", "a"])  # "x" is another client's object
    lc.pagination_walk_conformance(walk, list("edcba"), operation="GET /files", limit=2)


def test_walk_that_repeats_the_first_page_fails() -> None:
    walk = _walk(["e", "d"], ["e", "d"], ["e", "d"])  # the cursor is ignored
    with pytest.raises(ConformanceFailure, match="exactly once"):
        lc.pagination_walk_conformance(walk, list("edcba"), operation="GET /files", limit=2)


def test_walk_whose_pages_do_not_continue_in_order_fails() -> None:
    walk = _walk(["e", "c"], ["d", "b"], ["a"])
    with pytest.raises(ConformanceFailure, match="do not continue"):
        lc.pagination_walk_conformance(walk, list("edcba"), operation="GET /files", limit=2)


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/batches/batch_1", "/batches/{batch_id}"),
        ("/batches/batch_1/cancel", "/batches/{batch_id}/cancel"),
        ("/fine_tuning/jobs/ftjob-1/events", "/fine_tuning/jobs/{fine_tuning_job_id}/events"),
        ("/files", "/files"),
        ("/conversations/conv_1/items", "/conversations/{conversation_id}/items"),
        ("/not/in/the/contract", "/not/in/the/contract"),
    ],
)
def test_operation_template_names_the_path_parameters(path: str, template: str) -> None:
    assert operation_template(path) == template


def test_batch_input_lines_match_the_documented_input_line_schema() -> None:
    validator = default_context().validator
    for line in (
        lc.chat_batch_line("a", "gpt-4o-mini", "hi"),
        lc.embeddings_batch_line("b", "text-embedding-3-small", "hi"),
    ):
        assert validator.validate(line, "BatchRequestInput") == []


def test_training_files_have_the_documented_shapes() -> None:
    sft = [row for _, row in lc.parse_jsonl(lc.sft_training_jsonl())]
    dpo = [row for _, row in lc.parse_jsonl(lc.dpo_training_jsonl())]
    assert len(sft) == len(dpo) == lc.MIN_TRAINING_EXAMPLES
    assert all(r["messages"][-1]["role"] == "assistant" for r in sft)
    assert all({"input", "preferred_output", "non_preferred_output"} <= set(r) for r in dpo)
    bad = [row for _, row in lc.parse_jsonl(lc.invalid_training_jsonl())]
    assert all("messages" not in r for r in bad)


def test_parse_jsonl_keeps_line_numbers_and_unparsable_lines() -> None:
    raw = lc.jsonl([{"a": 1}]) + b"\n{not json\n" + json.dumps({"b": 2}).encode()
    assert lc.parse_jsonl(raw) == [(1, {"a": 1}), (3, "{not json"), (4, {"b": 2})]


def test_walk_whose_next_page_answers_an_error_fails_naming_the_cursor() -> None:
    # A documented 400 is schema-conformant but no page: the walk must not read it as the end
    # of the list (it once blamed the target for the items it never reached).
    def answer(request: httpx.Request) -> httpx.Response:
        if "after" in request.url.params:
            error = {"message": "no such cursor", "type": "invalid_request_error"}
            return httpx.Response(400, json={"error": {**error, "param": "after", "code": None}})
        files = [
            {"id": f"file-{i}", "object": "file", "bytes": 1, "created_at": int(time.time()),
             "filename": "a.txt", "purpose": "user_data", "status": "processed"}
            for i in (1, 2)
        ]  # fmt: skip
        page = {"object": "list", "data": files, "first_id": "file-1", "last_id": "file-2"}
        return httpx.Response(200, json={**page, "has_more": True})

    config = build_config({"base_url": "http://mock/v1"}, env={"OAIC_API_KEY": "sk-test-0000"})
    with (
        ConformanceClient(config, transport=httpx.MockTransport(answer)) as client,
        pytest.raises(ConformanceFailure) as caught,
    ):
        lc.walk_list(client, "/files", limit=2, stop_after=["file-1", "file-2", "file-3"])
    failure = caught.value.failures[0]
    assert failure.check == "pagination_walk_conformance" and "'file-2'" in failure.title
