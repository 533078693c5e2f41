"""Chat Completions: create (JSON or stream) and the stored-completions resource.

``POST /chat/completions`` plans the answer with ``_chatgen.plan_chat`` and renders it as a
``CreateChatCompletionResponse`` or, with ``stream: true``, as chunks (``chat_stream``).
``store: true`` keeps the completion (with its ``metadata`` and input messages) so that
``GET /chat/completions`` (filters ``model``, ``metadata``; ``after``/``limit``/``order``),
``GET/POST/DELETE /chat/completions/{id}`` and ``GET /chat/completions/{id}/messages`` work.

``chat_completion_body(state, request_body)`` (re-exported from ``_chatgen``) is the
HTTP-free entry point batches use.
"""

from __future__ import annotations

import copy
from typing import Any

from ...contract.envelope import not_found
from ..context import Ctx, handles
from ..faults import declare
from ..state import ServerState
from ._chatgen import chat_completion_body, chat_completion_from_plan, plan_chat
from .chat_stream import chat_stream

__all__ = ["chat_completion_body", "store_completion"]

STORE_IGNORED = declare(
    "chat-store-ignored",
    "store: true is accepted but the completion is not kept (retrieve answers 404)",
    "chat.stored_completions_conformance",
    breaks=["chat/stored-completions"],
)

KIND = "chat.completion"
MESSAGES = "chat.completion.message"


def store_completion(
    state: ServerState, completion: dict[str, Any], request_body: dict[str, Any]
) -> None:
    """Keep a completion and its input messages (ids ``<completion id>-<n>``)."""
    stored = copy.deepcopy(completion)
    stored["metadata"] = dict(request_body.get("metadata") or {})
    state.store.put(KIND, stored)
    for i, msg in enumerate(request_body.get("messages") or []):
        item: dict[str, Any] = {"id": f"{completion['id']}-{i}", **copy.deepcopy(msg)}
        content = item.get("content")
        if isinstance(content, list):
            item["content_parts"] = content
            item["content"] = None
        else:
            item.setdefault("content", None)
            item["content_parts"] = None
        item.setdefault("refusal", None)
        state.store.put(MESSAGES, item, parent=completion["id"])


@handles("POST /chat/completions")
async def create_chat_completion(ctx: Ctx) -> Any:
    plan = plan_chat(ctx.state, ctx.body, ctx.faults)
    completion = chat_completion_from_plan(plan)
    if ctx.body.get("store") and not ctx.fault(STORE_IGNORED):
        store_completion(ctx.state, completion, ctx.body)
    if ctx.body.get("stream"):
        return chat_stream(ctx, plan)
    return completion


def _get(state: ServerState, completion_id: str) -> dict[str, Any]:
    found = state.store.get(KIND, completion_id)
    if found is None:
        raise not_found("chat completion", completion_id, "completion_id")
    return found


@handles("GET /chat/completions")
async def list_chat_completions(ctx: Ctx) -> Any:
    rows = ctx.state.store.all(KIND)
    model = ctx.query.get("model")
    if model:
        rows = [r for r in rows if r.get("model") == model]
    wanted = ctx.query.get("metadata") or {}
    if isinstance(wanted, dict) and wanted:
        rows = [
            r
            for r in rows
            if all((r.get("metadata") or {}).get(k) == str(v) for k, v in wanted.items())
        ]
    return ctx.state.store.list_page(KIND, ctx.query, default_order="asc", items=rows)


@handles("GET /chat/completions/{completion_id}")
async def retrieve_chat_completion(ctx: Ctx) -> Any:
    return _get(ctx.state, ctx.path_params["completion_id"])


@handles("POST /chat/completions/{completion_id}")
async def update_chat_completion(ctx: Ctx) -> Any:
    found = _get(ctx.state, ctx.path_params["completion_id"])
    with ctx.state.lock:
        found["metadata"] = dict(ctx.body.get("metadata") or {})
    return found


@handles("DELETE /chat/completions/{completion_id}")
async def delete_chat_completion(ctx: Ctx) -> Any:
    completion_id = ctx.path_params["completion_id"]
    _get(ctx.state, completion_id)
    ctx.state.store.delete(KIND, completion_id)
    ctx.state.store.delete_children(completion_id)
    return {"object": "chat.completion.deleted", "id": completion_id, "deleted": True}


@handles("GET /chat/completions/{completion_id}/messages")
async def list_chat_completion_messages(ctx: Ctx) -> Any:
    completion_id = ctx.path_params["completion_id"]
    _get(ctx.state, completion_id)
    return ctx.state.store.list_page(MESSAGES, ctx.query, parent=completion_id, default_order="asc")
