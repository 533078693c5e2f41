"""Responses streams: first event, sequence numbers, item/part nesting, deltas vs done values
vs the final response, exactly one terminal event, and every event's schema (field notes #5).

Each test streams its own request (a text answer, and for nesting/deltas also a function
call) and judges one category of ``streams.replay_responses_stream``.
"""

from __future__ import annotations

from typing import Any

import pytest
from resp_steps import OP, stream

from openai_conformance.checks import raise_failures, stream_event_schema_conformance
from openai_conformance.checks.context import CheckContext
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario.streams import (
    responses_stream_completed_conformance,
    responses_stream_deltas_conformance,
    responses_stream_first_event_conformance,
    responses_stream_nesting_conformance,
    responses_stream_sequence_conformance,
    responses_stream_terminal_conformance,
)
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture(autouse=True)
def _streaming_claimed(oaic_config: RunConfig) -> None:
    if not oaic_config.claims("responses.streaming"):
        raise Disabled("the profile does not claim responses.streaming")


@pytest.fixture
def text_body(model: str) -> dict[str, Any]:
    return {"model": model, "input": "Describe a quiet harbour in two sentences.", "store": False}


def _bodies(text_body: dict[str, Any], config: RunConfig) -> list[dict[str, Any]]:
    out = [text_body]
    if config.claims("responses.tools"):
        call = {
            **text_body,
            "input": "Use get_weather for Paris.",
            "tools": [TOOL],
            "tool_choice": "required",
        }
        out.append(call)
    return out


@pytest.mark.requirement("responses/stream-first-event")
def test_stream_starts_with_response_created(
    client: ConformanceClient, text_body: dict[str, Any]
) -> None:
    exchange, replay = stream(client, text_body)
    raise_failures(responses_stream_first_event_conformance(exchange, replay))


@pytest.mark.requirement("responses/stream-sequence")
def test_stream_sequence_numbers_strictly_increase(
    client: ConformanceClient, text_body: dict[str, Any]
) -> None:
    exchange, replay = stream(client, text_body)
    raise_failures(responses_stream_sequence_conformance(exchange, replay))


@pytest.mark.requirement("responses/stream-nesting")
def test_stream_items_and_parts_nest_with_consistent_indexes(
    client: ConformanceClient, text_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    for body in _bodies(text_body, oaic_config):
        exchange, replay = stream(client, body)
        raise_failures(responses_stream_completed_conformance(exchange, replay))
        raise_failures(responses_stream_nesting_conformance(exchange, replay))


@pytest.mark.requirement("responses/stream-deltas")
def test_stream_deltas_concatenate_to_done_values_and_final_output(
    client: ConformanceClient, text_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    for body in _bodies(text_body, oaic_config):
        exchange, replay = stream(client, body)
        raise_failures(responses_stream_completed_conformance(exchange, replay))
        raise_failures(responses_stream_deltas_conformance(exchange, replay))


@pytest.mark.requirement("responses/stream-terminal-event")
def test_stream_ends_with_exactly_one_terminal_event(
    client: ConformanceClient, text_body: dict[str, Any]
) -> None:
    exchange, replay = stream(client, text_body)
    raise_failures(responses_stream_terminal_conformance(exchange, replay))


@pytest.mark.requirement("responses/stream-event-schema")
def test_stream_events_and_final_response_validate(
    client: ConformanceClient, text_body: dict[str, Any], check_ctx: CheckContext
) -> None:
    exchange, replay = stream(client, text_body)
    failures = stream_event_schema_conformance(exchange, OP, check_ctx)
    if replay.final is not None:
        for v in check_ctx.validator.validate(replay.final, "Response"):
            from openai_conformance.checks.failures import Failure

            failures.append(
                Failure(
                    title="the final response violates the Response schema",
                    check="stream_event_schema_conformance",
                    operation=OP,
                    pointer=f"/final{v.pointer}",
                    message=v.message,
                ).with_exchange(exchange)
            )
    raise_failures(failures)
