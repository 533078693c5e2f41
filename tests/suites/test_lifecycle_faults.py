"""Each lifecycle invariant fails on its named reference-server fault, and only then.

For every (suite, fault) row the suite folder runs against a reference server with that one
fault; the set of tests that do not PASS must equal the row's expected set exactly (so a
fault that also breaks an unrelated test, or a check that misses its fault, both fail here).
Without faults every suite passes completely. One server and one pytest run per row.
"""

from __future__ import annotations

import sys

import pytest
from lifecycle_runner import Job, failing, prefetch, run_suite, run_suite_against_absent

from openai_conformance.contract.features import registry

_THIS = sys.modules[__name__]
#: The lifecycle features: those whose feature.yaml declares a lifecycle deadline.
FEATURES = tuple(registry().deadlines())

#: fault -> (suite folder, tests that must fail with it, all others must pass)
FAULTS: dict[str, tuple[str, set[str]]] = {
    "files-content-corrupt": ("files", {"test_content_download_is_byte_exact"}),
    "files-delete-does-not-delete": (
        "files",
        {"test_deleted_file_answers_404_for_retrieve_content_and_delete"},
    ),
    "files-ignore-purpose-filter": (
        "files",
        {"test_list_with_purpose_filter_returns_only_that_purpose"},
    ),
    "files-pagination-cursor-ignored": (
        "files",
        {"test_list_pagination_walks_every_file_exactly_once"},
    ),
    "files-list-has-more-wrong": (
        "files",
        {"test_list_has_more_and_first_last_ids_agree_with_the_page"},
    ),
    "files-accept-invalid-purpose": (
        "files",
        {"test_upload_with_invalid_purpose_is_rejected_naming_purpose"},
    ),
    # The md5 of the intended bytes no longer matches the wrongly assembled file either.
    "files-accept-empty-file": ("files", {"test_upload_of_empty_file_is_rejected"}),
    "files-list-order-ignored": ("files", {"test_list_order_asc_and_desc_follow_creation_order"}),
    "uploads-accept-foreign-part": ("uploads", {"test_complete_with_unknown_part_id_is_rejected"}),
    "fine-tuning-cancel-ignored": ("fine_tuning", {"test_cancel_moves_running_job_to_cancelled"}),
    "uploads-complete-wrong-order": (
        "uploads",
        {
            "test_complete_assembles_parts_in_part_ids_order",
            "test_complete_with_matching_md5_succeeds",
        },
    ),
    "uploads-accept-bytes-mismatch": (
        "uploads",
        {"test_complete_with_byte_count_mismatch_is_rejected"},
    ),
    "uploads-parts-after-cancel": ("uploads", {"test_add_part_to_cancelled_upload_is_rejected"}),
    "uploads-complete-twice": ("uploads", {"test_completing_an_upload_twice_is_rejected"}),
    "batches-output-missing-custom-id": (
        "batches",
        {
            "test_each_custom_id_appears_exactly_once_across_output_and_error_files",
            "test_output_lines_validate_against_request_output_schema",
        },
    ),
    "batches-state-goes-backwards": (
        "batches",
        {"test_polled_states_follow_legal_transitions"},
    ),
    "batches-skip-timestamps": ("batches", {"test_timestamps_appear_as_states_are_reached"}),
    "batches-request-counts-inconsistent": (
        "batches",
        {"test_request_counts_total_equals_completed_plus_failed"},
    ),
    "batches-duplicate-custom-id": (
        "batches",
        {"test_each_custom_id_appears_exactly_once_across_output_and_error_files"},
    ),
    "batches-cancel-ignored": (
        "batches",
        {"test_cancel_moves_in_progress_batch_to_cancelling_then_cancelled"},
    ),
    "batches-accept-wrong-purpose": (
        "batches",
        {"test_create_from_file_with_wrong_purpose_is_rejected"},
    ),
    "fine-tuning-state-goes-backwards": (
        "fine_tuning",
        {"test_polled_states_follow_legal_transitions"},
    ),
    # A model the server does not know cannot be deleted either (404 on DELETE /models/{m}).
    "fine-tuning-model-not-listed": (
        "fine_tuning",
        {"test_fine_tuned_model_is_listed_and_retrievable", "test_fine_tuned_model_is_deletable"},
    ),
    "fine-tuning-events-unordered": (
        "fine_tuning",
        {"test_events_page_newest_first_each_valid_each_once"},
    ),
    "fine-tuning-no-error-on-failure": (
        "fine_tuning",
        {"test_invalid_training_file_is_rejected_or_fails_with_error"},
    ),
    "fine-tuning-pause-ignored": (
        "fine_tuning",
        {"test_pause_moves_running_job_to_paused_and_resume_to_running"},
    ),
    "files-retrieve-differs": ("files", {"test_retrieve_returns_the_uploaded_file"}),
    "files-delete-not-confirmed": ("files", {"test_delete_returns_deleted_true"}),
    "files-wrong-content-type": ("files", {"test_content_download_has_a_sensible_content_type"}),
    # An upload whose cancel was ignored is still pending, so it accepts a part as well.
    "uploads-cancel-ignored": (
        "uploads",
        {
            "test_cancel_moves_pending_upload_to_cancelled",
            "test_add_part_to_cancelled_upload_is_rejected",
        },
    ),
    "batches-accept-unknown-endpoint": (
        "batches",
        {"test_create_with_unknown_endpoint_is_rejected_naming_endpoint"},
    ),
    "batches-drop-invalid-line": (
        "batches",
        {"test_invalid_line_is_reported_with_its_line_number"},
    ),
    "batches-accept-malformed-jsonl": (
        "batches",
        {"test_malformed_jsonl_is_rejected_or_fails_the_batch_naming_the_line"},
    ),
    "fine-tuning-success-fields-missing": (
        "fine_tuning",
        {"test_succeeded_job_has_model_finish_time_tokens_and_results"},
    ),
    "fine-tuning-result-file-empty": ("fine_tuning", {"test_result_files_are_downloadable"}),
    "fine-tuning-checkpoints-foreign-job": (
        "fine_tuning",
        {"test_checkpoints_list_belongs_to_the_job"},
    ),
    "fine-tuning-accept-unknown-model": (
        "fine_tuning",
        {"test_create_with_unknown_base_model_is_rejected"},
    ),
    "fine-tuning-permission-not-listed": (
        "fine_tuning",
        {"test_checkpoint_permissions_can_be_created_listed_and_deleted"},
    ),
}


def _job(item: pytest.Item) -> Job | None:
    params = getattr(item, "callspec", None)
    if params is None or item.module is not _THIS:  # type: ignore[attr-defined]
        return None
    if "fault" in params.params:
        fault = params.params["fault"]
        return (FAULTS[fault][0], (fault,), SLOW_CLOCK.get(fault, 1000.0))
    if item.originalname == "test_suite_is_unsupported_against_a_target_without_the_feature":  # type: ignore[attr-defined]
        return (params.params["feature"],)
    return (params.params["feature"], (), 1000.0)


@pytest.fixture(scope="module", autouse=True)
def _run_selected_rows_two_at_a_time(request: pytest.FixtureRequest) -> None:
    """Each row is an independent pytest run against its own server: run the selected rows
    two at a time (2 cores) before the first test asks for its result. Under xdist the
    workers already run rows in parallel (and each sees every item), so nothing is prefetched.
    """
    if hasattr(request.config, "workerinput"):
        return
    jobs = [job for item in request.session.items if (job := _job(item)) is not None]
    prefetch(sorted(set(jobs), key=jobs.index))


@pytest.mark.slow
@pytest.mark.parametrize("feature", FEATURES)
def test_suite_passes_against_reference_server_without_faults(feature: str) -> None:
    outcomes = run_suite(feature)
    assert outcomes, f"suites/{feature} collected no tests"
    bad = {name: o for name, o in outcomes.items() if o != "PASS"}
    assert not bad, f"suites/{feature} without faults: {bad}"


#: Faults that show only in half of one short phase: run on a 5x slower clock so a 10 ms poll
#: sees both halves for sure (150 ms instead of 30 ms), never by luck.
SLOW_CLOCK = {"batches-state-goes-backwards": 200.0, "fine-tuning-state-goes-backwards": 200.0}


@pytest.mark.slow
@pytest.mark.parametrize("feature", FEATURES)
def test_suite_is_unsupported_against_a_target_without_the_feature(feature: str) -> None:
    # DISABLED is acceptable too (a costly step gated off); PASS or FAIL is not.
    outcomes = run_suite_against_absent(feature)
    assert outcomes, f"suites/{feature} collected no tests"
    bad = {n: o for n, o in outcomes.items() if o not in ("UNSUPPORTED", "DISABLED")}
    assert not bad, f"suites/{feature} against a target without it: {bad}"


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_exactly_its_tests(fault: str) -> None:
    from openai_conformance.refserver.faults import CATALOGUE

    feature, expected = FAULTS[fault]
    if fault not in CATALOGUE:
        import openai_conformance.refserver.handlers  # noqa: F401  (handlers declare faults)
    assert fault in CATALOGUE, f"the reference server does not declare fault {fault!r}"
    outcomes = run_suite(feature, (fault,), SLOW_CLOCK.get(fault, 1000.0))
    got = {name.split("[")[0] for name in failing(outcomes)}
    assert got == expected, (
        f"fault {fault}: expected exactly {sorted(expected)} to fail, "
        f"got {sorted(got)} ({ {n: outcomes[n] for n in failing(outcomes)} })"
    )
