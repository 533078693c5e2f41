"""Responses API: create (JSON, stream, background), retrieve, delete, cancel, input_items,
input_tokens, compact.

Background responses (``background: true``, requires ``store``) are answered ``queued`` and
follow the server clock; their lifecycle, cancel and stream resumption live in
``responses_background``. Cancelling a non-background response is a 400 envelope, an unknown
id a 404.
"""

from __future__ import annotations

import secrets
from typing import Any

from ...contract.envelope import ApiError, invalid, not_found
from ..context import Ctx, handles
from ..faults import declare
from ..state import ServerState
from . import _text
from . import responses_background as bg
from ._respgen import (
    INPUT_ITEMS,
    KIND,
    build_response,
    history,
    item_text,
    normalise_input,
    remember,
    response_body,
    usage,
)
from .models import require_model
from .responses_background import stream as background_stream
from .responses_stream import IGNORE_TEXT_FORMAT, response_stream

__all__ = ["response_body"]

F = declare
FORGET_PREVIOUS = F(
    "responses-forget-previous-response",
    "previous_response_id is never found (404), as on a stateless server",
    "responses.function_call_round_trip_conformance",
    breaks=["responses/function-call-round-trip"],
)
CANCEL_IGNORED = F(
    "responses-cancel-ignored",
    "cancel answers 200 but the background response keeps running",
    "responses.background_cancel_conformance",
    breaks=["responses/background-cancel", "responses/background-cancel-idempotent"],
)
USAGE_WRONG_TOTAL = F(
    "responses-usage-wrong-total",
    "usage.total_tokens is input + output + 1",
    "responses.usage_totals_conformance",
    breaks=["responses/usage-totals"],
)
DELETE_IGNORED = F(
    "responses-delete-ignored",
    "delete answers deleted: true but the response stays retrievable",
    "responses.stored_lifecycle_conformance",
    breaks=["responses/stored-lifecycle"],
)
INPUT_TOKENS_WRONG = F(
    "responses-input-tokens-wrong",
    "input_tokens counts 5 tokens more than usage.input_tokens of the same input",
    "responses.input_tokens_conformance",
    breaks=["responses/input-tokens"],
)
COMPACT_WRONG_OBJECT = F(
    "responses-compact-wrong-object",
    "POST /responses/compact answers object 'response' instead of 'response.compaction'",
    "responses.compact_shape_conformance",
    # every compact test validates the CompactResource it reads, whose object is a constant
    breaks=[
        "responses/compact-output-reusable",
        "responses/compact-shape",
        "responses/compact-usage",
    ],
)
COMPACT_USAGE_WRONG_TOTAL = F(
    "responses-compact-usage-wrong-total",
    "the usage of a compaction has total_tokens = input + output + 1",
    "responses.compact_usage_conformance",
    breaks=["responses/compact-usage"],
)
COMPACTION_ITEM_REJECTED = F(
    "responses-compaction-item-rejected",
    "POST /responses rejects a compaction item in its input with a 400",
    "responses.compact_output_reusable_conformance",
    breaks=["responses/compact-output-reusable"],
)
CONVERSATION_NOT_APPENDED = F(
    "responses-conversation-not-appended",
    "a response created in a conversation does not append its items to it",
    "responses.conversations_conformance",
    breaks=["responses/conversations"],
)


def _get(state: ServerState, response_id: str) -> dict[str, Any]:
    found = state.store.get(KIND, response_id)
    if found is None:
        raise not_found("response", response_id, "response_id")
    return bg.current(state, found)


def _has_compaction(raw: Any) -> bool:
    return isinstance(raw, list) and any(
        isinstance(i, dict) and i.get("type") == "compaction" for i in raw
    )


@handles("POST /responses")
async def create_response(ctx: Ctx) -> Any:
    body = ctx.body
    background = bool(body.get("background"))
    if background and body.get("store") is False:
        raise invalid("Background responses require 'store' to be true.", "background")
    if body.get("previous_response_id") and ctx.fault(FORGET_PREVIOUS):
        raise ApiError(
            404,
            f"Previous response with id '{body['previous_response_id']}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    if ctx.fault(COMPACTION_ITEM_REJECTED) and _has_compaction(body.get("input")):
        raise invalid("Invalid value: 'compaction'. Unsupported input item type.", "input")
    response, items = build_response(ctx.state, body, ignore_format=ctx.fault(IGNORE_TEXT_FORMAT))
    if ctx.fault(USAGE_WRONG_TOTAL):
        response["usage"]["total_tokens"] += 1
    if ctx.fault(CONVERSATION_NOT_APPENDED):
        response = {**response, "conversation": None}
    if body.get("stream"):
        remember(ctx.state, response, items)
        if background:
            return background_stream(ctx, response)
        return response_stream(ctx, response)
    if background:
        pending = {
            **response,
            "status": "queued",
            "output": [],
            "output_text": None,
            "completed_at": None,
            "usage": usage(0, 0),
        }
        remember(ctx.state, pending, items)
        bg.start(ctx, pending, response)
        return pending
    remember(ctx.state, response, items)
    return response


@handles("GET /responses/{response_id}")
async def retrieve_response(ctx: Ctx) -> Any:
    response = _get(ctx.state, ctx.path_params["response_id"])
    if bg.wants_stream(ctx):
        return bg.resume(ctx, response)
    return response


@handles("DELETE /responses/{response_id}")
async def delete_response(ctx: Ctx) -> Any:
    response_id = ctx.path_params["response_id"]
    _get(ctx.state, response_id)
    if ctx.fault(DELETE_IGNORED):
        return {"id": response_id, "object": "response.deleted", "deleted": True}
    ctx.state.store.delete(KIND, response_id)
    ctx.state.store.delete_children(response_id)
    bg.forget(ctx.state, response_id)
    return {"id": response_id, "object": "response.deleted", "deleted": True}


@handles("POST /responses/{response_id}/cancel")
async def cancel_response(ctx: Ctx) -> Any:
    response = _get(ctx.state, ctx.path_params["response_id"])
    if not response.get("background"):
        raise invalid("Only background responses can be cancelled.", "response_id")
    return bg.cancel(ctx, response, ignored=ctx.fault(CANCEL_IGNORED))


@handles("GET /responses/{response_id}/input_items")
async def list_input_items(ctx: Ctx) -> Any:
    response_id = ctx.path_params["response_id"]
    _get(ctx.state, response_id)
    return ctx.state.store.list_page(INPUT_ITEMS, ctx.query, parent=response_id)


def _count_input(state: ServerState, body: dict[str, Any]) -> int:
    items = history(state, body.get("previous_response_id")) + normalise_input(body.get("input"))
    return _text.count_tokens(str(body.get("instructions") or "")) + sum(
        _text.count_tokens(item_text(i)) for i in items
    )


@handles("POST /responses/input_tokens")
async def count_input_tokens(ctx: Ctx) -> Any:
    body = ctx.body if isinstance(ctx.body, dict) else {}  # the body is optional: none counts 0
    if body.get("model") is not None:
        require_model(ctx.state, body["model"])
    count = _count_input(ctx.state, body) + (5 if ctx.fault(INPUT_TOKENS_WRONG) else 0)
    return {"object": "response.input_tokens", "input_tokens": count}


@handles("POST /responses/compact")
async def compact_response(ctx: Ctx) -> Any:
    """Compaction keeps the user messages and replaces the rest by one opaque compaction item."""
    require_model(ctx.state, ctx.body.get("model"))
    items = history(ctx.state, ctx.body.get("previous_response_id")) + normalise_input(
        ctx.body.get("input")
    )
    # Only ``model`` is required: with neither input nor previous_response_id the (empty)
    # context compacts to one compaction item, like any other context.
    kept = [i for i in items if i.get("type") == "message" and i.get("role") == "user"]
    tokens = _count_input(ctx.state, ctx.body)
    compaction = {
        "type": "compaction",
        "id": "cmp_" + secrets.token_hex(16),
        "encrypted_content": secrets.token_urlsafe(24),
    }
    counted = usage(tokens, _text.count_tokens(compaction["encrypted_content"]))
    if ctx.fault(COMPACT_USAGE_WRONG_TOTAL):
        counted["total_tokens"] += 1
    return {
        "id": "resp_" + secrets.token_hex(16),
        "object": "response" if ctx.fault(COMPACT_WRONG_OBJECT) else "response.compaction",
        "output": [*kept, compaction],
        "created_at": ctx.now,
        "usage": counted,
    }
