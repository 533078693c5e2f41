"""Batch scenario steps: input files, a created batch (costly, cleaned up), a run to the end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

FEATURE = "batches"


def chat_input(config: RunConfig, n: int = 3) -> tuple[bytes, list[str]]:
    ids = [f"{config.name_prefix}chat-{i}" for i in range(n)]
    lines = [
        lc.chat_batch_line(cid, lc.model_for(config, "chat"), f"Say {i}.")
        for i, cid in enumerate(ids)
    ]
    return lc.jsonl(lines), ids


def embeddings_input(config: RunConfig, n: int = 2) -> tuple[bytes, list[str]]:
    ids = [f"{config.name_prefix}emb-{i}" for i in range(n)]
    lines = [
        lc.embeddings_batch_line(cid, lc.model_for(config, "embeddings"), f"text {i}")
        for i, cid in enumerate(ids)
    ]
    return lc.jsonl(lines), ids


def create_batch(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    config: RunConfig,
    data: bytes,
    endpoint: str = "/v1/chat/completions",
) -> tuple[dict[str, Any], Any]:
    """Upload ``data`` as a batch input and create the batch (registered for cancellation)."""
    lc.require_allowed(config, "costly", "creating a batch")
    upload = lc.upload_file(
        client, cleanup, data, purpose="batch", filename=f"{config.name_prefix}batch.jsonl"
    )
    payload = {
        "input_file_id": upload["id"],
        "endpoint": endpoint,
        "completion_window": "24h",
        "metadata": config.tag({"suite": "batches"}),
    }
    exchange = client.request("POST", "/batches", json=payload)
    body = lc.accepted(exchange, "POST /batches")
    batch_id = body["id"]
    lc.register_cancel(cleanup, client, "batch", f"/batches/{batch_id}", lc.BATCH, "batch")
    return dict(body), exchange


def run_to_end(client: ConformanceClient, config: RunConfig, batch: dict[str, Any]) -> lc.Observed:
    """Poll a created batch to a terminal state; raises Disabled when the profile says
    submit-only; FAILs when the deadline passes first."""
    from openai_conformance.checks.outcomes import Disabled

    if lc.submit_only(config, FEATURE):
        raise Disabled("the profile runs batches submit-only (initial states verified elsewhere)")
    seen = lc.Observed(states=[str(batch.get("status"))], body=batch)
    seen = lc.observe(
        client,
        f"/batches/{batch['id']}",
        lc.BATCH,
        deadline=lc.deadline_s(config, FEATURE),
        fast=lc.is_reference(config),
        start=seen,
    )
    lc.reached_conformance(seen, lc.BATCH, lc.BATCH.terminal, operation="GET /batches/{batch_id}")
    return seen


def output_lines(
    client: ConformanceClient, batch: dict[str, Any]
) -> list[tuple[str, int, Any, Any]]:
    """``(file kind, line number, parsed line, exchange)`` for the output and error files."""

    out = []
    for kind in ("output_file_id", "error_file_id"):
        file_id = batch.get(kind)
        if not file_id:
            continue
        exchange = client.request("GET", f"/files/{file_id}/content")
        assert_conforms(exchange, "GET /files/{file_id}/content")
        for number, row in lc.parse_jsonl(bytes(exchange.content)):
            out.append((kind, number, row, exchange))
    return out


@dataclass
class FinishedBatch:
    batch: dict[str, Any]
    seen: lc.Observed
    custom_ids: list[str]
