"""Conversation steps shared by the tests: build input messages, read an item's text back,
list a conversation's items in one page, and report what a step found wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openai_conformance.scenario import lifecycles as lc
from openai_conformance.wire.client import ConformanceClient

check, report = lc.check, lc.report  # the tests' names for the shared helpers

CREATE = "POST /conversations"
RETRIEVE = "GET /conversations/{conversation_id}"
UPDATE = "POST /conversations/{conversation_id}"
DELETE = "DELETE /conversations/{conversation_id}"
LIST_ITEMS = "GET /conversations/{conversation_id}/items"
ADD_ITEMS = "POST /conversations/{conversation_id}/items"
GET_ITEM = "GET /conversations/{conversation_id}/items/{item_id}"
DELETE_ITEM = "DELETE /conversations/{conversation_id}/items/{item_id}"
#: The ``new_conversation`` fixture: ``(texts=(), metadata=None) -> (conversation, exchange)``.
NewConversation = Callable[..., tuple[dict[str, Any], Any]]


def message(text: str) -> dict[str, Any]:
    """One user input message (what ``items`` of a create or an add accepts)."""
    return {"type": "message", "role": "user", "content": text}


def text_of(item: Any) -> str | None:
    """The text of a message item: its string content or its text parts joined."""
    if not isinstance(item, dict):
        return None
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(p for p in parts if isinstance(p, str))
    return None


def texts_of(page: dict[str, Any]) -> list[str | None]:
    return [text_of(item) for item in page.get("data") or []]


def list_items(client: ConformanceClient, cid: str, order: str = "asc") -> tuple[Any, Any]:
    """One page of up to 100 items (every test conversation holds fewer): (body, exchange)."""
    exchange = client.request(
        "GET", f"/conversations/{cid}/items", params={"order": order, "limit": 100}
    )
    return lc.accepted(exchange, LIST_ITEMS), exchange


def walk_items(client: ConformanceClient, cid: str, *, limit: int, ids: list[str]) -> lc.PageWalk:
    """Follow ``after=<last id>`` through the items (``order=asc``) until every id in ``ids``
    was seen, an empty page, or a few pages more than ``ids`` needs (an ignored cursor)."""
    return lc.walk_list(
        client,
        f"/conversations/{cid}/items",
        limit=limit,
        params={"order": "asc"},
        stop_after=ids,
        max_pages=len(ids) // limit + 3,
    )
