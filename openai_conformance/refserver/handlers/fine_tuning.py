"""Fine-tuning jobs on the server clock: validation, queue, training, checkpoints, result files.

Lifecycle (``lifecycle.Timeline``, simulated seconds)::

    validating_files (30) → queued (30) → running (1500) → succeeded
    validating_files (30) → failed                 training/validation file content invalid
    running ⇄ paused                               POST .../pause, POST .../resume
    any non-terminal state → cancelled             POST .../cancel

Create-time refusals are 400 envelopes naming the parameter: unknown or non-fine-tunable base
model (``param: model``, ``code: model_not_available``), unknown file or a file whose purpose is
not ``fine-tune`` (``param: training_file`` / ``validation_file``). The *content* of the training
file is judged while ``validating_files``, and a bad file fails the job with ``error`` populated
(``code: invalid_training_file``, ``param: training_file``), which is how OpenAI reports format
problems (the job object's ``error`` field: "For fine-tuning jobs that have failed, this will
contain more information on the cause of the failure"); what makes a file usable is
``fine_tuning_data.py``. Checkpoint permissions are ``fine_tuning_permissions.py``.

On success: ``fine_tuned_model`` = ``ft:<base>:<org>:<suffix>:<job id tail>`` is registered in
``GET /models`` (``handlers/models.py``), ``result_files`` holds a real CSV of step metrics,
``trained_tokens`` counts the words of the training examples times the epochs. One checkpoint
per epoch (last three kept) is created while running, and one event per state change.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...contract.envelope import invalid, not_found
from ...contract.schemautil import object_shape
from .. import webhooks
from ..context import Ctx, handles
from ..faults import declare
from ..store import new_id
from ..synth import Synth
from .files import create_file, file_bytes, get_file
from .fine_tuning_data import check_training_data
from .lifecycle import Timeline, records, refresh_all, register_refresher

if TYPE_CHECKING:
    from ..state import ServerState

KIND = "fine_tuning.job"
ORG = "openai-conformance"
# `running` is long enough (1.5 s at the tests' 1000x clock) that a poller which has just seen
# it can still pause or cancel the job on a loaded 2-core machine; a shorter span made the
# cancel and pause scenarios race the clock.
VALIDATING, QUEUED, RUNNING = 30.0, 30.0, 1500.0
TERMINAL = ("succeeded", "failed", "cancelled")
# Terminal state -> the webhook event it sends (refserver/webhooks.py).
EVENTS = {
    "succeeded": "fine_tuning.job.succeeded",
    "failed": "fine_tuning.job.failed",
    "cancelled": "fine_tuning.job.cancelled",
}
BASE_MODELS = (
    "ref-chat",
    "ref-chat-mini",
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1-mini",
    "gpt-3.5-turbo",
    "babbage-002",
    "davinci-002",
)
MESSAGES = {
    "validating_files": "Validating training file: {training_file}",
    "queued": "Fine-tuning job queued",
    "running": "Fine-tuning job started",
    "paused": "Fine-tuning job paused",
    "succeeded": "The job has successfully completed",
    "failed": "The job failed",
    "cancelled": "The job was cancelled",
}

CANCEL_IGNORED = declare(
    "fine-tuning-cancel-ignored",
    "POST /fine_tuning/jobs/{id}/cancel answers the job but does not cancel it.",
    "fine_tuning/cancel",
    breaks=["fine_tuning/cancel"],
)
GOES_BACKWARDS = declare(
    "fine-tuning-state-goes-backwards",
    "During the second half of running the job reports queued again.",
    "fine_tuning: only legal status transitions",
    breaks=["fine_tuning/legal-transitions"],
)
MODEL_NOT_LISTED = declare(
    "fine-tuning-model-not-listed",
    "A succeeded job's fine_tuned_model never appears in GET /models.",
    "fine_tuning: fine-tuned model visible in /models",
    breaks=["fine_tuning/model-deletable", "fine_tuning/model-listed"],
)
EVENTS_UNORDERED = declare(
    "fine-tuning-events-unordered",
    "GET .../events swaps the first two events of each page (not newest first).",
    "fine_tuning: events are ordered newest first",
    breaks=["fine_tuning/events"],
)
NO_ERROR = declare(
    "fine-tuning-no-error-on-failure",
    "A failed job reports error: null.",
    "fine_tuning: a failed job has error populated",
    breaks=["fine_tuning/failure-has-error"],
)
PAUSE_IGNORED = declare(
    "fine-tuning-pause-ignored",
    "POST .../pause answers the job but leaves it running.",
    "fine_tuning: pause moves a running job to paused",
    breaks=["fine_tuning/pause-resume"],
)
NO_TRAINED_TOKENS = declare(
    "fine-tuning-success-fields-missing",
    "A succeeded job reports trained_tokens: null.",
    "fine_tuning/success-fields",
    breaks=["fine_tuning/success-fields"],
)
RESULT_FILE_EMPTY = declare(
    "fine-tuning-result-file-empty",
    "A succeeded job's result file is written with no content (0 bytes).",
    "fine_tuning/result-files",
    breaks=["fine_tuning/result-files"],
)
FOREIGN_CHECKPOINTS = declare(
    "fine-tuning-checkpoints-foreign-job",
    "GET .../checkpoints answers checkpoints whose fine_tuning_job_id names another job.",
    "fine_tuning/checkpoints",
    breaks=["fine_tuning/checkpoints"],
)
ACCEPT_UNKNOWN_MODEL = declare(
    "fine-tuning-accept-unknown-model",
    "POST /fine_tuning/jobs creates a job on a base model that does not exist.",
    "fine_tuning/unknown-model-rejected",
    breaks=["fine_tuning/unknown-model-rejected"],
)


@dataclass
class JobRun:
    timeline: Timeline
    faults: frozenset[str]
    epochs: int
    examples: int
    tokens: int
    error: dict[str, Any] | None = None
    saved_plan: list[tuple[str, float]] = field(default_factory=list)  # to resume a pause
    finished: bool = False


def runs(state: ServerState) -> dict[str, JobRun]:
    return records(state, KIND)


def _file_param(ctx: Ctx, file_id: Any, param: str) -> dict[str, Any]:
    obj = ctx.state.store.get("file", str(file_id))
    if obj is None:
        raise invalid(f"Invalid file '{file_id}': no such file.", param, code="invalid_file")
    if obj["purpose"] != "fine-tune":
        raise invalid(
            f"File {file_id} has purpose {obj['purpose']!r}; expected 'fine-tune'.",
            param,
            code="invalid_file_purpose",
        )
    return get_file(ctx.state, str(file_id), param)


def _hyperparameters(body: dict[str, Any], method: dict[str, Any]) -> dict[str, Any]:
    given = dict(body.get("hyperparameters") or {})
    given.update((method.get(method["type"]) or {}).get("hyperparameters") or {})
    resolved = {
        "batch_size": given.get("batch_size", "auto"),
        "learning_rate_multiplier": given.get("learning_rate_multiplier", "auto"),
        "n_epochs": given.get("n_epochs", "auto"),
    }
    defaults = {"batch_size": 1, "learning_rate_multiplier": 1.8, "n_epochs": 3}
    # null is allowed where the request schema says nullable: the default applies, like "auto"
    return {k: defaults[k] if v in ("auto", None) else v for k, v in resolved.items()}


def _running_marks(tl: Timeline, now: float, fractions: list[float]) -> list[float | None]:
    """Clock times at which training progress (time spent running) reached each fraction."""
    out: list[float | None] = []
    segments = []
    reached = tl.reached(now)
    for i, (state, at) in enumerate(reached):
        if state == "running":
            end = reached[i + 1][1] if i + 1 < len(reached) else now
            segments.append((at, end))
    for frac in fractions:
        need, found = frac * RUNNING, None
        for start, end in segments:
            if end - start >= need:
                found = start + need
                break
            need -= end - start
        out.append(found)
    return out


def checkpoints(job: dict[str, Any], run: JobRun, now: float) -> list[dict[str, Any]]:
    steps_per_epoch = max(1, run.examples // int(job["hyperparameters"]["batch_size"] or 1))
    marks = _running_marks(run.timeline, now, [(e + 1) / run.epochs for e in range(run.epochs)])
    out = []
    for epoch, at in enumerate(marks, start=1):
        if at is None:
            break
        step = epoch * steps_per_epoch
        out.append(
            {
                "id": f"ftckpt_{job['id'][8:]}{step:06d}",
                "object": "fine_tuning.job.checkpoint",
                "created_at": int(at),
                "fine_tuned_model_checkpoint": f"{_model_name(job)}:ckpt-step-{step}",
                "fine_tuning_job_id": job["id"],
                "step_number": step,
                "metrics": {"step": step, "train_loss": round(1.5 / (epoch + 1), 4)},
            }
        )
    return out[-3:]


def _model_name(job: dict[str, Any]) -> str:
    # The suffix is free text in the contract; the model id it becomes is a URL path segment,
    # so anything outside [a-z0-9-] is folded to "-" (a suffix with a newline must not make a
    # model that no GET /models/{model} can name).
    suffix = re.sub(r"[^a-z0-9-]+", "-", str(job.get("suffix") or "").lower()).strip("-")
    return f"ft:{job['model']}:{ORG}:{suffix}:{job['id'][8:16]}"


def _materialise(state: ServerState, job: dict[str, Any], run: JobRun) -> None:
    """Side effects of reaching a terminal state, once: result file and model registration."""
    now = state.clock.now()
    status = run.timeline.state(now)
    if status not in TERMINAL or run.finished:
        return
    run.finished = True
    job["finished_at"] = int(run.timeline.entered(now))
    if status != "succeeded":
        return
    rows = ["step,train_loss,train_mean_token_accuracy"]
    for ckpt in checkpoints(job, run, now):
        loss = ckpt["metrics"]["train_loss"]
        rows.append(f"{ckpt['step_number']},{loss},{round(1 - loss / 3, 4)}")
    made = create_file(
        state,
        filename="step_metrics.csv",
        purpose="fine-tune-results",
        data=b"" if RESULT_FILE_EMPTY in run.faults else ("\n".join(rows) + "\n").encode(),
        now=job["finished_at"],
    )
    job["result_files"] = [made["id"]]
    job["trained_tokens"] = None if NO_TRAINED_TOKENS in run.faults else run.tokens * run.epochs
    job["fine_tuned_model"] = _model_name(job)
    if MODEL_NOT_LISTED not in run.faults:
        from .models import register_model

        register_model(state, job["fine_tuned_model"], ORG)


def _refresh(state: ServerState) -> None:
    for job in state.store.all(KIND):
        run = runs(state).get(job["id"])
        if run is not None:
            _materialise(state, job, run)


def _view(job: dict[str, Any], run: JobRun, now: float, faults: frozenset[str]) -> dict:
    faults = faults | run.faults
    out = dict(job)
    out.pop("suffix", None)
    status = run.timeline.state(now)
    late = now - run.timeline.entered(now) > RUNNING / 2
    if GOES_BACKWARDS in faults and status == "running" and late:
        status = "queued"
    out["status"] = status
    if status == "failed":
        out["error"] = None if NO_ERROR in faults else run.error
    if status in ("queued", "running"):
        nxt = run.timeline.next_change(now)
        out["estimated_finish"] = int(nxt) if nxt else None
    return out


def _load(ctx: Ctx) -> tuple[dict[str, Any], JobRun]:
    job_id = ctx.path_params["fine_tuning_job_id"]
    job = ctx.state.store.get(KIND, job_id)
    run = runs(ctx.state).get(job_id)
    if job is None or run is None:
        raise not_found("fine-tuning job", job_id, "fine_tuning_job_id")
    _materialise(ctx.state, job, run)
    return job, run


JOB_SCHEMA = {"$ref": "#/components/schemas/FineTuningJob"}
MAX_INTEGRATIONS = 5


@handles("POST /fine_tuning/jobs")
async def create(ctx: Ctx) -> dict[str, Any]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    model = str(body.get("model"))
    known = model in BASE_MODELS or (
        model.startswith("ft:") and any(m["id"] == model for m in ctx.state.models)
    )
    if not known and not ctx.fault(ACCEPT_UNKNOWN_MODEL):
        raise invalid(
            f"Model {model} is not available for fine-tuning or does not exist.",
            "model",
            code="model_not_available",
        )
    training = _file_param(ctx, body["training_file"], "training_file")
    validation = body.get("validation_file")
    if validation:
        _file_param(ctx, validation, "validation_file")
    method = dict(body.get("method") or {"type": "supervised"})
    if not isinstance(method.get(method["type"]), dict):  # absent or null: no settings
        method[method["type"]] = {}
    hyper = _hyperparameters(body, method)
    method[method["type"]] = {**method[method["type"]], "hyperparameters": hyper}
    problem, examples, words = check_training_data(
        file_bytes(ctx.state, training["id"]), method["type"]
    )
    if problem is None and validation:
        vproblem = check_training_data(file_bytes(ctx.state, validation), method["type"])[0]
        if vproblem:
            problem = "validation file: " + vproblem
    now = ctx.now
    job_id = new_id("ftjob-")
    seed = body.get("seed")
    if seed is None:
        seed = int(hashlib.sha256(job_id.encode()).hexdigest()[:7], 16)
    job: dict[str, Any] = {
        "id": job_id,
        "object": "fine_tuning.job",
        "created_at": now,
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "hyperparameters": hyper,
        "model": model,
        "organization_id": "org-" + ORG,
        "result_files": [],
        "status": "validating_files",
        "trained_tokens": None,
        "training_file": training["id"],
        "validation_file": validation or None,
        "integrations": body.get("integrations") or None,
        "seed": seed,
        "estimated_finish": None,
        "method": method,
        "metadata": body.get("metadata") or None,
        "suffix": body.get("suffix"),
    }
    # Echoed request parts (method, integrations) are shaped by the request schema, which is
    # looser than the job's (a reinforcement job reports its grader, a W&B integration its
    # project): render those parts through the job's schema so what is stored is valid.
    props = object_shape(ctx.state.spec, JOB_SCHEMA)["properties"]
    synth = Synth(ctx.state.spec, now=ctx.state.clock.now)
    if job["integrations"]:  # the job object lists at most 5 (FineTuningJob maxItems)
        job["integrations"] = job["integrations"][:MAX_INTEGRATIONS]
    for key in ("method", "integrations"):
        if job[key] is not None:
            job[key] = synth.render(job[key], props[key])
    if problem:
        phases: list[tuple[str, float]] = [("validating_files", VALIDATING), ("failed", 0)]
    else:
        phases = [
            ("validating_files", VALIDATING),
            ("queued", QUEUED),
            ("running", RUNNING),
            ("succeeded", 0),
        ]
    param = "validation_file" if problem and problem.startswith("validation") else "training_file"
    error = {"code": "invalid_training_file", "message": problem, "param": param}
    run = JobRun(
        timeline=Timeline.plan(now, phases),
        faults=ctx.faults,
        epochs=int(hyper["n_epochs"]),
        examples=examples,
        tokens=words,
        error=error if problem else None,
    )
    ctx.state.store.put(KIND, job)
    runs(ctx.state)[job_id] = run
    register_refresher(ctx.state, "fine_tuning", _refresh)
    probe = webhooks.terminal_probe(
        lambda t: run.timeline.state(t), lambda s, t: run.timeline.reached_at(s, t), EVENTS
    )
    webhooks.watch(ctx.state, job_id, probe, ctx.faults)
    return _view(job, run, now, ctx.faults)


@handles("GET /fine_tuning/jobs/{fine_tuning_job_id}")
async def retrieve(ctx: Ctx) -> dict[str, Any]:
    job, run = _load(ctx)
    return _view(job, run, ctx.state.clock.now(), ctx.faults)


@handles("GET /fine_tuning/jobs")
async def list_jobs(ctx: Ctx) -> dict[str, Any]:
    refresh_all(ctx.state)
    now = ctx.state.clock.now()
    job_runs = runs(ctx.state)
    wanted = ctx.query.get("metadata") or {}
    rows = [
        _view(j, job_runs[j["id"]], now, ctx.faults)
        for j in ctx.state.store.all(KIND)
        if all((j.get("metadata") or {}).get(k) == v for k, v in dict(wanted).items())
    ]
    page = ctx.state.store.list_page(KIND, ctx.query, items=rows, max_limit=100)
    return {"object": "list", "data": page["data"], "has_more": page["has_more"]}


@handles("POST /fine_tuning/jobs/{fine_tuning_job_id}/cancel")
async def cancel(ctx: Ctx) -> dict[str, Any]:
    job, run = _load(ctx)
    now = ctx.state.clock.now()
    status = run.timeline.state(now)
    if status in TERMINAL:
        raise invalid(f"Cannot cancel a job with status {status!r}.", "fine_tuning_job_id")
    if not ctx.fault(CANCEL_IGNORED):
        run.timeline.replan(now, [("cancelled", 0)])
    _materialise(ctx.state, job, run)
    return _view(job, run, now, ctx.faults)


@handles("POST /fine_tuning/jobs/{fine_tuning_job_id}/pause")
async def pause(ctx: Ctx) -> dict[str, Any]:
    job, run = _load(ctx)
    now = ctx.state.clock.now()
    status = run.timeline.state(now)
    if status != "running":
        raise invalid(
            f"Only a running job can be paused; this one is {status!r}.", "fine_tuning_job_id"
        )
    if not ctx.fault(PAUSE_IGNORED):
        run.saved_plan = run.timeline.remaining(now)
        run.timeline.replan(now, [("paused", 0)])
    return _view(job, run, now, ctx.faults)


@handles("POST /fine_tuning/jobs/{fine_tuning_job_id}/resume")
async def resume(ctx: Ctx) -> dict[str, Any]:
    job, run = _load(ctx)
    now = ctx.state.clock.now()
    status = run.timeline.state(now)
    if status != "paused":
        raise invalid(
            f"Only a paused job can be resumed; this one is {status!r}.", "fine_tuning_job_id"
        )
    run.timeline.replan(now, run.saved_plan or [("running", RUNNING), ("succeeded", 0)])
    return _view(job, run, now, ctx.faults)


def _events(job: dict[str, Any], run: JobRun, now: float) -> list[dict[str, Any]]:
    """One event per state reached, oldest first."""
    out = []
    for index, (state, at) in enumerate(run.timeline.reached(now)):
        message = MESSAGES[state].format(training_file=job["training_file"])
        if state == "running" and index and run.timeline.entries[index - 1][0] == "paused":
            message = "Fine-tuning job resumed"
        level = "error" if state == "failed" else "info"
        if state == "failed" and run.error:
            message = f"{message}: {run.error['message']}"
        out.append(
            {
                "id": f"ftevent-{job['id'][6:]}-{index:04d}",
                "object": "fine_tuning.job.event",
                "created_at": int(at),
                "level": level,
                "message": message,
                "type": "message",
                "data": {"status": state},
            }
        )
    return out


@handles("GET /fine_tuning/jobs/{fine_tuning_job_id}/events")
async def list_events(ctx: Ctx) -> dict[str, Any]:
    job, run = _load(ctx)
    rows = _events(job, run, ctx.state.clock.now())
    page = ctx.state.store.list_page("", ctx.query, items=rows, max_limit=100)
    data = page["data"]
    if (ctx.fault(EVENTS_UNORDERED) or EVENTS_UNORDERED in run.faults) and len(data) > 1:
        data = [data[1], data[0], *data[2:]]
    return {"object": "list", "data": data, "has_more": page["has_more"]}


@handles("GET /fine_tuning/jobs/{fine_tuning_job_id}/checkpoints")
async def listcheckpoints(ctx: Ctx) -> dict[str, Any]:
    job, run = _load(ctx)
    rows = checkpoints(job, run, ctx.state.clock.now())
    if ctx.fault(FOREIGN_CHECKPOINTS):
        other = next((j["id"] for j in ctx.state.store.all(KIND) if j["id"] != job["id"]), None)
        rows = [{**c, "fine_tuning_job_id": other or new_id("ftjob-")} for c in rows]
    return ctx.state.store.list_page("", ctx.query, items=rows, default_limit=10, max_limit=100)
