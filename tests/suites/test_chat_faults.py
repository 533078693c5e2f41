"""suites/chat against the reference server: it passes without faults, is UNSUPPORTED against
a target without chat completions, and each named fault fails exactly its tests (batched runs
of faults with disjoint expected sets, see inference_faults)."""

from __future__ import annotations

import sys

import pytest
from inference_faults import Env, batches, check_batch, prefetch_all, run
from lifecycle_runner import run_suite_against_absent

_THIS = sys.modules[__name__]
FEATURE = "chat"

#: Streams that must run to their end: a stream that fails mid-way fails each of them.
_COMPLETE_STREAMS = {
    "test_stream_chunks_share_id_created_model_and_object",
    "test_stream_deltas_concatenate_to_the_non_streamed_content",
    "test_stream_finish_reason_ends_every_choice",
    "test_stream_tool_call_deltas_carry_index_and_assemble_into_valid_calls",
    "test_stream_with_include_usage_ends_with_one_usage_chunk_with_empty_choices",
}
_ALL_STREAMS = _COMPLETE_STREAMS | {
    "test_newer_request_fields_are_accepted",
    "test_stream_and_message_carry_no_nonstandard_reasoning_fields",
    "test_stream_delivers_every_chunk_within_the_idle_deadline",
    "test_stream_ends_with_done_sentinel_or_an_error_event",
    "test_stream_first_delta_carries_the_assistant_role",
    "test_stream_is_served_as_text_event_stream",
    "test_stream_uses_the_canonical_sse_framing",
    "test_stream_without_include_usage_sends_no_usage",
}
_TOOL_CALLS = {
    "test_stream_tool_call_deltas_carry_index_and_assemble_into_valid_calls",
    "test_named_tool_choice_calls_exactly_that_function",
    "test_parallel_tool_calls_carry_unique_ids",
    "test_tool_arguments_are_a_json_string_valid_for_the_tool",
    "test_tool_call_finishes_with_tool_calls",
    "test_tool_choice_required_forces_a_tool_call",
}
USAGE = "test_stream_with_include_usage_ends_with_one_usage_chunk_with_empty_choices"
FINISH = "test_stream_finish_reason_ends_every_choice"

#: fault -> the tests that must fail with it (all others pass).
FAULTS: dict[str, set[str]] = {
    "chat-duplicate-tool-call-ids": {"test_parallel_tool_calls_carry_unique_ids"},
    "chat-finish-reason-stop-on-length": {
        "test_max_completion_tokens_cuts_the_answer_with_finish_reason_length",
        "test_max_tokens_cuts_the_answer_with_finish_reason_length",
    },
    "chat-finish-reason-stop-on-tool-call": {"test_tool_call_finishes_with_tool_calls"},
    "chat-ignore-max-completion-tokens": {
        "test_max_completion_tokens_cuts_the_answer_with_finish_reason_length"
    },
    "chat-ignore-n": {"test_n_returns_n_choices_with_distinct_indexes", FINISH},
    "chat-ignore-response-format": {
        "test_json_object_response_format_returns_a_json_object",
        "test_json_schema_response_format_output_validates",
    },
    "chat-ignore-stop": {"test_stop_sequence_never_appears_in_the_output"},
    "chat-ignore-tool-choice": {
        "test_named_tool_choice_calls_exactly_that_function",
        "test_tool_choice_none_answers_in_text",
        "test_tool_choice_required_forces_a_tool_call",
    },
    "chat-logprobs-completions-shape": {"test_logprobs_have_the_chat_shape_with_top_alternatives"},
    "chat-reasoning-content": {"test_stream_and_message_carry_no_nonstandard_reasoning_fields"},
    "chat-reject-content-parts": {
        "test_image_url_content_part_is_accepted",
        "test_text_content_parts_are_accepted",
    },
    "chat-reject-developer-role": {"test_system_and_developer_roles_are_accepted"},
    "chat-reject-message-name": {"test_newer_request_fields_are_accepted"},
    "chat-reject-stream-options": {"test_newer_request_fields_are_accepted", USAGE},
    "chat-store-ignored": {"test_stored_completion_is_retrievable_updatable_and_deletable"},
    # The repeated last chunk is a second finish chunk (or a second usage chunk).
    "chat-stream-content-after-done": {
        "test_stream_ends_with_done_sentinel_or_an_error_event",
        FINISH,
        USAGE,
    },
    "chat-stream-data-no-space": {"test_stream_uses_the_canonical_sse_framing"},
    "chat-stream-hang": _ALL_STREAMS,
    "chat-stream-inconsistent-id": {"test_stream_chunks_share_id_created_model_and_object"},
    # An enveloped error event is a legal end (the terminal test passes), but no stream that
    # must complete does; the tests that read the stream to its end fail with it.
    "chat-stream-midstream-error": _COMPLETE_STREAMS
    | {
        "test_stream_and_message_carry_no_nonstandard_reasoning_fields",
        "test_stream_delivers_every_chunk_within_the_idle_deadline",
        "test_stream_first_delta_carries_the_assistant_role",
        "test_stream_without_include_usage_sends_no_usage",
    },
    "chat-stream-midstream-error-flat": _COMPLETE_STREAMS
    | {"test_stream_ends_with_done_sentinel_or_an_error_event"},
    "chat-stream-no-done": {"test_stream_ends_with_done_sentinel_or_an_error_event"},
    "chat-stream-role-missing": {"test_stream_first_delta_carries_the_assistant_role"},
    "chat-stream-tool-call-no-index": {
        "test_stream_tool_call_deltas_carry_index_and_assemble_into_valid_calls"
    },
    "chat-stream-usage-always": {"test_stream_without_include_usage_sends_no_usage"},
    "chat-stream-usage-choices-null": {USAGE},
    "chat-stream-usage-never": {USAGE},
    "chat-stream-wrong-content-type": {"test_stream_is_served_as_text_event_stream"},
    # A non-streamed body with object arguments violates the response schema everywhere.
    "chat-tool-arguments-object": _TOOL_CALLS,
    "chat-usage-prompt-times-n": {"test_prompt_tokens_do_not_grow_with_n"},
    "chat-usage-wrong-total": {"test_usage_counts_are_positive_and_add_up", USAGE},
}
#: The hang run alone, with a 1 s idle deadline: every stream stalls once (13 s, not 13 x 30 s).
SOLO = frozenset({"chat-stream-hang"})
#: ignore-n hides prompt-times-n (n is 1 again).
APART = frozenset({frozenset({"chat-ignore-n", "chat-usage-prompt-times-n"})})
BATCHES = {f: b for b in batches(FAULTS, SOLO, APART) for f in b}
CLOCK = 1000.0


def _env(batch: tuple[str, ...]) -> Env:
    return (("OAIC_TIMEOUT_STREAM_IDLE", "1"),) if "chat-stream-hang" in batch else ()


@pytest.fixture(scope="module", autouse=True)
def _prefetch(request: pytest.FixtureRequest) -> None:
    jobs = []
    for item in request.session.items:
        params = getattr(item, "callspec", None)
        if item.module is not _THIS:  # type: ignore[attr-defined]
            continue
        batch = BATCHES[params.params["fault"]] if params else ()
        if item.originalname != "test_chat_suite_is_unsupported_without_chat_completions":  # type: ignore[attr-defined]
            jobs.append((FEATURE, batch, CLOCK, _env(batch)))
    prefetch_all(sorted(set(jobs), key=jobs.index))


@pytest.mark.slow
def test_chat_suite_passes_without_faults() -> None:
    outcomes = run(FEATURE, (), CLOCK, ())
    assert len(outcomes) == 37, outcomes
    bad = {n: o for n, o in outcomes.items() if o != "PASS"}
    assert not bad, f"suites/chat without faults: {bad}"


@pytest.mark.slow
def test_chat_suite_is_unsupported_without_chat_completions() -> None:
    outcomes = run_suite_against_absent(FEATURE)
    bad = {n: o for n, o in outcomes.items() if o not in ("UNSUPPORTED", "DISABLED")}
    assert outcomes and not bad, bad


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_chat_fault_fails_exactly_its_tests(fault: str) -> None:
    import openai_conformance.refserver.handlers  # noqa: F401  (handlers declare faults)
    from openai_conformance.refserver.faults import CATALOGUE

    assert fault in CATALOGUE, f"the reference server does not declare fault {fault!r}"
    batch = BATCHES[fault]
    check_batch(FEATURE, fault, FAULTS, batch, CLOCK, _env(batch))
