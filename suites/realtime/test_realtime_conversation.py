"""Realtime conversation items: create (GA added/done), retrieve, truncate and delete."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from rt_steps import add_user_message, run_response, text_of, user_message

from openai_conformance.target.config import RunConfig

CHECK = "realtime_conversation_item_conformance"


@pytest.mark.requirement("realtime/item-added-done")
def test_item_create_is_answered_with_added_then_done(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        rt.send({"type": "conversation.item.create", "item": user_message("Remember: blue.")})
        added = rt.wait_for("conversation.item.added", "conversation.item.done")
        if added["type"] != "conversation.item.added":
            raise rt.fail(
                "conversation.item.done arrives without conversation.item.added before it",
                check=CHECK,
                pointer="/type",
                expected="conversation.item.added",
                actual=added["type"],
            )
        item_id = (added.get("item") or {}).get("id")
        done = rt.wait_for("conversation.item.done")
        if (done.get("item") or {}).get("id") != item_id:
            raise rt.fail(
                "conversation.item.done names another item than conversation.item.added",
                check=CHECK,
                pointer="/item/id",
                expected=item_id,
                actual=(done.get("item") or {}).get("id"),
            )
        if text_of(done.get("item") or {}) != "Remember: blue.":
            raise rt.fail(
                "the done item does not carry the text that was sent",
                check=CHECK,
                pointer="/item/content/0/text",
                expected="'Remember: blue.'",
                actual=text_of(done.get("item") or {}),
            )


@pytest.mark.requirement("realtime/item-retrieve")
def test_item_retrieve_returns_the_requested_item(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        first = add_user_message(rt, "First item.")
        add_user_message(rt, "Second item.")
        rt.send({"type": "conversation.item.retrieve", "item_id": first.get("id")})
        item = rt.wait_for("conversation.item.retrieved").get("item") or {}
        if item.get("id") != first.get("id") or text_of(item) != "First item.":
            raise rt.fail(
                "conversation.item.retrieved does not carry the requested item",
                check=CHECK,
                pointer="/item",
                expected=f"item {first.get('id')} with text 'First item.'",
                actual={"id": item.get("id"), "text": text_of(item)},
            )


@pytest.mark.requirement("realtime/item-truncate")
def test_item_truncate_cuts_the_unheard_transcript(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    with realtime() as rt:
        add_user_message(rt, "Tell me about the sea in two sentences.")
        done = run_response(rt, oaic_config, ["audio"])[-1]
        item = next(iter((done.get("response") or {}).get("output") or []), {})
        before = text_of(item)
        truncate = {"item_id": item.get("id"), "content_index": 0, "audio_end_ms": 10}
        rt.send({"type": "conversation.item.truncate", **truncate})
        echoed = rt.wait_for("conversation.item.truncated")
        wrong = [k for k, v in truncate.items() if echoed.get(k) != v]
        if wrong:
            raise rt.fail(
                f"conversation.item.truncated does not echo {wrong[0]}",
                check=CHECK,
                pointer=f"/{wrong[0]}",
                expected=repr(truncate[wrong[0]]),
                actual=echoed.get(wrong[0]),
            )
        rt.send({"type": "conversation.item.retrieve", "item_id": item.get("id")})
        after = text_of(rt.wait_for("conversation.item.retrieved").get("item") or {})
        if before and len(after) >= len(before):
            raise rt.fail(
                "after truncation at 10 ms the item still holds the whole transcript",
                check=CHECK,
                pointer="/item/content/0/transcript",
                expected=f"shorter than the {len(before)} characters before truncation",
                actual=after,
            )


@pytest.mark.requirement("realtime/item-delete")
def test_deleted_item_is_gone_from_the_conversation(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        item = add_user_message(rt, "Forget me.")
        rt.send({"type": "conversation.item.delete", "item_id": item.get("id")})
        deleted = rt.wait_for("conversation.item.deleted")
        if deleted.get("item_id") != item.get("id"):
            raise rt.fail(
                "conversation.item.deleted names another item",
                check=CHECK,
                pointer="/item_id",
                expected=item.get("id"),
                actual=deleted.get("item_id"),
            )
        event_id = rt.send({"type": "conversation.item.retrieve", "item_id": item.get("id")})
        answer = rt.wait_for("error", "conversation.item.retrieved")
        if answer["type"] != "error" or (answer.get("error") or {}).get("event_id") not in (
            event_id,
            None,
        ):
            raise rt.fail(
                "a deleted item can still be retrieved",
                check=CHECK,
                expected="an error event for the retrieve",
                actual=answer["type"],
            )
