"""Conversations: ``/conversations`` CRUD and its items, shared with the Responses API.

A response created with ``conversation`` appends its input and output items here (see
``_respgen.remember``); ``POST /conversations/{id}/items`` appends items directly. Items are
listed newest first by default, as the contract documents (``order`` asc/desc, ``after``,
``limit``).

Stored items are rendered through the ``ConversationItem`` schema (``synth.Synth.render``):
input items may omit what item resources require (``status``, ``call_id`` ...) or carry keys
the resource does not have, and what is listed or retrieved later must be a valid item.

The faults below each break one requirement of spec/requirements/conversations.yaml (the
scenario suite suites/conversations cites them).
"""

from __future__ import annotations

import secrets
from typing import Any

from ...contract.envelope import ApiError, not_found
from ..context import Ctx, handles
from ..faults import declare
from ..state import ServerState
from ..synth import Synth
from ._respgen import CONV_ITEMS, CONVERSATIONS, new_id, normalise_input

MAX_INITIAL_ITEMS = 20
ITEM_SCHEMA = {"$ref": "#/components/schemas/ConversationItem"}

METADATA_DROPPED = declare(
    "conversations-metadata-dropped",
    "POST /conversations stores and returns empty metadata instead of the request's",
    "conversations.create_echo_conformance",
    breaks=["conversations/create-echoes"],
)
RETRIEVE_DRIFTS = declare(
    "conversations-retrieve-created-at-drifts",
    "GET /conversations/{id} reports a created_at one second later than the create did",
    "conversations.retrieve_matches_create_conformance",
    breaks=["conversations/retrieve-matches-create"],
)
UPDATE_IGNORED = declare(
    "conversations-update-ignored",
    "POST /conversations/{id} answers the conversation with its old metadata, unchanged",
    "conversations.update_metadata_conformance",
    breaks=["conversations/update-metadata"],
)
ORDER_IGNORED = declare(
    "conversations-items-order-ignored",
    "GET /conversations/{id}/items ignores 'order' and always lists oldest first",
    "conversations.items_order_conformance",
    breaks=["conversations/items-order"],
)
CURSOR_IGNORED = declare(
    "conversations-items-cursor-ignored",
    "GET /conversations/{id}/items ignores 'after' and answers the first page again",
    "pagination_walk_conformance",
    breaks=["conversations/items-pagination"],
)
ADDED_NOT_STORED = declare(
    "conversations-added-items-not-stored",
    "POST /conversations/{id}/items answers the new items but never stores them",
    "conversations.items_added_conformance",
    breaks=["conversations/items-add"],
)
ITEM_DELETE_KEPT = declare(
    "conversations-item-delete-kept",
    "DELETE /conversations/{id}/items/{item_id} answers success but keeps the item",
    "conversations.item_deleted_conformance",
    breaks=["conversations/item-retrieve-delete"],
)
DELETE_KEPT = declare(
    "conversations-delete-kept",
    "DELETE /conversations/{id} answers deleted: true but the conversation stays retrievable",
    "conversations.deleted_conformance",
    breaks=["conversations/delete"],
)


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
        "metadata": {} if ctx.fault(METADATA_DROPPED) else body.get("metadata") or {},
    }
    ctx.state.store.put(CONVERSATIONS, conv)
    for item in _items(ctx, body)[:MAX_INITIAL_ITEMS]:
        ctx.state.store.put(CONV_ITEMS, item, parent=conv_id)
    return conv


@handles("GET /conversations/{conversation_id}")
async def retrieve_conversation(ctx: Ctx) -> Any:
    conv = _get(ctx.state, ctx.path_params["conversation_id"])
    if ctx.fault(RETRIEVE_DRIFTS):
        return {**conv, "created_at": conv["created_at"] + 1}
    return conv


@handles("POST /conversations/{conversation_id}")
async def update_conversation(ctx: Ctx) -> Any:
    conv = _get(ctx.state, ctx.path_params["conversation_id"])
    if ctx.fault(UPDATE_IGNORED):
        return conv
    with ctx.state.lock:
        conv["metadata"] = ctx.body.get("metadata") or {}
    return conv


@handles("DELETE /conversations/{conversation_id}")
async def delete_conversation(ctx: Ctx) -> Any:
    conv_id = ctx.path_params["conversation_id"]
    _get(ctx.state, conv_id)
    if not ctx.fault(DELETE_KEPT):
        ctx.state.store.delete(CONVERSATIONS, conv_id)
        ctx.state.store.delete_children(conv_id)
    return {"id": conv_id, "object": "conversation.deleted", "deleted": True}


@handles("POST /conversations/{conversation_id}/items")
async def create_items(ctx: Ctx) -> Any:
    conv_id = ctx.path_params["conversation_id"]
    _get(ctx.state, conv_id)
    items = _items(ctx, ctx.body)
    for item in [] if ctx.fault(ADDED_NOT_STORED) else items:
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
    query = dict(ctx.query)
    if ctx.fault(ORDER_IGNORED):
        query["order"] = "asc"
    if ctx.fault(CURSOR_IGNORED):
        query.pop("after", None)
    return ctx.state.store.list_page(CONV_ITEMS, query, parent=conv_id, default_order="desc")


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
    if not ctx.fault(ITEM_DELETE_KEPT):
        ctx.state.store.delete(CONV_ITEMS, item["id"], parent=conv_id)
    return _get(ctx.state, conv_id)
