"""Fine-tuning scenario steps: training files, a created job (costly, cancelled at cleanup)."""

from __future__ import annotations

from typing import Any

from openai_conformance.checks import assert_conforms
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

FEATURE = "fine_tuning"
GET = "GET /fine_tuning/jobs/{fine_tuning_job_id}"


def create_job(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    config: RunConfig,
    *,
    dpo: bool = False,
    data: bytes | None = None,
    model: str | None = None,
) -> tuple[dict[str, Any], Any]:
    """Upload a training file and create a job; returns (job, exchange). Non-2xx is returned
    as ``({}, exchange)`` so refusal tests can judge it."""
    lc.require_allowed(config, "costly", "creating a fine-tuning job")
    raw = (
        data if data is not None else (lc.dpo_training_jsonl() if dpo else lc.sft_training_jsonl())
    )
    upload = lc.upload_file(
        client, cleanup, raw, purpose="fine-tune", filename=f"{config.name_prefix}train.jsonl"
    )
    method = (
        {"type": "dpo", "dpo": {}}  # hyperparameters default ("auto")
        if dpo
        else {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}}
    )
    payload = {
        "model": model or lc.model_for(config, "fine_tune_base"), "training_file": upload["id"],
        "method": method, "suffix": "oaic", "seed": 42, "metadata": config.tag({"suite": FEATURE}),
    }  # fmt: skip
    exchange = client.request("POST", "/fine_tuning/jobs", json=payload)
    if exchange.status >= 400 and exchange.status not in (404, 501):
        return {}, exchange
    job = assert_conforms(exchange, "POST /fine_tuning/jobs")
    jid = job["id"]
    lc.register_cancel(
        cleanup, client, "fine_tuning.job", f"/fine_tuning/jobs/{jid}", lc.FINE_TUNING, "job"
    )
    return dict(job), exchange


def run_until(
    client: ConformanceClient, config: RunConfig, job: dict[str, Any], until: set[str] | None = None
) -> lc.Observed:
    if lc.submit_only(config, FEATURE):
        raise Disabled("the profile runs fine-tuning submit-only (initial states only)")
    seen = lc.Observed(states=[str(job.get("status"))], body=job)
    seen = lc.observe(
        client,
        f"/fine_tuning/jobs/{job['id']}",
        lc.FINE_TUNING,
        deadline=lc.deadline_s(config, FEATURE),
        fast=lc.is_reference(config),
        until=until,
        start=seen,
    )
    lc.reached_conformance(seen, lc.FINE_TUNING, until or lc.FINE_TUNING.terminal, operation=GET)
    return seen
