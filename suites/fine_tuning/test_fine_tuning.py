"""Fine-tuning: create (supervised, dpo), lifecycle, events, checkpoints, results, models,
cancel, pause/resume, refusals, checkpoint permissions (admin)."""

from __future__ import annotations

from typing import Any

import pytest
from ft_steps import GET, create_job, run_until

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.context import default_context
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


def _check(cond: bool, title: str, op: str, ptr: str, exp: Any, act: Any, ex: Any = None) -> None:
    if not cond:
        lc.fail(
            Failure.of(
                "fine_tuning_conformance",
                title,
                operation=op,
                pointer=ptr,
                expected=exp,
                actual=act,
                exchange=ex,
            )
        )


@pytest.mark.requirement("fine_tuning/create-supervised")
def test_create_supervised_job_returns_initial_state_echoing_request(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    job, ex = create_job(client, cleanup, oaic_config)
    assert_conforms(ex, "POST /fine_tuning/jobs")
    op = "POST /fine_tuning/jobs"
    _check(
        job.get("status") in lc.FINE_TUNING.initial | {"running"},
        "job not in an initial state",
        op,
        "/status",
        "validating_files|queued",
        job.get("status"),
        ex,
    )
    _check(
        (job.get("method") or {}).get("type") == "supervised",
        "method not echoed",
        op,
        "/method/type",
        "supervised",
        job.get("method"),
        ex,
    )
    _check(
        job.get("metadata") == oaic_config.tag({"suite": "fine_tuning"}),
        "metadata not echoed",
        op,
        "/metadata",
        oaic_config.tag({"suite": "fine_tuning"}),
        job.get("metadata"),
        ex,
    )
    _check(
        job.get("seed") == 42,
        "seed not echoed",
        op,
        "/seed",
        42,
        job.get("seed"),
        ex,
    )


@pytest.mark.requirement("fine_tuning/create-dpo")
def test_create_dpo_job_echoes_dpo_method(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    job, ex = create_job(client, cleanup, oaic_config, dpo=True)
    assert_conforms(ex, "POST /fine_tuning/jobs")
    _check(
        (job.get("method") or {}).get("type") == "dpo",
        "dpo method not echoed",
        "POST /fine_tuning/jobs",
        "/method/type",
        "dpo",
        job.get("method"),
        ex,
    )


@pytest.mark.requirement("fine_tuning/legal-transitions")
def test_polled_states_follow_legal_transitions(succeeded_job: lc.Observed) -> None:
    lc.legal_transitions_conformance(
        succeeded_job.states,
        lc.FINE_TUNING,
        operation=GET,
        exchange=succeeded_job.exchange,
    )


@pytest.mark.requirement("fine_tuning/success-fields")
def test_succeeded_job_has_model_finish_time_tokens_and_results(succeeded_job: lc.Observed) -> None:
    job = succeeded_job.body
    missing = [
        k for k in ("fine_tuned_model", "finished_at", "trained_tokens") if job.get(k) in (None, "")
    ]
    if not job.get("result_files"):
        missing.append("result_files")
    _check(
        job.get("status") == "succeeded" and not missing,
        "succeeded job lacks its outputs",
        GET,
        "/",
        "status succeeded with fine_tuned_model, finished_at, trained_tokens, result_files",
        {"status": job.get("status"), "missing": missing},
        succeeded_job.exchange,
    )


@pytest.mark.requirement("fine_tuning/events")
def test_events_page_newest_first_each_valid_each_once(
    client: ConformanceClient, succeeded_job: lc.Observed
) -> None:
    path = f"/fine_tuning/jobs/{succeeded_job.body['id']}/events"
    op = "GET /fine_tuning/jobs/{fine_tuning_job_id}/events"
    full = assert_conforms(client.request("GET", path, params={"limit": 100}), op)
    ids = [e["id"] for e in full.get("data") or []]
    walk = lc.walk_list(client, path, limit=2, max_pages=60)
    lc.pagination_walk_conformance(walk, ids, operation=op, limit=2)
    stamps = [e.get("created_at") for e in full.get("data") or []]
    _check(
        stamps == sorted(stamps, reverse=True),
        "events are not newest first",
        op,
        "/data",
        "created_at non-increasing",
        stamps,
    )
    validator = default_context().validator
    bad = [
        str(v) for e in full.get("data") or [] for v in validator.validate(e, "FineTuningJobEvent")
    ]
    _check(
        not bad,
        "an event does not match FineTuningJobEvent",
        op,
        "/data",
        "valid events",
        bad[:5],
    )


@pytest.mark.requirement("fine_tuning/checkpoints")
def test_checkpoints_list_belongs_to_the_job(
    client: ConformanceClient, succeeded_job: lc.Observed
) -> None:
    jid = succeeded_job.body["id"]
    op = "GET /fine_tuning/jobs/{fine_tuning_job_id}/checkpoints"
    ex = client.request("GET", f"/fine_tuning/jobs/{jid}/checkpoints")
    data = assert_conforms(ex, op).get("data") or []
    foreign = [c.get("id") for c in data if c.get("fine_tuning_job_id") != jid]
    _check(
        bool(data) and not foreign,
        "checkpoints missing or of another job",
        op,
        "/data",
        f"checkpoints of {jid}",
        {"count": len(data), "foreign": foreign},
        ex,
    )


@pytest.mark.requirement("fine_tuning/result-files")
def test_result_files_are_downloadable(
    client: ConformanceClient, succeeded_job: lc.Observed
) -> None:
    for file_id in succeeded_job.body.get("result_files") or []:
        assert_conforms(client.request("GET", f"/files/{file_id}"), "GET /files/{file_id}")
        ex = client.request("GET", f"/files/{file_id}/content")
        assert_conforms(ex, "GET /files/{file_id}/content")
        _check(
            bool(ex.content),
            "result file is empty",
            "GET /files/{file_id}/content",
            "",
            "non-empty content",
            0,
            ex,
        )


@pytest.mark.requirement("fine_tuning/model-listed")
def test_fine_tuned_model_is_listed_and_retrievable(
    client: ConformanceClient, succeeded_job: lc.Observed
) -> None:
    model = succeeded_job.body.get("fine_tuned_model")
    ex = client.request("GET", "/models")
    listed = [m.get("id") for m in assert_conforms(ex, "GET /models").get("data") or []]
    _check(
        model in listed,
        "fine-tuned model not in GET /models",
        "GET /models",
        "/data",
        model,
        f"{len(listed)} models",
        ex,
    )
    got = assert_conforms(client.request("GET", f"/models/{model}"), "GET /models/{model}")
    _check(
        got.get("id") == model,
        "GET /models/{model} answers another model",
        "GET /models/{model}",
        "/id",
        model,
        got.get("id"),
    )


@pytest.mark.requirement("fine_tuning/cancel")
def test_cancel_moves_running_job_to_cancelled(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    job, _ = create_job(client, cleanup, oaic_config)
    seen = run_until(client, oaic_config, job, {"running"})
    ex = client.request("POST", f"/fine_tuning/jobs/{job['id']}/cancel")
    body = assert_conforms(ex, "POST /fine_tuning/jobs/{fine_tuning_job_id}/cancel")
    seen.states.append(str(body.get("status")))
    seen = lc.observe(
        client,
        f"/fine_tuning/jobs/{job['id']}",
        lc.FINE_TUNING,
        deadline=lc.deadline_s(oaic_config, "fine_tuning"),
        fast=lc.is_reference(oaic_config),
        start=seen,
    )
    lc.reached_conformance(seen, lc.FINE_TUNING, {"cancelled"}, operation=GET)


@pytest.mark.requirement("fine_tuning/pause-resume")
def test_pause_moves_running_job_to_paused_and_resume_to_running(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    job, _ = create_job(client, cleanup, oaic_config)
    run_until(client, oaic_config, job, {"running"})
    jid = job["id"]
    ex = client.request("POST", f"/fine_tuning/jobs/{jid}/pause")
    paused = assert_conforms(ex, "POST /fine_tuning/jobs/{fine_tuning_job_id}/pause")
    now = assert_conforms(client.request("GET", f"/fine_tuning/jobs/{jid}"), GET)
    _check(
        paused.get("status") == "paused" and now.get("status") == "paused",
        "pause did not pause the job",
        "POST /fine_tuning/jobs/{fine_tuning_job_id}/pause",
        "/status",
        "paused",
        [paused.get("status"), now.get("status")],
        ex,
    )
    ex = client.request("POST", f"/fine_tuning/jobs/{jid}/resume")
    resumed = assert_conforms(ex, "POST /fine_tuning/jobs/{fine_tuning_job_id}/resume")
    _check(
        resumed.get("status") == "running",
        "resume did not restart the job",
        "POST /fine_tuning/jobs/{fine_tuning_job_id}/resume",
        "/status",
        "running",
        resumed.get("status"),
        ex,
    )


@pytest.mark.requirement("fine_tuning/failure-has-error")
def test_invalid_training_file_is_rejected_or_fails_with_error(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    job, ex = create_job(client, cleanup, oaic_config, data=lc.invalid_training_jsonl())
    if not job:
        assert_error(ex, status=400, op="POST /fine_tuning/jobs")
        return
    seen = run_until(client, oaic_config, job)
    err = seen.body.get("error") or {}
    _check(
        seen.body.get("status") == "failed" and bool(err.get("code")) and bool(err.get("message")),
        "a job with an invalid training file did not fail with error populated",
        GET,
        "/error",
        "status failed, error {code, message, param}",
        {"status": seen.body.get("status"), "error": seen.body.get("error")},
        seen.exchange,
    )


@pytest.mark.requirement("fine_tuning/unknown-model-rejected")
def test_create_with_unknown_base_model_is_rejected(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    _job, ex = create_job(client, cleanup, oaic_config, model="oaic-no-such-model")
    assert_error(
        ex,
        status=(400, 403, 404),
        op="POST /fine_tuning/jobs",
    )


@pytest.mark.requirement("fine_tuning/checkpoint-permissions")
def test_checkpoint_permissions_can_be_created_listed_and_deleted(
    allow_admin: None, client: ConformanceClient, succeeded_job: lc.Observed
) -> None:
    jid = succeeded_job.body["id"]
    cps = (
        assert_conforms(
            client.request("GET", f"/fine_tuning/jobs/{jid}/checkpoints"),
            "GET /fine_tuning/jobs/{fine_tuning_job_id}/checkpoints",
        ).get("data")
        or []
    )
    ckpt = cps[0]["fine_tuned_model_checkpoint"]
    base = f"/fine_tuning/checkpoints/{ckpt}/permissions"
    op = "/fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions"
    created = assert_conforms(
        client.request("POST", base, json={"project_ids": ["proj_oaic"]}), f"POST {op}"
    )
    perm = (created.get("data") or [{}])[0].get("id")
    listed = assert_conforms(client.request("GET", base), f"GET {op}")
    _check(
        perm in [p.get("id") for p in listed.get("data") or []],
        "created permission not listed",
        f"GET {op}",
        "/data",
        perm,
        listed.get("data"),
    )
    deleted = assert_conforms(
        client.request("DELETE", f"{base}/{perm}"), f"DELETE {op}/{{permission_id}}"
    )
    _check(
        deleted.get("deleted") is True,
        "permission deletion not confirmed",
        f"DELETE {op}/{{permission_id}}",
        "/deleted",
        True,
        deleted.get("deleted"),
    )


# Last in the module: it deletes the model the shared succeeded_job produced.
@pytest.mark.requirement("fine_tuning/model-deletable")
def test_fine_tuned_model_is_deletable(
    allow_destructive: None, client: ConformanceClient, succeeded_job: lc.Observed
) -> None:
    model = succeeded_job.body.get("fine_tuned_model")
    ex = client.request("DELETE", f"/models/{model}")
    body = assert_conforms(ex, "DELETE /models/{model}")
    _check(
        body.get("deleted") is True,
        "model deletion not confirmed",
        "DELETE /models/{model}",
        "/deleted",
        True,
        body.get("deleted"),
        ex,
    )
    assert_error(
        client.request("GET", f"/models/{model}"),
        status=404,
        op="GET /models/{model}",
    )
