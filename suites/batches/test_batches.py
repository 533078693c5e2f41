"""Batches: lifecycle, timestamps, counts, output files, cancel, list, and refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from batch_steps import FinishedBatch, chat_input, embeddings_input, output_lines, run_to_end

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.context import default_context
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

GET = "GET /batches/{batch_id}"


@pytest.mark.requirement("batches/create-initial-state")
def test_create_returns_batch_in_initial_state_echoing_request(
    make_batch: Callable[..., tuple[dict[str, Any], Any]], oaic_config: RunConfig
) -> None:
    data, _ = chat_input(oaic_config)
    batch, exchange = make_batch(data)
    problems = []
    if batch.get("status") not in lc.BATCH.states - {"cancelled", "cancelling"}:
        problems.append(("/status", "a documented initial state", batch.get("status")))
    for key, want in (
        ("endpoint", "/v1/chat/completions"),
        ("completion_window", "24h"),
        ("metadata", oaic_config.tag({"suite": "batches"})),
    ):
        if batch.get(key) != want:
            problems.append((f"/{key}", json.dumps(want), batch.get(key)))
    lc.fail(
        [
            Failure.of(
                "batch_create_conformance",
                f"created batch: unexpected {p[1:]}",
                operation="POST /batches",
                pointer=p,
                expected=w,
                actual=a,
                exchange=exchange,
            )
            for p, w, a in problems
        ]
    )


@pytest.mark.requirement("batches/legal-transitions")
def test_polled_states_follow_legal_transitions(finished_batch: FinishedBatch) -> None:
    lc.legal_transitions_conformance(
        finished_batch.seen.states,
        lc.BATCH,
        operation=GET,
        exchange=finished_batch.seen.exchange,
    )


@pytest.mark.requirement("batches/timestamps")
def test_timestamps_appear_as_states_are_reached(finished_batch: FinishedBatch) -> None:
    # A completed batch passed in_progress and finalizing even if no poll saw them.
    reached = set(finished_batch.seen.states)
    if finished_batch.batch.get("status") == "completed":
        reached |= {"in_progress", "finalizing"}
    lc.timestamps_conformance(
        finished_batch.batch,
        reached,
        lc.BATCH,
        operation=GET,
        exchange=finished_batch.seen.exchange,
    )


@pytest.mark.requirement("batches/request-counts")
def test_request_counts_total_equals_completed_plus_failed(finished_batch: FinishedBatch) -> None:
    counts = finished_batch.batch.get("request_counts") or {}
    total, done, failed = counts.get("total"), counts.get("completed"), counts.get("failed")
    n = len(finished_batch.custom_ids)
    if not (
        total == n and isinstance(done, int) and isinstance(failed, int) and total == done + failed
    ):
        lc.fail(
            Failure.of(
                "request_counts_conformance",
                "request_counts are inconsistent",
                operation=GET,
                pointer="/request_counts",
                expected=f"total = completed + failed = {n} input lines",
                actual=counts,
                exchange=finished_batch.seen.exchange,
            )
        )


@pytest.mark.requirement("batches/output-lines-validate")
def test_output_lines_validate_against_request_output_schema(
    client: ConformanceClient, finished_batch: FinishedBatch
) -> None:
    validator = default_context().validator
    failures = []
    for kind, number, row, exchange in output_lines(client, finished_batch.batch):
        violations = (
            validator.validate(row, "BatchRequestOutput")
            if isinstance(row, dict)
            else ["not a JSON object"]
        )
        for v in violations:
            failures.append(
                Failure.of(
                    "batch_output_schema_conformance",
                    f"{kind} line {number} does not match BatchRequestOutput",
                    operation="GET /files/{file_id}/content",
                    pointer=getattr(v, "pointer", ""),
                    message=str(v),
                    exchange=exchange,
                )
            )
    lc.fail(failures)


@pytest.mark.requirement("batches/custom-id-once")
def test_each_custom_id_appears_exactly_once_across_output_and_error_files(
    client: ConformanceClient, finished_batch: FinishedBatch
) -> None:
    seen = [
        row.get("custom_id")
        for _, _, row, _ in output_lines(client, finished_batch.batch)
        if isinstance(row, dict)
    ]
    wrong = {cid: seen.count(cid) for cid in finished_batch.custom_ids if seen.count(cid) != 1}
    extra = sorted({str(c) for c in seen if c not in finished_batch.custom_ids})
    if wrong or extra:
        lc.fail(
            Failure.of(
                "custom_id_conformance",
                "custom_ids do not appear exactly once across output and error files",
                operation="GET /files/{file_id}/content",
                expected="each input custom_id exactly once",
                actual=f"counts {wrong}; unknown {extra}",
                exchange=finished_batch.seen.exchange,
            )
        )


@pytest.mark.requirement("batches/response-body-validates")
@pytest.mark.parametrize("endpoint", ["/v1/chat/completions", "/v1/embeddings"])
def test_each_response_body_validates_against_endpoint_schema(
    client: ConformanceClient,
    make_batch: Callable[..., tuple[dict[str, Any], Any]],
    oaic_config: RunConfig,
    endpoint: str,
) -> None:
    data, _ = (chat_input if "chat" in endpoint else embeddings_input)(oaic_config)
    batch, _ = make_batch(data, endpoint)
    body = run_to_end(client, oaic_config, batch).body
    ctx = default_context()
    op = ctx.spec.operation("POST " + endpoint.removeprefix("/v1"))
    schema = op.response_for(200)["application/json"] if op else None
    failures = []
    for kind, number, row, exchange in output_lines(client, body):
        response = row.get("response") if isinstance(row, dict) else None
        if kind != "output_file_id" or not isinstance(response, dict) or schema is None:
            continue
        for v in ctx.validator.validate(response.get("body"), schema):
            failures.append(
                Failure.of(
                    "batch_response_body_conformance",
                    f"output line {number}: response.body does not match {endpoint}",
                    operation="GET /files/{file_id}/content",
                    pointer="/response/body" + v.pointer,
                    message=str(v),
                    exchange=exchange,
                )
            )
    lc.fail(failures)


@pytest.mark.requirement("batches/invalid-lines-reported")
def test_invalid_line_is_reported_with_its_line_number(
    client: ConformanceClient,
    make_batch: Callable[..., tuple[dict[str, Any], Any]],
    oaic_config: RunConfig,
) -> None:
    data, _ = chat_input(oaic_config, 2)
    bad = lc.jsonl(
        [
            {
                "custom_id": f"{oaic_config.name_prefix}bad",
                "method": "POST",
                "url": "/v1/chat/completions",
            }
        ]
    )  # no body
    batch, _ = make_batch(data + bad)
    done = run_to_end(client, oaic_config, batch).body
    lines = [err.get("line") for err in ((done.get("errors") or {}).get("data") or [])]
    in_error_file = [
        row.get("custom_id")
        for kind, _, row, _ in output_lines(client, done)
        if kind == "error_file_id" and isinstance(row, dict)
    ]
    if 3 not in lines and f"{oaic_config.name_prefix}bad" not in in_error_file:
        lc.fail(
            Failure.of(
                "invalid_line_conformance",
                "the invalid input line is not reported",
                operation=GET,
                pointer="/errors",
                expected="errors.data[].line == 3 or the line's custom_id in the error file",
                actual=f"errors lines {lines}; error file ids {in_error_file}",
            )
        )


@pytest.mark.requirement("batches/cancel")
def test_cancel_moves_in_progress_batch_to_cancelling_then_cancelled(
    client: ConformanceClient,
    make_batch: Callable[..., tuple[dict[str, Any], Any]],
    oaic_config: RunConfig,
) -> None:
    data, _ = chat_input(oaic_config)
    batch, _ = make_batch(data)
    exchange = client.request("POST", f"/batches/{batch['id']}/cancel")
    # A cancel route the target lacks is UNSUPPORTED (batches.cancel is optional): the batch
    # it names was just created, so a 404 while the batch reads back means the route is absent.
    body = lc.accepted(
        exchange, "POST /batches/{batch_id}/cancel", client=client, parent=f"/batches/{batch['id']}"
    )
    seen = lc.Observed(
        states=[str(batch.get("status")), str(body.get("status"))], body=body, exchange=exchange
    )
    if body.get("status") not in ("cancelling", "cancelled"):
        lc.fail(
            Failure.of(
                "cancel_conformance",
                "cancel did not move the batch to cancelling",
                operation="POST /batches/{batch_id}/cancel",
                pointer="/status",
                expected="cancelling|cancelled",
                actual=body.get("status"),
                exchange=exchange,
            )
        )
    seen = lc.observe(
        client,
        f"/batches/{batch['id']}",
        lc.BATCH,
        deadline=lc.deadline_s(oaic_config, "batches"),
        fast=lc.is_reference(oaic_config),
        start=seen,
    )
    lc.reached_conformance(seen, lc.BATCH, {"cancelled"}, operation=GET)
    lc.legal_transitions_conformance(seen.states, lc.BATCH, operation=GET, exchange=seen.exchange)


@pytest.mark.requirement("batches/list-pagination")
def test_list_pagination_walks_created_batches_once(
    client: ConformanceClient,
    make_batch: Callable[..., tuple[dict[str, Any], Any]],
    oaic_config: RunConfig,
) -> None:
    data, _ = chat_input(oaic_config, 1)
    ids = [make_batch(data)[0]["id"] for _ in range(3)]
    walk = lc.walk_list(client, "/batches", limit=2, stop_after=ids)
    lc.pagination_walk_conformance(walk, ids[::-1], operation="GET /batches", limit=2)


@pytest.mark.requirement("batches/retrieve-unknown-404")
def test_retrieve_unknown_batch_answers_404_envelope(client: ConformanceClient) -> None:
    assert_error(
        client.request("GET", "/batches/batch_oaic_does_not_exist"),
        status=404,
        op=GET,
    )


@pytest.mark.requirement("batches/input-purpose-enforced")
def test_create_from_file_with_wrong_purpose_is_rejected(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    lc.require_allowed(oaic_config, "costly", "creating a batch")
    data, _ = chat_input(oaic_config, 1)
    upload = lc.upload_file(
        client, cleanup, data, purpose="user_data", filename=f"{oaic_config.name_prefix}wrong.jsonl"
    )
    exchange = client.request(
        "POST",
        "/batches",
        json={
            "input_file_id": upload["id"],
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": oaic_config.tag(),
        },
    )
    _undo_if_created(client, cleanup, exchange)
    assert_error(exchange, status=400, op="POST /batches")


@pytest.mark.requirement("batches/unknown-endpoint-rejected")
def test_create_with_unknown_endpoint_is_rejected_naming_endpoint(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    lc.require_allowed(oaic_config, "costly", "creating a batch")
    data, _ = chat_input(oaic_config, 1)
    upload = lc.upload_file(
        client, cleanup, data, purpose="batch", filename=f"{oaic_config.name_prefix}ep.jsonl"
    )
    exchange = client.request(
        "POST",
        "/batches",
        json={
            "input_file_id": upload["id"],
            "endpoint": "/v1/not-an-endpoint",
            "completion_window": "24h",
        },
    )
    _undo_if_created(client, cleanup, exchange)
    assert_error(
        exchange,
        status=400,
        param="endpoint",
        op="POST /batches",
    )


@pytest.mark.requirement("batches/malformed-jsonl")
def test_malformed_jsonl_is_rejected_or_fails_the_batch_naming_the_line(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    lc.require_allowed(oaic_config, "costly", "creating a batch")
    data, _ = chat_input(oaic_config, 1)
    raw = data + b"{this is not json\n"
    name = f"{oaic_config.name_prefix}bad.jsonl"
    up = client.request(
        "POST",
        "/files",
        data={"purpose": "batch"},
        files={"file": (name, raw, "application/jsonl")},
    )
    if up.status >= 400:  # rejected at upload: the documented failure mode, with an envelope
        assert_error(up, status=400, op="POST /files")
        return
    file_id = assert_conforms(up, "POST /files")["id"]
    lc.register_undo(cleanup, client, "file", file_id, "DELETE", f"/files/{file_id}", name)
    exchange = client.request(
        "POST",
        "/batches",
        json={
            "input_file_id": file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        },
    )
    if exchange.status >= 400:
        assert_error(exchange, status=400, op="POST /batches")
        return
    batch = assert_conforms(exchange, "POST /batches")
    _undo_if_created(client, cleanup, exchange)
    done = run_to_end(client, oaic_config, batch).body
    lines = [e.get("line") for e in (done.get("errors") or {}).get("data") or []]
    if done.get("status") != "failed" or 2 not in lines:
        lc.fail(
            Failure.of(
                "malformed_jsonl_conformance",
                "a malformed input line neither failed creation nor the batch",
                operation=GET,
                pointer="/errors",
                expected="status failed with errors.data[].line == 2",
                actual={"status": done.get("status"), "lines": lines},
            )
        )


def _undo_if_created(client: ConformanceClient, cleanup: CleanupRegistry, exchange: Any) -> None:
    if exchange.status < 300:
        bid = (exchange.json() or {}).get("id")
        if bid:
            lc.register_cancel(cleanup, client, "batch", f"/batches/{bid}", lc.BATCH, "batch")
