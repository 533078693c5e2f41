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

from ..context import Ctx, handles
from ..errors import ApiError, invalid, not_found
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
    response, items = build_response(ctx.state, body, ignore_format=ctx.fault(IGNORE_TEXT_FORMAT))
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
    ctx.state.store.delete(KIND, response_id)
    ctx.state.store.delete_children(response_id)
    return {"id": response_id, "object": "response.deleted", "deleted": True}


@handles("POST /responses/{response_id}/cancel")
async def cancel_response(ctx: Ctx) -> Any:
    response = _get(ctx.state, ctx.path_params["response_id"])
    if not response.get("background"):
        raise invalid("Only background responses can be cancelled.", "response_id")
    if response["status"] in ("queued", "in_progress"):
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
    if ctx.body.get("model") is not None:
        require_model(ctx.state, ctx.body["model"])
    return {"object": "response.input_tokens", "input_tokens": _count_input(ctx.state, ctx.body)}


@handles("POST /responses/compact")
async def compact_response(ctx: Ctx) -> Any:
    """Compaction keeps the user messages and replaces the rest by one opaque compaction item."""
    require_model(ctx.state, ctx.body.get("model"))
    items = history(ctx.state, ctx.body.get("previous_response_id")) + normalise_input(
        ctx.body.get("input")
    )
    if not items:
        raise ApiError(
            400, "Nothing to compact: give 'input' or 'previous_response_id'.", param="input"
        )
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
