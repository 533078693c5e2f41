"""``POST /responses/compact``: a ``response.compaction`` object whose output carries an opaque
compaction item, usage that adds up, and an output the next request accepts as its input
(https://developers.openai.com/api/docs/guides/compaction: "pass the compacted output as the
input of the next request")."""

from __future__ import annotations

from typing import Any

import pytest
from bg_steps import require
from resp_steps import create, expect, output_text

from openai_conformance.checks import assert_conforms, raise_failures
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario.streams import usage_problems
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

OP = "POST /responses/compact"
CONVERSATION = [
    {"role": "user", "content": "Plan a three-day walking trip in Lisbon."},
    {
        "role": "assistant",
        "content": "Day one: Alfama and the castle. Day two: Belém and the river front. "
        "Day three: Chiado, Bairro Alto and a viewpoint at sunset.",
    },
    {"role": "user", "content": "Add a day trip to Sintra."},
    {
        "role": "assistant",
        "content": "Day four: a morning train to Sintra, Pena Palace, back by six.",
    },
]


def _compact(
    client: ConformanceClient, model: str, config: RunConfig
) -> tuple[Any, dict[str, Any]]:
    require(config, "responses.compact")
    exchange = client.request(
        "POST", "/responses/compact", json={"model": model, "input": CONVERSATION}
    )
    expect(
        exchange.status == 200,
        exchange,
        f"a valid compaction request was rejected with {exchange.status}",
        check="compact_conformance",
        operation=OP,
        expected="200",
        actual=exchange.status,
    )
    return exchange, dict(assert_conforms(exchange, OP))


@pytest.mark.requirement("responses/compact-shape")
def test_compact_returns_a_compaction_object_with_an_encrypted_item(
    client: ConformanceClient, model: str, oaic_config: RunConfig
) -> None:
    exchange, got = _compact(client, model, oaic_config)
    expect(
        got.get("object") == "response.compaction",
        exchange,
        "the compacted response is not a response.compaction object",
        check="compact_shape_conformance",
        operation=OP,
        pointer="/object",
        expected="response.compaction",
        actual=got.get("object"),
    )
    items = [i for i in got.get("output") or [] if isinstance(i, dict)]
    sealed = [
        i
        for i in items
        if i.get("type") == "compaction"
        and isinstance(i.get("encrypted_content"), str)
        and i["encrypted_content"]
    ]
    expect(
        bool(sealed),
        exchange,
        "the compacted output holds no compaction item with encrypted_content",
        check="compact_shape_conformance",
        operation=OP,
        pointer="/output",
        expected="an item {type: compaction, encrypted_content: <non-empty string>}",
        actual=[i.get("type") for i in items],
    )


@pytest.mark.requirement("responses/compact-usage")
def test_compact_usage_counts_the_input_and_adds_up(
    client: ConformanceClient, model: str, oaic_config: RunConfig
) -> None:
    exchange, got = _compact(client, model, oaic_config)
    usage = got.get("usage")
    problems = usage_problems(usage, api="responses")
    counted = usage.get("input_tokens") if isinstance(usage, dict) else None
    if not problems and not (isinstance(counted, int) and counted > 0):
        problems.append(("/input_tokens", "a non-empty input counts no tokens", "> 0", counted))
    raise_failures(
        [
            Failure(
                title=m,
                check="compact_usage_conformance",
                operation=OP,
                pointer=f"/usage{p}",
                message=m,
                expected=str(e),
                actual=str(a),
            ).with_exchange(exchange)
            for p, m, e, a in problems
        ]
    )


@pytest.mark.requirement("responses/compact-output-reusable")
def test_compacted_output_is_accepted_as_the_next_input(
    client: ConformanceClient, model: str, oaic_config: RunConfig
) -> None:
    _, got = _compact(client, model, oaic_config)
    follow = [*got.get("output", []), {"role": "user", "content": "Which day is the busiest?"}]
    exchange, answer = create(client, {"model": model, "input": follow, "store": False})
    expect(
        bool(output_text(answer).strip()),
        exchange,
        "the request continuing from the compacted output has no answer",
        check="compact_output_reusable_conformance",
        pointer="/output",
        expected="a message with output_text",
        actual=answer.get("output"),
    )
