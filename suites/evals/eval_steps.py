"""Eval steps shared by the tests: the eval and run bodies, a run polled to its end, listing
output items, and reporting what a step found wrong.

The eval grades with one ``string_check`` criterion (``{{item.answer}}`` eq
``{{item.expected}}``) over ``jsonl`` rows given inline (``file_content``): no model is sampled,
so the verdict of every item is known in advance (``EXPECTED_COUNTS``) on any target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

check, report = lc.check, lc.report  # the tests' names for the shared helpers

FEATURE = "evals"
CREATE = "POST /evals"
LIST = "GET /evals"
RETRIEVE = "GET /evals/{eval_id}"
UPDATE = "POST /evals/{eval_id}"
DELETE = "DELETE /evals/{eval_id}"
CREATE_RUN = "POST /evals/{eval_id}/runs"
LIST_RUNS = "GET /evals/{eval_id}/runs"
GET_RUN = "GET /evals/{eval_id}/runs/{run_id}"
CANCEL_RUN = "POST /evals/{eval_id}/runs/{run_id}"
DELETE_RUN = "DELETE /evals/{eval_id}/runs/{run_id}"
LIST_ITEMS = "GET /evals/{eval_id}/runs/{run_id}/output_items"
GET_ITEM = "GET /evals/{eval_id}/runs/{run_id}/output_items/{output_item_id}"
RUN = lc.machine(FEATURE)

CRITERION = {
    "type": "string_check",
    "name": "exact answer",
    "input": "{{item.answer}}",
    "reference": "{{item.expected}}",
    "operation": "eq",
}
ITEM_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "expected": {"type": "string"}},
    "required": ["answer", "expected"],
}
#: Two rows pass the string check, one fails it.
ROWS = (
    {"answer": "4", "expected": "4"},
    {"answer": "Paris", "expected": "Paris"},
    {"answer": "blue", "expected": "red"},
)
EXPECTED_COUNTS = {"total": 3, "passed": 2, "failed": 1, "errored": 0}

#: ``new_eval(step="...", metadata=None) -> (eval, exchange)``.
NewEval = Callable[..., tuple[dict[str, Any], Any]]
#: ``new_run(eval_id) -> (run, exchange)`` (costly: DISABLED unless the run allows it).
NewRun = Callable[..., tuple[dict[str, Any], Any]]


def eval_body(config: RunConfig, step: str, metadata: Mapping[str, str] | None) -> dict[str, Any]:
    return {
        "name": f"{config.name_prefix}eval-{step}",
        "data_source_config": {
            "type": "custom",
            "item_schema": ITEM_SCHEMA,
            "include_sample_schema": False,
        },
        "testing_criteria": [CRITERION],
        "metadata": config.tag({"suite": "evals", "step": step, **(metadata or {})}),
    }


def run_body(config: RunConfig) -> dict[str, Any]:
    content = [{"item": dict(row)} for row in ROWS]
    return {
        "name": f"{config.name_prefix}run",
        "data_source": {"type": "jsonl", "source": {"type": "file_content", "content": content}},
        "metadata": config.tag({"suite": "evals"}),
    }


def run_path(run: Mapping[str, Any], eval_id: str) -> str:
    return f"/evals/{eval_id}/runs/{run.get('id')}"


def run_to_end(
    client: ConformanceClient, config: RunConfig, run: dict[str, Any], eval_id: str
) -> lc.Observed:
    """Poll a created run until it is terminal or the lifecycle deadline passes; judges
    nothing (the tests do: a shared fixture must not fail the tests that only read it)."""
    seen = lc.Observed(states=[str(run.get("status"))], body=run)
    return lc.observe(
        client,
        run_path(run, eval_id),
        RUN,
        deadline=lc.deadline_s(config, FEATURE),
        fast=lc.is_reference(config),
        start=seen,
    )


def completed(seen: lc.Observed) -> dict[str, Any]:
    """The finished run, after checking it completed (FAIL otherwise; DISABLED when a slow
    target was still progressing at the deadline)."""
    lc.reached_conformance(seen, RUN, {"completed"}, operation=GET_RUN)
    return seen.body


def list_output_items(
    client: ConformanceClient, run: Mapping[str, Any], eval_id: str
) -> tuple[dict[str, Any], Any]:
    """One page of up to 100 output items, oldest first (every test run has fewer)."""
    exchange = client.request(
        "GET", f"{run_path(run, eval_id)}/output_items", params={"limit": 100, "order": "asc"}
    )
    return assert_conforms(exchange, LIST_ITEMS), exchange
