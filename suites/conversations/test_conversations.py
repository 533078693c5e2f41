"""Conversations and their items: create with items and metadata, retrieve, update metadata,
list items in order and page by page, add items, retrieve and delete one item, delete the
conversation and see it gone.

Every conversation is created by the ``new_conversation`` fixture: tagged with the run id and
registered for deletion before anything can fail. Items are user messages told apart by their
text (a target assigns the item ids); lists are read with an explicit ``order`` because the
documented default (``desc``) is not what these tests are about.
"""

from __future__ import annotations

from typing import Any

import pytest
from conv_steps import (
    ADD_ITEMS,
    CREATE,
    DELETE,
    DELETE_ITEM,
    GET_ITEM,
    LIST_ITEMS,
    RETRIEVE,
    UPDATE,
    NewConversation,
    check,
    list_items,
    message,
    report,
    texts_of,
    walk_items,
)

from openai_conformance.checks import assert_error
from openai_conformance.checks.failures import show
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

TEXTS = ("first: hello", "second: how are you?", "third: tell me a joke")
#: Fields a retrieve must answer exactly as the create did.
STABLE = ("id", "object", "created_at", "metadata")


@pytest.mark.requirement("conversations/create-echoes")
def test_create_returns_a_conversation_with_the_request_metadata(
    new_conversation: NewConversation, oaic_config: RunConfig
) -> None:
    conv, exchange = new_conversation(TEXTS, {"step": "created"})
    sent = oaic_config.tag({"suite": "conversations", "step": "created"})
    report(
        check(
            conv.get("object") == "conversation", "create_echo_conformance",
            "the created object is not a conversation", exchange, operation=CREATE,
            pointer="/object", expected="'conversation'", actual=conv.get("object"),
        ),
        check(
            conv.get("metadata") == sent, "create_echo_conformance",
            "the conversation does not carry the request's metadata", exchange,
            operation=CREATE, pointer="/metadata", expected=show(sent),
            actual=conv.get("metadata"),
        ),
    )  # fmt: skip


@pytest.mark.requirement("conversations/retrieve-matches-create")
def test_retrieve_returns_the_created_conversation(
    client: ConformanceClient, new_conversation: NewConversation
) -> None:
    created, _ = new_conversation(TEXTS[:1])
    exchange = client.request("GET", f"/conversations/{created['id']}")
    got = lc.accepted(exchange, RETRIEVE)
    lc.retrieve_matches_create_conformance(created, got, exchange, STABLE, operation=RETRIEVE)


@pytest.mark.requirement("conversations/update-metadata")
def test_update_replaces_the_metadata_and_retrieve_shows_it(
    client: ConformanceClient, new_conversation: NewConversation, oaic_config: RunConfig
) -> None:
    created, _ = new_conversation(metadata={"step": "created"})
    cid = created["id"]
    wanted = oaic_config.tag({"suite": "conversations", "step": "updated"})
    lc.metadata_update_conformance(
        client, f"/conversations/{cid}", wanted, update=UPDATE, retrieve=RETRIEVE
    )


@pytest.mark.requirement("conversations/items-order")
def test_items_list_in_creation_order_and_reversed_with_desc(
    client: ConformanceClient, new_conversation: NewConversation
) -> None:
    conv, _ = new_conversation(TEXTS)
    asc, asc_exchange = list_items(client, conv["id"], "asc")
    desc, desc_exchange = list_items(client, conv["id"], "desc")
    report(
        *(
            check(
                texts_of(page) == want, "items_order_conformance",
                f"order={order} does not list the items {how}", ex, operation=LIST_ITEMS,
                pointer="/data", expected=show(want), actual=show(texts_of(page)),
            )
            for page, ex, order, how, want in (
                (asc, asc_exchange, "asc", "oldest first", list(TEXTS)),
                (desc, desc_exchange, "desc", "newest first", list(reversed(TEXTS))),
            )
        )
    )  # fmt: skip


@pytest.mark.requirement("conversations/items-pagination")
def test_items_pages_follow_limit_and_after_with_consistent_cursors(
    client: ConformanceClient, new_conversation: NewConversation
) -> None:
    texts = [f"item {n}" for n in range(5)]
    conv, _ = new_conversation(texts)
    cid = conv["id"]
    whole, _ = list_items(client, cid)
    ids = [str(item.get("id")) for item in whole.get("data") or []]
    limit = 2  # 5 items: pages of 2, 2 and 1
    walk = walk_items(client, cid, limit=limit, ids=ids)
    lc.pagination_walk_conformance(walk, ids, operation=LIST_ITEMS, limit=limit)
    report(
        *(
            check(
                False, "list_envelope_conformance",
                f"page {n + 1} of {len(walk.pages)}: has_more is wrong", walk.exchanges[n],
                operation=LIST_ITEMS, message=problem,
            )
            for n, page in enumerate(walk.pages)
            for problem in lc.list_envelope_problems(page, last_page=n == len(walk.pages) - 1)
        )
    )  # fmt: skip


@pytest.mark.requirement("conversations/items-add")
def test_added_items_are_answered_in_order_and_follow_the_earlier_ones(
    client: ConformanceClient, new_conversation: NewConversation
) -> None:
    conv, _ = new_conversation(TEXTS[:2])
    cid = conv["id"]
    added_texts = ["added one", "added two"]
    exchange = client.request(
        "POST", f"/conversations/{cid}/items", json={"items": [message(t) for t in added_texts]}
    )
    added = lc.accepted(exchange, ADD_ITEMS)
    added_ids = [item.get("id") for item in added.get("data") or []]
    page, listed = list_items(client, cid)
    listed_ids = [item.get("id") for item in page.get("data") or []]
    want = [*TEXTS[:2], *added_texts]
    report(
        check(
            texts_of(added) == added_texts, "items_added_conformance",
            "the add does not answer the new items in request order", exchange,
            operation=ADD_ITEMS, pointer="/data", expected=show(added_texts),
            actual=show(texts_of(added)),
        ),
        *(
            check(
                False, "list_envelope_conformance", "the add's list envelope is inconsistent",
                exchange, operation=ADD_ITEMS, message=problem,
            )
            for problem in lc.list_envelope_problems(added, last_page=None)
        ),
        check(
            texts_of(page) == want and listed_ids[-len(added_ids):] == added_ids,
            "items_added_conformance",
            "the added items do not follow the earlier ones in the conversation", listed,
            operation=LIST_ITEMS, pointer="/data",
            expected=f"texts {show(want)}, ending with ids {show(added_ids)}",
            actual=f"texts {show(texts_of(page))}, ids {show(listed_ids)}",
        ),
    )  # fmt: skip


@pytest.mark.requirement("conversations/item-retrieve-delete")
def test_an_item_is_retrieved_as_listed_and_gone_after_its_delete(
    client: ConformanceClient, new_conversation: NewConversation
) -> None:
    conv, _ = new_conversation(TEXTS[:2])
    cid = conv["id"]
    page, _ = list_items(client, cid)
    first: dict[str, Any] = (page.get("data") or [{}])[0]
    item_path = f"/conversations/{cid}/items/{first.get('id')}"
    exchange = client.request("GET", item_path)
    got = lc.accepted(exchange, GET_ITEM)
    # What identifies a message item; other fields (status ...) are not compared.
    keys = ("id", "type", "role", "content")
    same = check(
        all(got.get(k) == first.get(k) for k in keys), "item_retrieve_conformance",
        "the retrieved item differs from the listed one", exchange, operation=GET_ITEM,
        pointer="", expected=show({k: first.get(k) for k in keys}),
        actual=show({k: got.get(k) for k in keys}),
    )  # fmt: skip
    deleted = client.request("DELETE", item_path)
    answer = lc.accepted(deleted, DELETE_ITEM)
    gone = client.request("GET", item_path)
    after, after_exchange = list_items(client, cid)
    report(
        same,
        check(
            answer.get("id") == cid, "item_deleted_conformance",
            "deleting an item does not answer its conversation", deleted,
            operation=DELETE_ITEM, pointer="/id", expected=repr(cid), actual=answer.get("id"),
        ),
        check(
            first.get("id") not in [i.get("id") for i in after.get("data") or []],
            "item_deleted_conformance", "the deleted item is still listed", after_exchange,
            operation=LIST_ITEMS, pointer="/data", expected=f"no item {first.get('id')!r}",
            actual=show(texts_of(after)),
        ),
    )  # fmt: skip
    assert_error(gone, 404, op=GET_ITEM)


@pytest.mark.requirement("conversations/delete")
def test_delete_answers_deleted_and_the_conversation_is_then_404(
    client: ConformanceClient, new_conversation: NewConversation
) -> None:
    conv, _ = new_conversation(TEXTS[:1])
    cid = conv["id"]
    exchange = client.request("DELETE", f"/conversations/{cid}")
    answer = lc.accepted(exchange, DELETE)
    want = {"id": cid, "object": "conversation.deleted", "deleted": True}
    report(
        *lc.wrong_fields(
            answer, want, exchange, check_name="deleted_conformance",
            what="the delete's answer", operation=DELETE,
        )
    )  # fmt: skip
    # The cleanup entry stays: its undo counts a 404 as done, and a kept object is removed.
    assert_error(client.request("GET", f"/conversations/{cid}"), 404, op=RETRIEVE)
