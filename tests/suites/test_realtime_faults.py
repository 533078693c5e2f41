"""The realtime suite passes on the reference server, each realtime fault fails exactly its
test(s), a target without realtime is UNSUPPORTED, and the protocol helpers judge correctly.

Runs of suites/realtime (shared runner: ``lifecycle_runner``): one without faults, one against
a target without realtime, and two batches of faults. Faults share a batch only when the tests
they break are disjoint from one another's, and each batch leaves other tests passing, so a
fault that spilled into another test or a check that missed its fault both show here. Each
fault was also verified alone when it was written (see the FAULTS table: one row per fault).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from lifecycle_runner import failing, prefetch, run_suite, run_suite_against_absent

from openai_conformance.contract import load_spec
from openai_conformance.reports.realtime_coverage import realtime_coverage
from openai_conformance.scenario.realtime import (
    ResponseSequence,
    delta_problems,
    known_server_event_types,
    server_event_schemas,
    transcript_event_types,
)

SUITE = "realtime"
SPEED = 1000.0  # runs are memoised per exact arguments: always pass all three
ORDER = "test_response_events_follow_the_legal_order"
DELTAS = "test_response_deltas_concatenate_to_the_done_values"
SCHEMA = "test_every_server_event_matches_its_schema"
ITEM_CREATE = "test_item_create_is_answered_with_added_then_done"

#: fault -> the tests it must fail (all others pass)
FAULTS: dict[str, set[str]] = {
    "realtime-beta-event-names": {ITEM_CREATE, ORDER, DELTAS, SCHEMA},
    "realtime-session-created-missing": {"test_session_created_is_the_first_server_event"},
    "realtime-error-no-event-id": {"test_invalid_client_event_gets_error_carrying_its_event_id"},
    "realtime-close-on-invalid-event": {"test_session_answers_valid_events_after_an_error"},
    "realtime-session-update-ignored": {"test_session_update_is_answered_with_the_updated_session"},
    "realtime-retrieve-wrong-item": {"test_item_retrieve_returns_the_requested_item"},
    "realtime-truncate-ignored": {"test_item_truncate_cuts_the_unheard_transcript"},
    "realtime-delta-mismatch": {DELTAS},
    "realtime-response-order": {ORDER},
    "realtime-event-wrong-schema": {SCHEMA},
    "realtime-delete-keeps-item": {"test_deleted_item_is_gone_from_the_conversation"},
    "realtime-cancel-ignored": {"test_response_cancel_ends_the_response_cancelled"},
    "realtime-commit-wrong-item": {"test_committed_audio_becomes_a_user_item"},
    "realtime-clear-keeps-audio": {"test_cleared_buffer_has_nothing_to_commit"},
    "realtime-transcription-intent-ignored": {
        "test_transcription_session_transcribes_committed_audio"
    },
    "realtime-client-secret-session-ignored": {"test_client_secret_carries_the_requested_session"},
}
# Within a batch, the faults' test sets are pairwise disjoint.
BATCHES: tuple[tuple[str, ...], ...] = (
    (
        "realtime-beta-event-names",
        "realtime-session-created-missing",
        "realtime-error-no-event-id",
        "realtime-close-on-invalid-event",
        "realtime-session-update-ignored",
        "realtime-retrieve-wrong-item",
        "realtime-truncate-ignored",
    ),
    (
        "realtime-delta-mismatch",
        "realtime-response-order",
        "realtime-event-wrong-schema",
        "realtime-delete-keeps-item",
        "realtime-cancel-ignored",
        "realtime-commit-wrong-item",
        "realtime-clear-keeps-audio",
        "realtime-transcription-intent-ignored",
        "realtime-client-secret-session-ignored",
    ),
)


@pytest.fixture(scope="module", autouse=True)
def _runs(request: pytest.FixtureRequest) -> None:
    """The four runs, two at a time, before the first test asks; under xdist the workers
    already run them in parallel (memoised per worker), so nothing is prefetched."""
    if hasattr(request.config, "workerinput"):
        return
    prefetch([(SUITE, (), SPEED), (SUITE,)] + [(SUITE, b, SPEED) for b in BATCHES])


@pytest.mark.slow
def test_realtime_suite_passes_without_faults() -> None:
    outcomes = run_suite(SUITE, (), SPEED)
    assert len(outcomes) == 16 and failing(outcomes) == set(), outcomes


def test_every_realtime_fault_is_in_exactly_one_batch_with_disjoint_tests() -> None:
    batched = [f for batch in BATCHES for f in batch]
    assert sorted(batched) == sorted(FAULTS)
    for batch in BATCHES:
        sets = [FAULTS[f] for f in batch]
        assert sum(len(s) for s in sets) == len(set().union(*sets)), batch


@pytest.mark.slow
@pytest.mark.parametrize("batch", range(len(BATCHES)), ids=["batch-1", "batch-2"])
def test_each_fault_batch_fails_exactly_its_tests(batch: int) -> None:
    faults = BATCHES[batch]
    outcomes = run_suite(SUITE, faults, SPEED)
    expected = set().union(*(FAULTS[f] for f in faults))
    assert failing(outcomes) == expected, {n: o for n, o in outcomes.items() if o != "PASS"}
    assert {outcomes[n] for n in expected} == {"FAIL"}, outcomes
    assert set(outcomes) - expected, "a batch must leave some tests passing"


@pytest.mark.slow
def test_target_without_realtime_is_unsupported() -> None:
    outcomes = run_suite_against_absent(SUITE)
    assert len(outcomes) == 16 and set(outcomes.values()) == {"UNSUPPORTED"}, outcomes


# ---------------------------------------------------------------- helpers, without a server


def _response(text_deltas: list[str], done_text: str, swap: bool = False) -> list[dict[str, Any]]:
    where = {"response_id": "r1", "item_id": "i1", "output_index": 0, "content_index": 0}
    item = {"id": "i1", "type": "message", "role": "assistant"}
    added = {"type": "response.output_item.added", "response_id": "r1", "output_index": 0}
    done_item = dict(item, content=[{"type": "output_text", "text": done_text}])
    part_done = {
        "type": "response.content_part.done",
        **where,
        "part": {"type": "text", "text": done_text},
    }
    item_done = {
        "type": "response.output_item.done",
        "response_id": "r1",
        "output_index": 0,
        "item": done_item,
    }
    return [
        {"type": "response.created", "response": {"id": "r1"}},
        dict(added, item=item),
        {"type": "conversation.item.added", "item": item},
        {"type": "response.content_part.added", **where, "part": {"type": "text", "text": ""}},
        *({"type": "response.output_text.delta", **where, "delta": d} for d in text_deltas),
        {"type": "response.output_text.done", **where, "text": done_text},
        *([item_done, part_done] if swap else [part_done, item_done]),
        {"type": "response.done", "response": {"id": "r1", "output": [done_item]}},
    ]  # fmt: skip


def test_response_sequence_accepts_the_ga_order_and_flags_an_item_done_too_early() -> None:
    assert ResponseSequence().feed_all(_response(["a", "b"], "ab")).problems == []
    problems = ResponseSequence().feed_all(_response(["a"], "a", swap=True)).problems
    assert problems and "not done" in problems[0][1], problems


def test_delta_problems_names_every_done_value_that_differs() -> None:
    assert delta_problems(_response(["Hel", "lo"], "Hello")) == []
    where = [p[0] for p in delta_problems(_response(["Hel", "lo"], "Hello!"))]
    assert len(where) == 3 and where[0].startswith("response.output_text.done"), where


def test_server_event_schema_map_prefers_ga_components_and_knows_every_type() -> None:
    spec = load_spec()
    mapping = server_event_schemas(spec)
    assert mapping["conversation.item.added"] == "RealtimeServerEventConversationItemAdded"
    assert mapping["error"] == "RealtimeServerEventError"
    assert "transcription_session.created" in mapping  # beta-only types are known too
    assert len(known_server_event_types(spec)) == len(mapping) > 46


def test_transcript_types_feed_the_report_coverage() -> None:
    class Ws:
        websocket = {
            "transcript": [
                {"dir": "send", "data": json.dumps({"type": "session.update"})},
                {"dir": "recv", "data": json.dumps({"type": "session.created"})},
                {"dir": "recv", "data": json.dumps({"type": "oaic.unknown"})},
                {"dir": "recv", "data": "not json"},
            ]
        }

    seen = transcript_event_types(Ws())
    assert seen == ["oaic.unknown", "session.created"]
    cov = realtime_coverage(dict.fromkeys(seen, 1))
    assert cov is not None and cov["components"] == 95 and cov["seen"] == 1
    assert cov["unknown"] == ["oaic.unknown"] and "session.created" not in cov["unseen"]
