"""The inference suites (embeddings, models, moderations, audio, images, legacy completions)
pass against the reference server, are UNSUPPORTED against a target without the endpoints,
and every named fault fails exactly the tests that claim to catch it.

To stay cheap (one pytest start costs seconds), each row runs the six suite folders in ONE
pytest session against ONE server carrying several faults: at most a few per suite, chosen so
that no two faults of a row touch the same endpoint behaviour or share an expected test. The
set of tests that do not PASS must equal the union of the row's expected sets exactly, and all
of them must be FAIL (never ERROR). ``test_every_inference_test_is_caught_by_some_fault``
keeps the table honest: each test of the six suites is expected to fail under some fault.
"""

from __future__ import annotations

import pytest
from lifecycle_runner import Job, failing, prefetch, run_suite, run_suite_against_absent

SUITES = "embeddings,models,moderations,audio,images,completions"

_B64 = "test_base64_embedding_decodes_to_the_float_vector"
_SPEECH = "test_speech_bytes_match_the_response_format"
_STT = "test_transcription_answers_each_response_format"
_TRANSLATE = "test_translation_answers_each_response_format"
_MOD_ALL = {
    "test_every_category_has_a_boolean_and_a_score",
    "test_flagged_is_true_exactly_when_a_category_is",
    "test_array_input_returns_one_result_per_input_in_order",
    "test_image_input_is_moderated_as_an_image",
}
_IMAGES_ALL = {
    "test_generation_returns_png_images",
    "test_edit_of_a_png_returns_png_images",
    "test_variation_of_a_png_returns_png_images",
    "test_generation_stream_sends_partials_then_one_completed",
}


def _both(fmt: str) -> set[str]:
    return {f"{_STT}[{fmt}]", f"{_TRANSLATE}[{fmt}]"}


#: fault -> the tests (names with parameters) it must fail; every other test must PASS
EXPECTED: dict[str, set[str]] = {
    # embeddings
    "embeddings-base64-unsupported": {_B64},
    "embeddings-base64-mismatch": {_B64},
    "embeddings-wrong-dimensions": {"test_dimensions_sets_the_vector_length"},
    "embeddings-unordered": {"test_data_is_listed_in_input_order"},
    "embeddings-string-input-split": {"test_string_input_returns_one_float_vector"},
    # the order test sends the same array: one embedding instead of three is out of order too
    "embeddings-array-input-truncated": {
        "test_array_input_returns_one_embedding_per_item",
        "test_data_is_listed_in_input_order",
    },
    "embeddings-token-input-rejected": {
        "test_token_array_input_returns_one_embedding",
        "test_array_of_token_arrays_returns_one_embedding_per_array",
    },
    "embeddings-usage-zero": {"test_usage_counts_prompt_tokens"},
    "embeddings-unknown-model-accepted": {"test_unknown_model_returns_404_envelope"},
    "embeddings-empty-input-accepted": {"test_empty_input_returns_400_envelope"},
    # models
    "models-list-bare-array": {"test_list_is_a_list_object_of_model_entries"},
    "models-owner-field": {
        "test_list_is_a_list_object_of_model_entries",
        "test_each_listed_model_is_retrievable",
    },
    "models-retrieve-404": {"test_each_listed_model_is_retrievable"},
    "models-retrieve-unknown-echo": {"test_unknown_model_id_returns_404_envelope"},
    # moderations: a missing documented category breaks the schema of every answer
    "moderation-missing-category": _MOD_ALL,
    "moderation-scores-percent": {"test_every_category_has_a_boolean_and_a_score"},
    "moderation-flagged-inconsistent": {"test_flagged_is_true_exactly_when_a_category_is"},
    "moderation-results-reversed": {"test_array_input_returns_one_result_per_input_in_order"},
    "moderation-image-ignored": {"test_image_input_is_moderated_as_an_image"},
    # audio: transcript formats are rendered by one function for both endpoints
    "speech-wrong-content-type": {
        f"{_SPEECH}[{f}]" for f in ("mp3", "opus", "aac", "flac", "wav", "pcm")
    },
    "speech-wav-without-header": {f"{_SPEECH}[wav]"},
    "speech-stream-no-done": {"test_speech_stream_sends_audio_deltas_then_done"},
    "transcript-json-as-text": _both("json"),
    "transcript-text-as-json": _both("text"),
    "srt-malformed": _both("srt"),
    "vtt-missing-header": _both("vtt"),
    "transcript-verbose-json-missing-language": _both("verbose_json"),
    "transcription-verbose-json-missing-segments": {
        "test_verbose_transcription_has_segment_and_word_timestamps"
    },
    "transcription-stream-delta-mismatch": {
        "test_streamed_transcript_deltas_concatenate_to_done_text"
    },
    # images: every image body carries the same bytes
    "image-b64-not-png": _IMAGES_ALL,
    "image-stream-no-completed": {"test_generation_stream_sends_partials_then_one_completed"},
    # legacy completions
    "completions-echo-prompt": {"test_completion_returns_text_without_the_prompt"},
    "completions-n-ignored": {"test_n_returns_n_choices_with_distinct_indexes"},
    "completions-stop-ignored": {"test_stop_sequence_never_appears_in_the_text"},
    "completions-max-tokens-ignored": {"test_max_tokens_cuts_the_text_with_finish_reason_length"},
    "completions-usage-wrong-total": {"test_usage_totals_add_up"},
    "completions-no-done": {"test_stream_sends_chunks_and_ends_with_done"},
    "completions-logprobs-chat-shape": {"test_logprobs_have_the_legacy_shape"},
}

#: One server and one pytest session per row. Faults of a row act on different endpoints or
#: on unrelated parameters of one endpoint, and their expected sets are disjoint.
ROWS: tuple[tuple[str, ...], ...] = (
    (
        "embeddings-base64-unsupported", "models-owner-field", "moderation-missing-category",
        "speech-wrong-content-type", "transcript-json-as-text", "image-b64-not-png",
        "completions-echo-prompt",
    ),
    (
        "embeddings-base64-mismatch", "embeddings-empty-input-accepted",
        "models-list-bare-array", "models-retrieve-404", "moderation-scores-percent",
        "moderation-results-reversed", "speech-wav-without-header", "srt-malformed",
        "image-stream-no-completed", "completions-n-ignored", "completions-no-done",
    ),
    (
        "embeddings-wrong-dimensions", "embeddings-token-input-rejected",
        "models-retrieve-unknown-echo", "moderation-flagged-inconsistent",
        "moderation-image-ignored", "speech-stream-no-done", "vtt-missing-header",
        "completions-stop-ignored", "completions-logprobs-chat-shape",
    ),
    (
        "embeddings-unordered", "embeddings-usage-zero", "transcript-text-as-json",
        "transcription-stream-delta-mismatch", "completions-max-tokens-ignored",
        "completions-usage-wrong-total",
    ),
    (
        "embeddings-string-input-split", "embeddings-unknown-model-accepted",
        "transcription-verbose-json-missing-segments",
    ),
    ("embeddings-array-input-truncated", "transcript-verbose-json-missing-language"),
)  # fmt: skip


def _row_id(row: tuple[str, ...]) -> str:
    return f"{len(row)}-faults-{row[0]}"


def _jobs() -> list[Job]:
    return [(SUITES, (), 1000.0), (SUITES,)] + [(SUITES, row, 1000.0) for row in ROWS]


@pytest.fixture(scope="module", autouse=True)
def _run_all_rows_two_at_a_time() -> None:
    """Every row is an independent pytest session against its own server: run them two at a
    time (2 cores) before the first test reads its result."""
    prefetch(_jobs())


def test_rows_cover_every_fault_once() -> None:
    import openai_conformance.refserver.handlers  # noqa: F401  (handlers declare faults)
    from openai_conformance.refserver.faults import CATALOGUE

    listed = [fault for row in ROWS for fault in row]
    assert sorted(listed) == sorted(EXPECTED), "each fault belongs to exactly one row"
    assert not set(listed) - set(CATALOGUE), "rows name faults the server does not declare"
    for row in ROWS:
        sets = [EXPECTED[f] for f in row]
        assert sum(map(len, sets)) == len(set().union(*sets)), f"overlapping row {row}"


@pytest.mark.slow
def test_inference_suites_pass_without_faults() -> None:
    outcomes = run_suite(SUITES)
    assert len(outcomes) == 47, sorted(outcomes)
    bad = {name: o for name, o in outcomes.items() if o != "PASS"}
    assert not bad, f"inference suites without faults: {bad}"


@pytest.mark.slow
def test_inference_suites_are_unsupported_against_a_target_without_them() -> None:
    outcomes = run_suite_against_absent(SUITES)
    assert outcomes
    bad = {n: o for n, o in outcomes.items() if o not in ("UNSUPPORTED", "DISABLED")}
    assert not bad, f"inference suites against a target without them: {bad}"


@pytest.mark.slow
def test_every_inference_test_is_caught_by_some_fault() -> None:
    caught = set().union(*EXPECTED.values())
    assert set(run_suite(SUITES)) == caught


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_faults_fail_exactly_their_tests(row: tuple[str, ...]) -> None:
    outcomes = run_suite(SUITES, row, 1000.0)
    expected = set().union(*(EXPECTED[f] for f in row))
    got = failing(outcomes)
    assert got == expected, {
        "missed (still PASS)": sorted(expected - got),
        "unexpected": {n: outcomes[n] for n in sorted(got - expected)},
    }
    assert {outcomes[n] for n in got} == {"FAIL"}, {n: outcomes[n] for n in got}
