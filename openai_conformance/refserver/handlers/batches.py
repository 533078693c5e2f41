"""Batches: a JSONL input file run line by line against the server's own endpoints.

Lifecycle on the server clock (``lifecycle.Timeline``; seconds of simulated time)::

    validating (60) → in_progress (120) → finalizing (60) → completed
    validating (60) → failed                        input did not validate (errors.data[].line)
    validating | in_progress | finalizing → cancelling (30) → cancelled      POST .../cancel
    in_progress → expired at expires_at (24 h)      only with metadata {"oaic_simulate": "expire"}

The input is checked line by line when the batch is created, and the verdict is revealed when
``validating`` ends, as OpenAI does: a line that is not a JSON object, lacks ``custom_id`` /
``method`` / ``url`` / ``body``, repeats a ``custom_id``, uses a method other than POST or a url
other than the batch's ``endpoint`` fails the whole batch with one ``errors.data`` entry per
problem (with its 1-based ``line``). A wrong input purpose or an unknown file is a 400 at create.

During ``in_progress`` line *i* of *n* runs once the clock passes ``in_progress_at +
(i+1)/n * 120``, so ``request_counts`` grow as a poller watches. Each line's body is validated
against the endpoint's request schema and executed by the inference module's body function
(``chat_completion_body(state, body)``, ``embedding_body`` ...). A 200 result goes to the
output file, anything else to the error file, both ``batch_output`` files of lines
``{id, custom_id, response: {status_code, request_id, body}, error}``, written once the
batch reaches a terminal state.
"""

from __future__ import annotations

import inspect
import json
import secrets
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...contract.envelope import ApiError, invalid, not_found
from ...contract.requests import violation_error
from .. import webhooks
from ..context import Ctx, handles
from ..faults import declare
from ..store import new_id
from .files import ACCEPT_MALFORMED_JSONL, create_file, file_bytes, get_file
from .lifecycle import Timeline, records

if TYPE_CHECKING:
    from ..state import ServerState

KIND = "batch"
VALIDATING, IN_PROGRESS, FINALIZING, CANCELLING = 60.0, 120.0, 60.0, 30.0
WINDOW = 24 * 3600
TERMINAL = ("completed", "failed", "expired", "cancelled")
SIMULATE_KEY = "oaic_simulate"
# Terminal state -> the webhook event it sends (refserver/webhooks.py).
EVENTS = {
    "completed": "batch.completed",
    "failed": "batch.failed",
    "cancelled": "batch.cancelled",
    "expired": "batch.expired",
}

# Batch endpoint → (operation id, name of the body function an inference module exposes).
EXECUTORS = {
    "/v1/chat/completions": ("POST /chat/completions", "chat_completion_body"),
    "/v1/embeddings": ("POST /embeddings", "embedding_body"),
    "/v1/completions": ("POST /completions", "completion_body"),
    "/v1/responses": ("POST /responses", "response_body"),
    "/v1/moderations": ("POST /moderations", "moderation_body"),
}

OUTPUT_NO_CUSTOM_ID = declare(
    "batches-output-missing-custom-id",
    "Batch output lines lack custom_id.",
    "batches: every custom_id appears exactly once across output and error files",
    breaks=["batches/custom-id-once", "batches/output-lines-validate"],
)
GOES_BACKWARDS = declare(
    "batches-state-goes-backwards",
    "During the second half of finalizing the batch reports in_progress again.",
    "batches: only legal status transitions",
    breaks=["batches/legal-transitions"],
)
SKIP_TIMESTAMPS = declare(
    "batches-skip-timestamps",
    "The batch never reports in_progress_at or finalizing_at, although it passed those states.",
    "batches: timestamps appear as states are reached",
    breaks=["batches/timestamps"],
)
COUNTS_INCONSISTENT = declare(
    "batches-request-counts-inconsistent",
    "request_counts.total is one more than completed + failed once the batch is terminal.",
    "batches: request_counts total = completed + failed",
    breaks=["batches/request-counts"],
)
DUPLICATE_CUSTOM_ID = declare(
    "batches-duplicate-custom-id",
    "The first output line is written twice, so its custom_id appears twice.",
    "batches: every custom_id appears exactly once across output and error files",
    breaks=["batches/custom-id-once"],
)
CANCEL_IGNORED = declare(
    "batches-cancel-ignored",
    "POST /batches/{id}/cancel answers the batch but does not cancel it.",
    "batches: cancel moves the batch to cancelling then cancelled",
    breaks=["batches/cancel"],
)
ACCEPT_WRONG_PURPOSE = declare(
    "batches-accept-wrong-purpose",
    "POST /batches accepts an input file whose purpose is not batch.",
    "batches: input file must have purpose batch",
    breaks=["batches/input-purpose-enforced"],
)
ACCEPT_UNKNOWN_ENDPOINT = declare(
    "batches-accept-unknown-endpoint",
    "POST /batches creates a batch for an endpoint that does not exist instead of a 400 "
    "naming `endpoint`.",
    "batches/unknown-endpoint-rejected",
    breaks=["batches/unknown-endpoint-rejected"],
)
DROP_INVALID_LINE = declare(
    "batches-drop-invalid-line",
    "An input line lacking custom_id, method, url or body is skipped silently: it is neither "
    "in errors.data nor in the error file.",
    "batches/invalid-lines-reported",
    breaks=["batches/invalid-lines-reported"],
)


@dataclass
class BatchRun:
    """Private state of one batch: its plan, parsed lines and results."""

    timeline: Timeline
    lines: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    faults: frozenset[str]
    output_expires: int | None = None
    results: dict[int, dict[str, Any]] = field(default_factory=dict)  # line index → output line
    files_written: bool = False


def _runs(state: ServerState) -> dict[str, BatchRun]:
    return records(state, KIND)


def _problem(line: int | None, code: str, message: str, param: str | None = None) -> dict:
    return {"code": code, "message": message, "param": param, "line": line}


def validate_input(
    data: bytes, endpoint: str, faults: frozenset[str] = frozenset()
) -> tuple[list[dict[str, Any]], list[dict]]:
    """(requests, problems) of a batch input file; problems carry 1-based line numbers."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [], [_problem(None, "invalid_file_format", "The input file is not UTF-8 text.")]
    lines: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            if ACCEPT_MALFORMED_JSONL not in faults:
                problems.append(_problem(number, "invalid_json_line", f"Invalid JSON: {exc.msg}."))
            continue
        if not isinstance(item, dict):
            problems.append(_problem(number, "invalid_json_line", "A line must be an object."))
            continue
        missing = [k for k in ("custom_id", "method", "url", "body") if k not in item]
        if missing and DROP_INVALID_LINE in faults:
            continue
        if missing:
            message = f"Missing required parameter: {missing[0]!r}."
            problems.append(_problem(number, "missing_required_parameter", message, missing[0]))
            continue
        custom_id = item["custom_id"]
        if not isinstance(custom_id, str) or not custom_id:
            problems.append(_problem(number, "invalid_custom_id", "custom_id must be a string."))
            continue
        if custom_id in seen:
            message = f"custom_id {custom_id!r} already used on line {seen[custom_id]}."
            problems.append(_problem(number, "duplicate_custom_id", message, "custom_id"))
            continue
        seen[custom_id] = number
        if item["method"] != "POST":
            message = f"Invalid method {item['method']!r}: only POST is supported."
            problems.append(_problem(number, "invalid_method", message, "method"))
        elif item["url"] != endpoint:
            message = f"The url {item['url']!r} does not match the batch endpoint {endpoint!r}."
            problems.append(_problem(number, "mismatched_url", message, "url"))
        elif not isinstance(item["body"], dict):
            problems.append(_problem(number, "invalid_body", "body must be an object.", "body"))
        else:
            lines.append(item)
    if not lines and not problems:
        problems.append(_problem(None, "empty_file", "The input file contains no requests."))
    models = {str(item["body"].get("model")) for item in lines if "model" in item["body"]}
    if len(models) > 1:
        message = "All requests of a batch must use the same model; found " + ", ".join(
            sorted(models)
        )
        problems.append(_problem(None, "mismatched_model", message, "model"))
    return lines, problems


def _body_function(name: str) -> Any:
    """The inference module's body function (modules in handlers/ are all imported)."""
    for mod_name, module in list(sys.modules.items()):
        if mod_name.startswith(__package__ + ".") and module is not None:
            fn = getattr(module, name, None)
            if callable(fn):
                return fn
    return None


async def _execute(state: ServerState, endpoint: str, index: int, item: dict) -> dict:
    """Run one request line; the output-file line (status_code 200 or an error envelope)."""
    op_id, fn_name = EXECUTORS[endpoint]
    request_id = "req_" + secrets.token_hex(16)
    body = item["body"]
    status, payload = 200, None
    try:
        schema = state.spec.operation(op_id).request_content.get("application/json")
        violations = state.validator.validate(body, schema) if schema else []
        if violations:
            raise violation_error(violations[0])
        fn = _body_function(fn_name)
        if fn is None:
            raise ApiError(501, f"{endpoint} is not implemented by this server.")
        payload = fn(state, body)
        if inspect.isawaitable(payload):
            payload = await payload
    except ApiError as exc:
        status, payload = exc.status, exc.envelope()
    return {
        "id": "batch_req_" + secrets.token_hex(12),
        "custom_id": item["custom_id"],
        "response": {"status_code": status, "request_id": request_id, "body": payload},
        "error": None,
    }


def _write_files(state: ServerState, obj: dict[str, Any], run: BatchRun, now: int) -> None:
    ok = [r for _, r in sorted(run.results.items()) if r["response"]["status_code"] == 200]
    bad = [r for _, r in sorted(run.results.items()) if r["response"]["status_code"] != 200]
    if OUTPUT_NO_CUSTOM_ID in run.faults:
        ok = [{k: v for k, v in r.items() if k != "custom_id"} for r in ok]
    if DUPLICATE_CUSTOM_ID in run.faults and ok:
        ok = [ok[0], *ok]
    for key, rows, suffix in (("output_file_id", ok, "output"), ("error_file_id", bad, "error")):
        if rows:
            data = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode()
            name = f"{obj['id']}_{suffix}.jsonl"
            expires = run.output_expires + now if run.output_expires else None
            made = create_file(
                state, filename=name, purpose="batch_output", data=data, now=now, expires_at=expires
            )
            obj[key] = made["id"]
    run.files_written = True


async def _advance(state: ServerState, obj: dict[str, Any], run: BatchRun, now: float) -> None:
    """Execute the lines due at ``now`` and write files once a terminal state is reached."""
    tl = run.timeline
    started = tl.reached_at("in_progress", now)
    if started is not None:
        stopped = tl.reached_at("cancelling", now) or tl.reached_at("expired", now)
        horizon = min(now, stopped) if stopped is not None else now
        span = IN_PROGRESS if SIMULATE_KEY not in (obj.get("metadata") or {}) else 2 * WINDOW
        n = len(run.lines)
        for i, item in enumerate(run.lines):
            due = started + (i + 1) / n * span
            if due > horizon:
                break
            if i not in run.results:
                run.results[i] = await _execute(state, obj["endpoint"], i, item)
    if tl.state(now) in TERMINAL and not run.files_written:
        _write_files(state, obj, run, int(tl.entered(now)))


def _view(obj: dict[str, Any], run: BatchRun, now: float, faults: frozenset[str]) -> dict:
    """The Batch object as a client sees it at ``now``."""
    faults = faults | run.faults
    tl = run.timeline
    out = dict(obj)
    status = tl.state(now)
    late = now - tl.entered(now) > FINALIZING / 2
    if GOES_BACKWARDS in faults and status == "finalizing" and late:
        status = "in_progress"
    out["status"] = status
    for state_name, at in tl.reached(now):
        out[f"{state_name}_at"] = int(at)
    out.pop("validating_at", None)
    if SKIP_TIMESTAMPS in faults:
        out.pop("in_progress_at", None)
        out.pop("finalizing_at", None)
    if tl.reached_at("failed", now) is not None:
        out["errors"] = {"object": "list", "data": run.problems}
    total = len(run.lines) if status != "failed" else 0
    done = list(run.results.values())
    failed = sum(1 for r in done if r["response"]["status_code"] != 200)
    out["request_counts"] = {"total": total, "completed": len(done) - failed, "failed": failed}
    if COUNTS_INCONSISTENT in faults and status in TERMINAL:
        out["request_counts"]["total"] = len(done) + 1
    return out


async def _load(state: ServerState, batch_id: str, faults: frozenset[str]) -> dict[str, Any]:
    obj = state.store.get(KIND, batch_id)
    run = _runs(state).get(batch_id)
    if obj is None or run is None:
        raise not_found("batch", batch_id, "batch_id")
    # One clock reading for both: executing lines takes real time, and a view taken at a later
    # instant could report `completed` while lines due before it were never executed (a
    # terminal batch with short request_counts and no output file, seen under load in CI).
    now = state.clock.now()
    await _advance(state, obj, run, now)
    return _view(obj, run, now, faults)


@handles("POST /batches")
async def create(ctx: Ctx) -> dict[str, Any]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    endpoint = body["endpoint"]
    if endpoint not in EXECUTORS and not ctx.fault(ACCEPT_UNKNOWN_ENDPOINT):
        raise invalid(
            f"The endpoint {endpoint!r} is documented but not supported by this server for "
            f"batches; supported: {', '.join(EXECUTORS)}.",
            "endpoint",
            code="unsupported_endpoint",
        )
    file_obj = get_file(ctx.state, body["input_file_id"], "input_file_id")
    if file_obj["purpose"] != "batch" and not ctx.fault(ACCEPT_WRONG_PURPOSE):
        raise invalid(
            f"Invalid 'input_file_id': {file_obj['id']} has purpose {file_obj['purpose']!r}; "
            "a batch input file must be uploaded with purpose 'batch'.",
            "input_file_id",
            code="invalid_file_purpose",
        )
    lines, problems = validate_input(file_bytes(ctx.state, file_obj["id"]), endpoint, ctx.faults)
    now = ctx.now
    metadata = body.get("metadata") or None
    if problems:
        phases: list[tuple[str, float]] = [("validating", VALIDATING), ("failed", 0)]
    elif metadata and metadata.get(SIMULATE_KEY) == "expire":
        phases = [("validating", VALIDATING), ("in_progress", WINDOW - VALIDATING), ("expired", 0)]
    else:
        phases = [
            ("validating", VALIDATING),
            ("in_progress", IN_PROGRESS),
            ("finalizing", FINALIZING),
            ("completed", 0),
        ]
    obj: dict[str, Any] = {
        "id": new_id("batch_"),
        "object": "batch",
        "endpoint": endpoint,
        "input_file_id": file_obj["id"],
        "completion_window": body["completion_window"],
        "status": "validating",
        "created_at": now,
        "expires_at": now + WINDOW,
        "metadata": metadata,
    }
    models = [str(item["body"]["model"]) for item in lines if "model" in item["body"]]
    if models:
        obj["model"] = models[0]
    expires_after = body.get("output_expires_after") or {}
    run = BatchRun(
        timeline=Timeline.plan(now, phases),
        lines=lines,
        problems=problems,
        faults=ctx.faults,
        output_expires=expires_after.get("seconds"),
    )
    ctx.state.store.put(KIND, obj)
    _runs(ctx.state)[obj["id"]] = run
    probe = webhooks.terminal_probe(
        lambda t: run.timeline.state(t), lambda s, t: run.timeline.reached_at(s, t), EVENTS
    )
    webhooks.watch(ctx.state, obj["id"], probe, ctx.faults)
    return _view(obj, run, now, ctx.faults)


# The fault must reach the handler past request validation, which rejects the endpoint first.
create.oaic_unvalidated_faults = frozenset({ACCEPT_UNKNOWN_ENDPOINT})  # type: ignore[attr-defined]


@handles("GET /batches/{batch_id}")
async def retrieve(ctx: Ctx) -> dict[str, Any]:
    return await _load(ctx.state, ctx.path_params["batch_id"], ctx.faults)


@handles("POST /batches/{batch_id}/cancel")
async def cancel(ctx: Ctx) -> dict[str, Any]:
    batch_id = ctx.path_params["batch_id"]
    view = await _load(ctx.state, batch_id, ctx.faults)
    status = view["status"]
    if status in TERMINAL:
        raise invalid(
            f"Cannot cancel batch {batch_id}: its status is {status!r}.",
            "batch_id",
            code="invalid_batch_state",
        )
    if status == "cancelling" or ctx.fault(CANCEL_IGNORED):
        return view
    run = _runs(ctx.state)[batch_id]
    now = ctx.state.clock.now()
    run.timeline.replan(now, [("cancelling", CANCELLING), ("cancelled", 0)])
    return await _load(ctx.state, batch_id, ctx.faults)


@handles("GET /batches")
async def list_batches(ctx: Ctx) -> dict[str, Any]:
    state = ctx.state
    rows = [await _load(state, b["id"], ctx.faults) for b in state.store.all(KIND)]
    page = state.store.list_page(KIND, ctx.query, items=rows, default_limit=20, max_limit=100)
    return {k: v for k, v in page.items() if v is not None}
