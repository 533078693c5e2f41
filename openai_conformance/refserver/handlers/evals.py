"""Evals: ``/evals`` CRUD, eval runs with a clock-driven lifecycle, and their output items.

An eval stores its request (name, data_source_config, testing_criteria, metadata) and shows
the data source config as the contract's response shape (a custom config's ``item_schema``
becomes ``schema: {type: object, properties: {item: ...}}``). Lists default to ``order=asc``
as documented.

A run (``POST /evals/{eval_id}/runs``) reads its data items when created (``file_content``
rows, or the JSONL lines of a ``file_id`` source; an unknown file or rows that are not
``{item: {...}}`` objects make the run fail, as a run's data problems do) and
follows a ``lifecycle.Timeline`` on the server clock::

    queued (120 s) → in_progress (300 s) → completed | failed (data not JSONL of {item})
    queued | in_progress → canceled                      POST /evals/{eval_id}/runs/{run_id}

During ``in_progress`` item *i* of *n* is graded once the clock passes ``in_progress_at +
(i+1)/n * 300`` (``_evalgrade.grade``), so ``result_counts`` grow as a poller watches; an
output item exists for each graded item (``status`` pass|fail). A canceled run keeps what it
graded before the cancel. The run's terminal state sends ``eval.run.succeeded|failed|canceled``
to the configured webhook endpoints (refserver/webhooks.py).

The faults below each break one requirement of spec/requirements/evals.yaml (the scenario
suite suites/evals cites them).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...contract.envelope import ApiError, invalid, not_found
from .. import webhooks
from ..context import Ctx, handles
from ..faults import declare
from ..synth import Synth
from ._evalgrade import Grade, grade
from .files import file_bytes, get_file
from .lifecycle import Timeline, records

if TYPE_CHECKING:
    from ..state import ServerState

EVALS, RUNS = "eval", "eval.run"
QUEUED_S, IN_PROGRESS_S = 120.0, 300.0
TERMINAL = ("completed", "failed", "canceled")
EVENTS = {"completed": "eval.run.succeeded", "failed": "eval.run.failed"}
EVENTS["canceled"] = "eval.run.canceled"
MAX_ITEMS = 500

METADATA_DROPPED = declare(
    "evals-metadata-dropped",
    "POST /evals stores and returns empty metadata instead of the request's",
    "evals.create_echo_conformance",
    breaks=["evals/create-echoes"],
)
RETRIEVE_DRIFTS = declare(
    "evals-retrieve-name-drifts",
    "GET /evals/{id} answers a name other than the one the eval was created with",
    "evals.retrieve_matches_create_conformance",
    breaks=["evals/retrieve-matches-create"],
)
UPDATE_IGNORED = declare(
    "evals-update-ignored",
    "POST /evals/{id} answers the eval with its old metadata, unchanged",
    "evals.update_metadata_conformance",
    breaks=["evals/update-metadata"],
)
LIST_EMPTY = declare(
    "evals-list-data-empty",
    "GET /evals answers data: [] while first_id/last_id name existing evals (issue 14)",
    "pagination_walk_conformance, list_envelope_conformance",
    breaks=["evals/list-contains"],
)
DELETE_KEPT = declare(
    "evals-delete-kept",
    "DELETE /evals/{id} answers deleted: true but the eval stays retrievable",
    "evals.deleted_conformance",
    breaks=["evals/delete"],
)
RUN_WRONG_EVAL = declare(
    "evals-run-wrong-eval-id",
    "POST /evals/{id}/runs answers a run whose eval_id names another eval",
    "evals.run_create_conformance",
    breaks=["evals/run-create"],
)
GOES_BACKWARDS = declare(
    "evals-run-state-goes-backwards",
    "During the second half of in_progress the run reports queued again",
    "legal_transitions_conformance",
    breaks=["evals/run-lifecycle"],
)
COUNTS_INCONSISTENT = declare(
    "evals-run-counts-inconsistent",
    "result_counts.total is one more than passed + failed + errored",
    "evals.result_counts_conformance",
    breaks=["evals/run-result-counts"],
)
OUTPUT_ITEM_MISSING = declare(
    "evals-output-item-missing",
    "GET /evals/{id}/runs/{run_id}/output_items leaves out the last graded item",
    "evals.output_items_conformance",
    breaks=["evals/output-items"],
)
CANCEL_IGNORED = declare(
    "evals-run-cancel-ignored",
    "POST /evals/{id}/runs/{run_id} answers the run but does not cancel it",
    "lifecycle_reached_conformance (the run ends completed, not canceled)",
    breaks=["evals/run-cancel"],
)
RUN_DELETE_KEPT = declare(
    "evals-run-delete-kept",
    "DELETE /evals/{id}/runs/{run_id} answers deleted: true but the run stays retrievable",
    "evals.run_deleted_conformance",
    breaks=["evals/run-delete"],
)


@dataclass
class RunPlan:
    """A run's side record: its timeline, data items, grades and output item ids."""

    timeline: Timeline
    rows: list[dict[str, Any]]
    grades: list[Grade]
    item_ids: list[str]
    faults: frozenset[str]
    problem: str = ""
    canceled_at: float | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def graded(self, now: float) -> int:
        """How many items were graded by ``now`` (all once completed, none before in_progress)."""
        if self.problem:
            return 0
        until = self.canceled_at if self.canceled_at is not None else now
        started = self.timeline.reached_at("in_progress", until)
        if started is None:
            return 0
        if self.timeline.reached_at("completed", until) is not None:
            return len(self.rows)
        n = len(self.rows)
        return sum(1 for i in range(n) if until >= started + (i + 1) / n * IN_PROGRESS_S)

    def status(self, now: float) -> str:
        state = self.timeline.state(now)
        if GOES_BACKWARDS in self.faults and state == "in_progress":
            started = self.timeline.entered(now)
            if now >= started + IN_PROGRESS_S / 2:
                return "queued"
        return state


def _plans(state: ServerState) -> dict[str, RunPlan]:
    return records(state, RUNS)


def _synth(ctx: Ctx) -> Synth:
    return Synth(ctx.state.spec, now=lambda: float(ctx.now))


def _get_eval(state: ServerState, eval_id: str) -> dict[str, Any]:
    found = state.store.get(EVALS, eval_id)
    if found is None:
        raise not_found("eval", eval_id, "eval_id")
    return found


def _shown_config(config: dict[str, Any]) -> dict[str, Any]:
    """The response shape of a data source config (``EvalCustomDataSourceConfig`` ...)."""
    kind = config.get("type")
    if kind == "custom":
        props: dict[str, Any] = {"item": config.get("item_schema") or {}}
        if config.get("include_sample_schema"):
            props["sample"] = {"type": "object", "additionalProperties": True}
        schema = {"type": "object", "properties": props, "required": ["item"]}
        return {"type": "custom", "schema": schema}
    shown = {"type": kind, "schema": {"type": "object", "additionalProperties": True}}
    metadata = config.get("metadata")
    if isinstance(metadata, dict):  # a filter in the request; Metadata (strings) in the answer
        shown["metadata"] = {k: v for k, v in metadata.items() if isinstance(v, str)}
    return shown


# ---------------------------------------------------------------------------------- evals


@handles("POST /evals")
async def create_eval(ctx: Ctx) -> Any:
    body = ctx.body or {}
    record = {
        "object": "eval",
        "id": "eval_" + secrets.token_hex(16),
        "name": body.get("name") or "eval",
        "data_source_config": _shown_config(dict(body.get("data_source_config") or {})),
        "testing_criteria": list(body.get("testing_criteria") or []),
        "created_at": ctx.now,
        "metadata": {} if ctx.fault(METADATA_DROPPED) else body.get("metadata") or {},
    }
    schema = {"$ref": "#/components/schemas/Eval"}
    rendered = _synth(ctx).render(record, schema)
    ctx.state.store.put(EVALS, rendered)
    return ctx.respond(rendered, status=201)


@handles("GET /evals/{eval_id}")
async def retrieve_eval(ctx: Ctx) -> Any:
    found = _get_eval(ctx.state, ctx.path_params["eval_id"])
    if ctx.fault(RETRIEVE_DRIFTS):
        return {**found, "name": found["name"] + " (renamed)"}
    return found


@handles("POST /evals/{eval_id}")
async def update_eval(ctx: Ctx) -> Any:
    found = _get_eval(ctx.state, ctx.path_params["eval_id"])
    body = ctx.body or {}
    if ctx.fault(UPDATE_IGNORED):
        return found
    with ctx.state.lock:
        if "metadata" in body:
            found["metadata"] = body.get("metadata") or {}
        if isinstance(body.get("name"), str):
            found["name"] = body["name"]
    return found


@handles("GET /evals")
async def list_evals(ctx: Ctx) -> Any:
    page = ctx.state.store.list_page(EVALS, ctx.query, default_order="asc")
    if ctx.fault(LIST_EMPTY):
        page["data"] = []
    return page


@handles("DELETE /evals/{eval_id}")
async def delete_eval(ctx: Ctx) -> Any:
    eval_id = ctx.path_params["eval_id"]
    _get_eval(ctx.state, eval_id)
    if not ctx.fault(DELETE_KEPT):
        for run in ctx.state.store.all(RUNS, eval_id):
            ctx.state.store.delete_children(run["id"])
        ctx.state.store.delete(EVALS, eval_id)
        ctx.state.store.delete_children(eval_id)
    return {"object": "eval.deleted", "deleted": True, "eval_id": eval_id}


# ---------------------------------------------------------------------------------- runs


def _rows(ctx: Ctx, source: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The data rows ``{item, sample}`` of a run's source, and why they are unusable ('' ok)."""
    if source.get("type") == "file_id":
        file_id = str(source.get("id") or "")
        try:
            get_file(ctx.state, file_id, "data_source.source.id")
        except ApiError:
            # Read when the run starts, as a run's data is: the run fails, the create stands.
            return [], f"no file found with id {file_id!r}"
        rows: list[Any] = []
        for number, line in enumerate(file_bytes(ctx.state, file_id).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError):
                return [], f"line {number} of {file_id} is not valid JSON"
    else:
        rows = list(source.get("content") or [])
    usable = [r for r in rows if isinstance(r, dict) and isinstance(r.get("item"), dict)]
    if len(usable) != len(rows):
        return [], "every data row must be an object with an 'item' object"
    if len(usable) > MAX_ITEMS:
        raise invalid(f"At most {MAX_ITEMS} data items per run.", "data_source")
    return usable, ""


def _run_view(ctx: Ctx, run: dict[str, Any], plan: RunPlan) -> dict[str, Any]:
    now = float(ctx.state.clock.now())
    status = plan.status(now)
    done = plan.graded(now)
    grades = plan.grades[:done]
    counts = {
        "total": done,
        "errored": sum(g.outcome == "errored" for g in grades),
        "failed": sum(g.outcome == "failed" for g in grades),
        "passed": sum(g.outcome == "passed" for g in grades),
    }
    if COUNTS_INCONSISTENT in plan.faults and status in TERMINAL:
        counts["total"] += 1
    per_criterion: dict[str, dict[str, int]] = {}
    for g in grades:
        for r in g.results:
            slot = per_criterion.setdefault(r["name"], {"passed": 0, "failed": 0})
            slot["passed" if r["passed"] else "failed"] += 1
    error = {"code": "", "message": ""}
    if status == "failed":
        error = {"code": "invalid_data_source", "message": plan.problem}
    return {
        **run,
        "status": status,
        "result_counts": counts,
        "per_testing_criteria_results": [
            {"testing_criteria": name, **slot} for name, slot in per_criterion.items()
        ],
        "error": error,
    }


def _get_run(ctx: Ctx) -> tuple[dict[str, Any], RunPlan]:
    eval_id, run_id = ctx.path_params["eval_id"], ctx.path_params["run_id"]
    _get_eval(ctx.state, eval_id)
    run = ctx.state.store.get(RUNS, run_id, eval_id)
    plan = _plans(ctx.state).get(run_id)
    if run is None or plan is None:
        raise not_found("eval run", run_id, "run_id")
    return run, plan


@handles("POST /evals/{eval_id}/runs")
async def create_run(ctx: Ctx) -> Any:
    eval_id = ctx.path_params["eval_id"]
    found = _get_eval(ctx.state, eval_id)
    body = ctx.body or {}
    data_source = dict(body.get("data_source") or {})
    rows, problem = _rows(ctx, dict(data_source.get("source") or {}))
    now = ctx.now
    run_id = "evalrun_" + secrets.token_hex(16)
    criteria = list(found.get("testing_criteria") or [])
    grades = [grade(criteria, r["item"], r.get("sample") or {}) for r in rows]
    phases: list[tuple[str, float]] = [("queued", QUEUED_S)]
    phases += [("failed", 0)] if problem else [("in_progress", IN_PROGRESS_S), ("completed", 0)]
    plan = RunPlan(
        timeline=Timeline.plan(now, phases),
        rows=rows,
        grades=grades,
        item_ids=["outputitem_" + secrets.token_hex(16) for _ in rows],
        faults=ctx.faults,
        problem=problem,
    )
    model = data_source.get("model")
    run: dict[str, Any] = {
        "object": "eval.run",
        "id": run_id,
        "eval_id": eval_id,
        "name": body.get("name") or f"run {run_id[-6:]}",
        "model": model if isinstance(model, str) else "",
        "created_at": now,
        "report_url": f"https://platform.openai.com/evaluation/evals/{eval_id}?run_id={run_id}",
        "per_model_usage": [],
        "data_source": data_source,
        "metadata": body.get("metadata") or {},
    }
    ctx.state.store.put(RUNS, run, eval_id)
    _plans(ctx.state)[run_id] = plan
    probe = webhooks.terminal_probe(
        lambda t: plan.timeline.state(t), lambda s, t: plan.timeline.reached_at(s, t), EVENTS
    )
    webhooks.watch(ctx.state, run_id, probe, ctx.faults)
    view = _run_view(ctx, run, plan)
    if ctx.fault(RUN_WRONG_EVAL):  # the answer only: the stored run names its eval
        view["eval_id"] = "eval_" + secrets.token_hex(16)
    return ctx.respond(view, status=201)


@handles("GET /evals/{eval_id}/runs/{run_id}")
async def retrieve_run(ctx: Ctx) -> Any:
    return _run_view(ctx, *_get_run(ctx))


@handles("GET /evals/{eval_id}/runs")
async def list_runs(ctx: Ctx) -> Any:
    eval_id = ctx.path_params["eval_id"]
    _get_eval(ctx.state, eval_id)
    plans = _plans(ctx.state)
    rows = [
        _run_view(ctx, run, plans[run["id"]])
        for run in ctx.state.store.all(RUNS, eval_id)
        if run["id"] in plans
    ]
    wanted = ctx.query.get("status")
    rows = [r for r in rows if not wanted or r["status"] == wanted]
    query = {k: v for k, v in ctx.query.items() if k != "status"}
    return ctx.state.store.list_page(RUNS, query, eval_id, default_order="asc", items=rows)


@handles("POST /evals/{eval_id}/runs/{run_id}")
async def cancel_run(ctx: Ctx) -> Any:
    run, plan = _get_run(ctx)
    now = float(ctx.state.clock.now())
    if plan.timeline.state(now) not in TERMINAL and not ctx.fault(CANCEL_IGNORED):
        plan.timeline.replan(now, [("canceled", 0)])
        plan.canceled_at = now
    return _run_view(ctx, run, plan)


@handles("DELETE /evals/{eval_id}/runs/{run_id}")
async def delete_run(ctx: Ctx) -> Any:
    run, _ = _get_run(ctx)
    if not ctx.fault(RUN_DELETE_KEPT):
        ctx.state.store.delete(RUNS, run["id"], ctx.path_params["eval_id"])
        _plans(ctx.state).pop(run["id"], None)
    return {"object": "eval.run.deleted", "deleted": True, "run_id": run["id"]}


# ---------------------------------------------------------------------------- output items


def _output_items(ctx: Ctx, run: dict[str, Any], plan: RunPlan) -> list[dict[str, Any]]:
    done = plan.graded(float(ctx.state.clock.now()))
    started = plan.timeline.reached_at("in_progress", float(ctx.state.clock.now())) or 0.0
    n = max(1, len(plan.rows))
    synth = _synth(ctx)
    schema = {"$ref": "#/components/schemas/EvalRunOutputItem"}
    items = []
    for i in range(done):
        cached = plan.cache.get(plan.item_ids[i])
        if cached is None:
            row, g = plan.rows[i], plan.grades[i]
            usage = {"total_tokens": 0, "completion_tokens": 0, "prompt_tokens": 0}
            record = {
                "object": "eval.run.output_item",
                "id": plan.item_ids[i],
                "run_id": run["id"],
                "eval_id": run["eval_id"],
                "created_at": int(started + (i + 1) / n * IN_PROGRESS_S),
                "status": "pass" if g.outcome == "passed" else "fail",
                "datasource_item_id": i,
                "datasource_item": row["item"],
                "results": g.results,
                "sample": {
                    "input": [],
                    "output": [],
                    "finish_reason": "",
                    "model": run.get("model") or "",
                    "usage": {**usage, "cached_tokens": 0},
                    "error": {"code": "grader_error" if g.error else "", "message": g.error},
                    "temperature": 1.0,
                    "max_completion_tokens": 0,
                    "top_p": 1.0,
                    "seed": 0,
                },
            }
            cached = plan.cache[plan.item_ids[i]] = synth.render(record, schema)
        items.append(cached)
    return items


@handles("GET /evals/{eval_id}/runs/{run_id}/output_items")
async def list_output_items(ctx: Ctx) -> Any:
    run, plan = _get_run(ctx)
    items = _output_items(ctx, run, plan)
    if ctx.fault(OUTPUT_ITEM_MISSING) and items:
        items = items[:-1]
    wanted = ctx.query.get("status")
    items = [i for i in items if not wanted or i["status"] == wanted]
    query = {k: v for k, v in ctx.query.items() if k != "status"}
    return ctx.state.store.list_page(RUNS, query, default_order="asc", items=items)


@handles("GET /evals/{eval_id}/runs/{run_id}/output_items/{output_item_id}")
async def retrieve_output_item(ctx: Ctx) -> Any:
    run, plan = _get_run(ctx)
    wanted = ctx.path_params["output_item_id"]
    for item in _output_items(ctx, run, plan):
        if item["id"] == wanted:
            return item
    raise not_found("output item", wanted, "output_item_id")
