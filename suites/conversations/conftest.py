"""Conversations fixtures: ``new_conversation(texts, metadata)`` creates a conversation whose
initial items are user messages with those texts and whose metadata carries the run id, and
registers its deletion with the cleanup registry before anything else can fail; it returns
``(conversation, exchange)`` once the answer conforms and is 2xx (``lifecycles.accepted``: a
refused create is a FAIL with its evidence, never a crash on the missing ``id``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from conv_steps import CREATE, NewConversation, message

from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.scenario.lifecycles import register_undo
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def new_conversation(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> NewConversation:
    def create(
        texts: Sequence[str] = (), metadata: Mapping[str, str] | None = None
    ) -> tuple[dict[str, Any], Any]:
        body = {
            "items": [message(t) for t in texts],
            "metadata": oaic_config.tag({"suite": "conversations", **(metadata or {})}),
        }
        exchange = client.request("POST", "/conversations", json=body)
        conv = lc.accepted(exchange, CREATE)
        cid = str(conv["id"])
        path = f"/conversations/{cid}"
        register_undo(cleanup, client, "conversation", cid, "DELETE", path, "conversation")
        return conv, exchange

    return create
