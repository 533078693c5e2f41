"""Shape schema-valid generated requests for a real target (the positive phase).

A generated case is valid against the schema but not realistic: random model names, token
limits in the millions, ``stream: true``, ids of objects that do not exist, cursors that point
nowhere. ``shape_body`` and ``shape_query`` rewrite those fields from the ``ShapingContext``:

* ``model`` → the profile's model for the operation's role (``roles.model_role``);
* ``max_tokens`` / ``max_completion_tokens`` / ``max_output_tokens`` → ``token_cap`` (and the
  first declared one is *added* when absent, so a paid target never generates unbounded text);
  ``n`` / ``best_of`` → 1;
* ``stream`` / ``stream_options`` / ``background`` dropped (streams belong to scenario suites),
  in a query too (``GET /responses/{id}?stream=true&starting_after=N`` resumes the stream of a
  streamed background response; any other response answers it with a 400);
* id-valued fields (``file_id``, ``input_file_id``, ``assistant_id``, ``vector_store_ids`` ...)
  → ids of resources the suite created, or dropped when optional and no such resource exists;
  the same fields inside an array of objects (a file batch's ``files``) are rewritten too;
* top-level keys the schema does not declare are dropped (the document allows extra keys, but
  OpenAI answers them with 400 "Unrecognized request argument", a business rule, not a bug);
* ``metadata`` carries the run id so cleanup and humans can find what the run created; an
  operation with a ``name`` (else a ``<x>_name`` such as ``role_name``, else a ``filename``:
  uploads) and no ``metadata`` gets the ``oaic-<run>-`` prefix on it instead.

Every rewrite is kept only if the body still validates against the request schema; a rewrite
that would make the case invalid is undone (the positive phase must stay positive).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..contract import Operation, Spec
from ..scenario.cleanup import name_prefix
from .roles import model_role
from .schema_tools import flatten

TOKEN_FIELDS = ("max_completion_tokens", "max_output_tokens", "max_tokens")
DROPPED_FIELDS = ("stream", "stream_options", "background")
CURSOR_PARAMS = ("after", "before")
STREAM_PARAMS = ("stream", "starting_after")  # query parameters of a (resumed) stream
LIMIT_RANGE = (1, 20)  # list descriptions say 1..100; small pages keep runs fast

# Body field → kind of id the resource pool can supply (the key of ShapingContext.ids).
ID_FIELDS: dict[str, str] = {
    "file_id": "file_id",
    "input_file_id": "file_id",
    "training_file": "file_id:fine-tune",  # fine-tuning only takes files of that purpose
    "validation_file": "file_id:fine-tune",
    "file_ids": "file_id",
    "assistant_id": "assistant_id",
    "thread_id": "thread_id",
    "vector_store_id": "vector_store_id",
    "vector_store_ids": "vector_store_id",
    "previous_response_id": "response_id",
    "conversation": "conversation_id",
    "container_id": "container_id",
    "eval_id": "eval_id",
}


@dataclass(frozen=True)
class ShapingContext:
    """What the positive phase may put in a request: pinned models, real ids, the run id."""

    models: Mapping[str, str] = field(default_factory=dict)  # role -> model id
    ids: Mapping[str, str] = field(default_factory=dict)  # id kind (file_id ...) -> id
    run_id: str | None = None
    token_cap: int = 16


Validate = Callable[[Any], bool]


def shape_body(
    spec: Spec, op: Operation, body: Any, schema: Any, ctx: ShapingContext, valid: Validate
) -> Any:
    """Return a shaped copy of a JSON/form ``body`` (non-dict bodies are returned unchanged).

    Fast path: every rewrite applied at once and the result validated once (the common case:
    the rewrites keep the body valid). Only when that result is invalid are the rewrites
    replayed one at a time, each kept only if the body stays valid (one validation each).
    """
    if not isinstance(body, dict):
        return body
    shape = flatten(spec, schema)
    declared: dict[str, Any] = shape["properties"]
    required: set[str] = shape["required"]
    out = copy.deepcopy(body)
    if declared:
        for key in [k for k in out if k not in declared]:
            del out[key]
    steps = _rewrites(spec, op, declared, required, ctx)
    fast = copy.deepcopy(out)
    for change in steps:
        change(fast)
    if fast == out or valid(fast):
        return fast
    for change in steps:
        candidate = copy.deepcopy(out)
        change(candidate)
        if candidate != out and valid(candidate):
            out = candidate
    return out


Change = Callable[[dict[str, Any]], None]


def _rewrites(
    spec: Spec,
    op: Operation,
    declared: dict[str, Any],
    required: set[str],
    ctx: ShapingContext,
) -> list[Change]:
    """The rewrites of ``shape_body`` in order; each tests its condition on the body it gets."""
    steps: list[Change] = [
        _strip(spec, key, prop) for key, prop in declared.items() if isinstance(prop, dict)
    ]
    steps += [_pop(key) for key in DROPPED_FIELDS if key not in required]
    model = ctx.models.get(model_role(op.path))
    if model and "model" in declared:
        steps.append(_set("model", model))
    token_keys = [k for k in TOKEN_FIELDS if k in declared]
    steps += [_set(key, ctx.token_cap, only_present=True) for key in token_keys]
    if token_keys:
        steps.append(_cap_tokens(token_keys[0], token_keys, ctx.token_cap))
    steps += [_set(key, 1, only_present=True) for key in ("n", "best_of")]
    for key, kind in ID_FIELDS.items():
        if key in declared:
            real = ctx.ids.get(kind)
            if real is not None:
                steps.append(_set_id(key, real))
            if key not in required:
                steps.append(_drop_unless_id(key, real))
    steps += [_set_nested_ids(key, ctx.ids) for key in declared if key not in ID_FIELDS]
    if ctx.run_id and "metadata" in declared:
        steps.append(_set("metadata", {"oaic_run": ctx.run_id}))
    elif ctx.run_id:
        # an object with a name and no metadata (a project, a role, an upload) carries the run
        # id as the ``oaic-<run>-`` prefix of its name (``scenario.cleanup.name_prefix``):
        # ``name``, else a ``<x>_name`` (``role_name``), else the ``filename``
        candidates = ["name", *sorted(k for k in declared if k.endswith("_name")), "filename"]
        named = next((k for k in candidates if k in declared), None)
        if named is not None:
            steps.append(_prefix_name(named, name_prefix(ctx.run_id)))
    return steps + list(BUSINESS_RULES)


def strip_undeclared(spec: Spec, value: Any, schema: Any, depth: int = 0) -> Any:
    """``value`` without the keys its (object) schema does not declare, recursively.

    Nested objects in the document mostly allow extra keys, so generation fills them with
    random names that real servers reject as "Unrecognized request argument" (a business rule).
    """
    if depth > 6:
        return value
    if isinstance(value, list):
        items = (
            spec.resolve(schema).get("items") if isinstance(spec.resolve(schema), dict) else None
        )
        return [strip_undeclared(spec, v, items or {}, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    props = flatten(spec, schema)["properties"]
    if not props:
        return value
    return {
        k: strip_undeclared(spec, v, props[k], depth + 1) for k, v in value.items() if k in props
    }


def _set(key: str, value: Any, *, only_present: bool = False) -> Change:
    def change(body: dict[str, Any]) -> None:
        if key in body or not only_present:
            body[key] = copy.deepcopy(value)

    return change


def _prefix_name(key: str, prefix: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        name = body.get(key)
        if not (isinstance(name, str) and name.startswith(prefix)):
            body[key] = prefix + (name if isinstance(name, str) else "")[:32]

    return change


def _pop(key: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        body.pop(key, None)

    return change


def _strip(spec: Spec, key: str, prop: Any) -> Change:
    def change(body: dict[str, Any]) -> None:
        if key in body:
            body[key] = strip_undeclared(spec, body[key], prop)

    return change


def _cap_tokens(key: str, token_keys: list[str], cap: int) -> Change:
    # A paid target never generates unbounded text: the first token cap is added if none is set.
    def change(body: dict[str, Any]) -> None:
        if not any(k in body for k in token_keys):
            body[key] = cap

    return change


def _id_value(current: Any, real: str) -> Any:
    return [real] if isinstance(current, list) else real


def _set_id(key: str, real: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        if key in body:
            body[key] = _id_value(body[key], real)

    return change


def _set_nested_ids(key: str, ids: Mapping[str, str]) -> Change:
    # Id fields of the objects in an array (a file batch's ``files: [{"file_id": ...}]``).
    def change(body: dict[str, Any]) -> None:
        value = body.get(key)
        for element in value if isinstance(value, list) else ():
            if not isinstance(element, dict):
                continue
            for field_name, kind in ID_FIELDS.items():
                if field_name in element and ids.get(kind) is not None:
                    element[field_name] = _id_value(element[field_name], ids[kind])

    return change


def _drop_unless_id(key: str, real: str | None) -> Change:
    # An optional id field that does not hold an object the run created is left out.
    def change(body: dict[str, Any]) -> None:
        if key in body and (real is None or body[key] != _id_value(body[key], real)):
            body.pop(key)

    return change


def _needs_tools(body: dict[str, Any]) -> None:
    # "tool_choice ... is only allowed when tools are specified" (chat, assistants, responses).
    tools = body.get("tools")
    if not tools:
        body.pop("tool_choice", None)
        body.pop("parallel_tool_calls", None)
        return
    # A named tool_choice "forces the model to call that tool": it must name one of `tools`
    # (chat: {"type": "function", "function": {"name"}}; responses: {"type", "name"}).
    choice = body.get("tool_choice")
    if not isinstance(choice, dict) or choice.get("type") not in ("function", "custom"):
        return
    kind = choice["type"]
    names = [_tool_name(t, kind) for t in tools if isinstance(t, dict) and t.get("type") == kind]
    names = [n for n in names if n]
    holder = choice[kind] if isinstance(choice.get(kind), dict) else choice
    if holder.get("name") in names:
        return
    if names:
        holder["name"] = names[0]
    else:
        body.pop("tool_choice")


def _tool_name(tool: dict[str, Any], kind: str) -> str | None:
    inner = tool.get(kind)
    name = inner.get("name") if isinstance(inner, dict) else tool.get("name")
    return name if isinstance(name, str) else None


def _needs_logprobs(body: dict[str, Any]) -> None:
    # "top_logprobs: logprobs must be set to true if this parameter is used."
    if "top_logprobs" in body and body.get("logprobs") is not True:
        body.pop("top_logprobs", None)


def _non_empty_input(body: dict[str, Any]) -> None:
    # Embeddings: "The input must not exceed the max input tokens ... cannot be an empty string".
    value = body.get("input")
    if value == "" or (isinstance(value, list) and (not value or "" in value or [] in value)):
        body["input"] = "Say OK."


def _conversation_or_previous_response(body: dict[str, Any]) -> None:
    # Responses: "previous_response_id ... Cannot be used in conjunction with conversation."
    if "conversation" in body and "previous_response_id" in body:
        body.pop("conversation")


def _model_dependent_dimensions(body: dict[str, Any]) -> None:
    # Embeddings: "dimensions ... Only supported in text-embedding-3 and later models", with a
    # per-model range; the pinned model's range is unknown here, so the field is left out.
    body.pop("dimensions", None)


def _batch_endpoint_matches_file(body: dict[str, Any]) -> None:
    # Batches: "all requests in the input file must use the same endpoint"; the suite's file
    # holds chat completion requests (spec/overlays/links.yaml seed of POST /files).
    if "completion_window" in body and "endpoint" in body:
        body["endpoint"] = "/v1/chat/completions"


def _upload_size(body: dict[str, Any]) -> None:
    # Uploads: "bytes: the number of bytes in the file you are uploading" (at most 8 GB).
    if "bytes" in body and "filename" in body and isinstance(body["bytes"], int):
        body["bytes"] = min(max(body["bytes"], 1), 1024)


# Uploads: "mime_type: This must fall within the supported MIME types for your file purpose"
# (https://platform.openai.com/docs/api-reference/uploads/create); the reference's own example
# uploads a batch/fine-tune file as text/jsonl.
UPLOAD_MIME_BY_PURPOSE = {
    "batch": ("text/jsonl", "oaic.jsonl"),
    "fine-tune": ("text/jsonl", "oaic.jsonl"),
    "assistants": ("text/plain", "oaic.txt"),
    "vision": ("image/png", "oaic.png"),
    "user_data": ("text/plain", "oaic.txt"),
    "evals": ("text/jsonl", "oaic.jsonl"),
}


def _upload_mime_type(body: dict[str, Any]) -> None:
    if "mime_type" in body and "filename" in body and "bytes" in body:
        mime, name = UPLOAD_MIME_BY_PURPOSE.get(str(body.get("purpose")), ("text/plain", "x.txt"))
        body["mime_type"] = mime
        if not str(body["filename"]).strip():
            body["filename"] = name  # "filename: The name of the file to upload"


# Documented cross-field rules the schema cannot express; applied like the other rewrites
# (kept only when the body stays schema-valid). Each is quoted from the API reference.
BUSINESS_RULES: tuple[Callable[[dict[str, Any]], None], ...] = (
    _needs_tools,
    _needs_logprobs,
    _non_empty_input,
    _conversation_or_previous_response,
    _model_dependent_dimensions,
    _batch_endpoint_matches_file,
    _upload_size,
    _upload_mime_type,
)


def shape_query(op: Operation, query: Mapping[str, Any], ctx: ShapingContext) -> dict[str, Any]:
    """Shaped query parameters: no dangling cursors, no stream, small ``limit``, real ids for
    id params."""
    out = dict(query)
    for key in (*CURSOR_PARAMS, *STREAM_PARAMS):
        out.pop(key, None)
    if "limit" in out:
        try:
            limit = int(out["limit"])
        except (TypeError, ValueError):
            limit = LIMIT_RANGE[1]
        out["limit"] = min(max(limit, LIMIT_RANGE[0]), LIMIT_RANGE[1])
    for param in op.parameters:
        if param.location == "query" and param.name in out and param.name in ID_FIELDS:
            real = ctx.ids.get(ID_FIELDS[param.name])
            if real is not None:
                out[param.name] = real
            elif not param.required:
                out.pop(param.name)
    return out
