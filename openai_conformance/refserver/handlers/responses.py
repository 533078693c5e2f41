"""Responses API: create (JSON, stream, background), retrieve, delete, cancel, input_items,
input_tokens, compact.

Background responses (``background: true``, requires ``store``) are answered ``queued``; a read
computes the status from the server clock: ``queued`` for ``QUEUED_S`` simulated seconds,
``in_progress`` for ``RUNNING_S`` more, then ``completed`` with the output.
``POST /responses/{id}/cancel`` moves a queued/in-progress background response to
``cancelled``; cancelling a non-background response is a 400 envelope, an unknown id a 404.
"""

from __future__ import annotations

import secrets
from typing import Any

from ...contract.envelope import ApiError, invalid, not_found
from .. import webhooks
from ..context import Ctx, handles
from ..faults import declare
from ..state import ServerState
from . import _text
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
    breaks=["responses/background-cancel"],
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
CONVERSATION_NOT_APPENDED = F(
    "responses-conversation-not-appended",
    "a response created in a conversation does not append its items to it",
    "responses.conversations_conformance",
    breaks=["responses/conversations"],
)

QUEUED_S = 2.0
RUNNING_S = 5.0
_BG = "responses.background"


def _background(state: ServerState) -> dict[str, dict[str, Any]]:
    with state.lock:
        return state.extra.setdefault(_BG, {})


def _current(state: ServerState, response: dict[str, Any]) -> dict[str, Any]:
    """The stored response with its background status advanced to the clock."""
    job = _background(state).get(response["id"])
    if not job or response["status"] not in ("queued", "in_progress"):
        return response
    elapsed = state.clock.now() - job["t0"]
    with state.lock:
        if elapsed >= QUEUED_S + RUNNING_S:
            final = job["final"]
            final["completed_at"] = int(job["t0"] + QUEUED_S + RUNNING_S)
            response.clear()
            response.update(final)
        elif elapsed >= QUEUED_S:
            response["status"] = "in_progress"
    return response


def _webhook_probe(state: ServerState, stored: dict[str, Any]) -> webhooks.Probe:
    """The event a background response sends: ``response.cancelled`` once cancelled, else
    ``response.completed`` when its clock says it completed (read or not)."""
    response_id = stored["id"]

    def probe(now: float) -> tuple[str, float] | None:
        current = state.store.get(KIND, response_id) or stored
        if current.get("status") == "cancelled":
            return "response.cancelled", now
        job = _background(state).get(response_id)
        if job is not None and now - job["t0"] >= QUEUED_S + RUNNING_S:
            return "response.completed", job["t0"] + QUEUED_S + RUNNING_S
        return None

    return probe


def _get(state: ServerState, response_id: str) -> dict[str, Any]:
    found = state.store.get(KIND, response_id)
    if found is None:
        raise not_found("response", response_id, "response_id")
    return _current(state, found)


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
    response, items = build_response(ctx.state, body, ignore_format=ctx.fault(IGNORE_TEXT_FORMAT))
    if ctx.fault(USAGE_WRONG_TOTAL):
        response["usage"]["total_tokens"] += 1
    if ctx.fault(CONVERSATION_NOT_APPENDED):
        response = {**response, "conversation": None}
    if body.get("stream"):
        remember(ctx.state, response, items)
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
        _background(ctx.state)[response["id"]] = {"t0": ctx.state.clock.now(), "final": response}
        remember(ctx.state, pending, items)
        webhooks.watch(ctx.state, response["id"], _webhook_probe(ctx.state, pending), ctx.faults)
        return pending
    remember(ctx.state, response, items)
    return response


@handles("GET /responses/{response_id}")
async def retrieve_response(ctx: Ctx) -> Any:
    return _get(ctx.state, ctx.path_params["response_id"])


@handles("DELETE /responses/{response_id}")
async def delete_response(ctx: Ctx) -> Any:
    response_id = ctx.path_params["response_id"]
    _get(ctx.state, response_id)
    if ctx.fault(DELETE_IGNORED):
        return {"id": response_id, "object": "response.deleted", "deleted": True}
    ctx.state.store.delete(KIND, response_id)
    ctx.state.store.delete_children(response_id)
    return {"id": response_id, "object": "response.deleted", "deleted": True}


@handles("POST /responses/{response_id}/cancel")
async def cancel_response(ctx: Ctx) -> Any:
    response = _get(ctx.state, ctx.path_params["response_id"])
    if not response.get("background"):
        raise invalid("Only background responses can be cancelled.", "response_id")
    if response["status"] in ("queued", "in_progress"):
        if ctx.fault(CANCEL_IGNORED):
            return response
        with ctx.state.lock:
            response["status"] = "cancelled"
            _background(ctx.state).pop(response["id"], None)
    elif response["status"] != "cancelled":
        raise invalid(
            f"Cannot cancel a response with status '{response['status']}'.", "response_id"
        )
    return response


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
    return {
        "id": "resp_" + secrets.token_hex(16),
        "object": "response.compaction",
        "output": [*kept, compaction],
        "created_at": ctx.now,
        "usage": usage(tokens, _text.count_tokens(compaction["encrypted_content"])),
    }
