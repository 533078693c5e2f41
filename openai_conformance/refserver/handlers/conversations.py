"""Conversations: ``/conversations`` CRUD and its items, shared with the Responses API.

A response created with ``conversation`` appends its input and output items here (see
``_respgen.remember``); ``POST /conversations/{id}/items`` appends items directly. Items are
listed in creation order by default (``order`` asc/desc, ``after``, ``limit``).

Stored items are rendered through the ``ConversationItem`` schema (``synth.Synth.render``):
input items may omit what item resources require (``status``, ``call_id`` ...) or carry keys
the resource does not have, and what is listed or retrieved later must be a valid item.
"""

from __future__ import annotations

import secrets
from typing import Any

from ...contract.envelope import ApiError, not_found
from ..context import Ctx, handles
from ..state import ServerState
from ..synth import Synth
from ._respgen import CONV_ITEMS, CONVERSATIONS, new_id, normalise_input

MAX_INITIAL_ITEMS = 20
ITEM_SCHEMA = {"$ref": "#/components/schemas/ConversationItem"}


def _items(ctx: Ctx, body: Any) -> list[dict[str, Any]]:
    """The request's ``items`` as item resources, valid against ``ConversationItem``."""
    if not isinstance(body, dict):  # the dispatcher validates; this guards direct callers
        raise ApiError(400, "The request body must be a JSON object.", code="invalid_body")
    synth = Synth(ctx.state.spec, now=lambda: float(ctx.now))
    out = []
    for item in normalise_input(body.get("items") or []):
        ident = item.get("id")
        if not isinstance(ident, str) or not ident:  # an input item may say ``"id": null``
            item["id"] = ident = new_id("item")
        rendered = synth.render(item, ITEM_SCHEMA)
        rendered["id"] = ident  # the item's own id, never a synthetic one
        out.append(rendered)
    return out


def _get(state: ServerState, conversation_id: str) -> dict[str, Any]:
    found = state.store.get(CONVERSATIONS, conversation_id)
    if found is None:
        raise not_found("conversation", conversation_id, "conversation_id")
    return found


@handles("POST /conversations")
async def create_conversation(ctx: Ctx) -> Any:
    body = ctx.body or {}
    conv_id = "conv_" + secrets.token_hex(24)
    conv = {
        "id": conv_id,
        "object": "conversation",
        "created_at": ctx.now,
        "metadata": body.get("metadata") or {},
    }
    ctx.state.store.put(CONVERSATIONS, conv)
    for item in _items(ctx, body)[:MAX_INITIAL_ITEMS]:
        ctx.state.store.put(CONV_ITEMS, item, parent=conv_id)
    return conv


@handles("GET /conversations/{conversation_id}")
async def retrieve_conversation(ctx: Ctx) -> Any:
    return _get(ctx.state, ctx.path_params["conversation_id"])


@handles("POST /conversations/{conversation_id}")
async def update_conversation(ctx: Ctx) -> Any:
    conv = _get(ctx.state, ctx.path_params["conversation_id"])
    with ctx.state.lock:
        conv["metadata"] = ctx.body.get("metadata") or {}
    return conv


@handles("DELETE /conversations/{conversation_id}")
async def delete_conversation(ctx: Ctx) -> Any:
    conv_id = ctx.path_params["conversation_id"]
    _get(ctx.state, conv_id)
    ctx.state.store.delete(CONVERSATIONS, conv_id)
    ctx.state.store.delete_children(conv_id)
    return {"id": conv_id, "object": "conversation.deleted", "deleted": True}


@handles("POST /conversations/{conversation_id}/items")
async def create_items(ctx: Ctx) -> Any:
    conv_id = ctx.path_params["conversation_id"]
    _get(ctx.state, conv_id)
    items = _items(ctx, ctx.body)
    for item in items:
        ctx.state.store.put(CONV_ITEMS, item, parent=conv_id)
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": False,
    }


@handles("GET /conversations/{conversation_id}/items")
async def list_items(ctx: Ctx) -> Any:
    conv_id = ctx.path_params["conversation_id"]
    _get(ctx.state, conv_id)
    return ctx.state.store.list_page(CONV_ITEMS, ctx.query, parent=conv_id, default_order="asc")


def _item(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    conv_id = ctx.path_params["conversation_id"]
    _get(ctx.state, conv_id)
    item = ctx.state.store.get(CONV_ITEMS, ctx.path_params["item_id"], parent=conv_id)
    if item is None:
        raise not_found("item", ctx.path_params["item_id"], "item_id")
    return conv_id, item


@handles("GET /conversations/{conversation_id}/items/{item_id}")
async def retrieve_item(ctx: Ctx) -> Any:
    return _item(ctx)[1]


@handles("DELETE /conversations/{conversation_id}/items/{item_id}")
async def delete_item(ctx: Ctx) -> Any:
    conv_id, item = _item(ctx)
    ctx.state.store.delete(CONV_ITEMS, item["id"], parent=conv_id)
    return _get(ctx.state, conv_id)
