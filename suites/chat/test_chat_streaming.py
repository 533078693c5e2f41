"""Chat Completions streams: chunk identity, role, content equality, tool-call deltas,
finish_reason, the [DONE] terminator or an error event, include_usage, stalls, media type,
framing and reasoning fields (field notes #1-5, #7, #19, #20).

Every test streams its own request and judges one invariant with one check of
``openai_conformance.scenario.streams``; tests whose invariant needs a complete stream first require
``chat_stream_completed_conformance`` (a mid-stream error is reported as what it is).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from chat_steps import (
    ASK_BOTH,
    ASK_WEATHER,
    CLOCK,
    OP,
    WEATHER,
    complete,
    expect,
    require_claim,
    schemas,
    stream,
)

from openai_conformance.checks import (
    raise_failures,
    sse_framing_conformance,
    stream_event_schema_conformance,
)
from openai_conformance.checks.context import CheckContext
from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import Disabled, Unsupported
from openai_conformance.scenario.streams import (
    calls_of,
    chat_stream_completed_conformance,
    chat_stream_finish_reason_conformance,
    chat_stream_ids_conformance,
    chat_stream_logprobs_conformance,
    chat_stream_parallel_tool_calls_conformance,
    chat_stream_reasoning_fields_conformance,
    chat_stream_role_conformance,
    chat_stream_terminal_conformance,
    chat_stream_tool_call_deltas_conformance,
    chat_stream_usage_conformance,
    stream_tokens,
    streams_logprobs,
)
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture(autouse=True)
def _streaming_claimed(oaic_config: RunConfig) -> None:
    require_claim(oaic_config, "chat.streaming")


def _complete_stream(client: ConformanceClient, body: dict[str, Any]) -> tuple[Any, Any]:
    exchange, assembled = stream(client, body)
    raise_failures(chat_stream_completed_conformance(exchange, assembled))
    return exchange, assembled


@pytest.mark.requirement("chat/stream-chunk-identity")
def test_stream_chunks_share_id_created_model_and_object(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, assembled = _complete_stream(client, chat_body)
    raise_failures(chat_stream_ids_conformance(exchange, assembled))


@pytest.mark.requirement("chat/stream-first-delta-role")
def test_stream_first_delta_carries_the_assistant_role(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, assembled = _complete_stream(client, chat_body)
    raise_failures(chat_stream_role_conformance(exchange, assembled))


@pytest.mark.requirement("chat/stream-content-matches")
def test_stream_deltas_concatenate_to_the_non_streamed_content(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    if not oaic_config.deterministic:
        raise Disabled("the profile does not declare deterministic = true")
    _, body = complete(client, chat_body)
    exchange, assembled = _complete_stream(client, chat_body)
    want = body["choices"][0]["message"].get("content")
    expect(
        assembled.content(0) == want,
        exchange,
        "the streamed deltas differ from the non-streamed content",
        check="stream_content_conformance",
        pointer="/assembled/choices/0/content",
        expected=want,
        actual=assembled.content(0),
    )


@pytest.mark.requirement("chat/stream-tool-call-deltas")
def test_stream_tool_call_deltas_carry_index_and_assemble_into_valid_calls(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.tools")
    body = {
        **chat_body,
        "messages": [{"role": "user", "content": ASK_WEATHER}],
        "tools": [WEATHER, CLOCK],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }
    exchange, assembled = _complete_stream(client, body)
    calls = [c for choice in assembled.choices.values() for c in choice.calls()]
    expect(
        bool(calls),
        exchange,
        "a forced tool call was not streamed",
        check="chat_stream_tool_call_deltas_conformance",
        pointer="/assembled/choices/0/tool_calls",
        expected="one get_weather call",
        actual=assembled.content(0),
    )
    failures = chat_stream_tool_call_deltas_conformance(
        exchange, assembled, tools=schemas(WEATHER, CLOCK)
    )
    # A streamed call ends like any choice: its last chunk carries a finish_reason (which one
    # is not judged here: a named tool_choice finishes with 'stop' on the live API).
    unfinished = [i for i, c in assembled.choices.items() if c.calls() and c.finish_reason is None]
    failures += [
        Failure.of(
            "chat_stream_finish_reason_conformance",
            f"choice {i} streamed a tool call but never gets a finish_reason",
            operation=OP,
            pointer=f"/assembled/choices/{i}/finish_reason",
            expected="a finish_reason on the last chunk of the choice",
            actual=None,
            exchange=exchange,
        )
        for i in unfinished
    ]
    raise_failures(failures)


@pytest.mark.requirement("chat/stream-parallel-tool-calls")
def test_stream_parallel_tool_calls_have_one_dense_index_each_and_assemble(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.tools")
    require_claim(oaic_config, "chat.parallel-tool-calls")
    body = {
        **chat_body,
        "messages": [{"role": "user", "content": ASK_BOTH}],
        "tools": [WEATHER, CLOCK],
        "tool_choice": "required",
        "parallel_tool_calls": True,
    }
    exchange, assembled = _complete_stream(client, body)
    made = calls_of(assembled)
    finished = all(c.finish_reason is not None for c in assembled.choices.values())
    if made < 2 and finished and assembled.choices:
        # A model may answer one call at a time: parallel calls are an optional capability.
        # (A choice that never finishes is judged below: a cut stream is no answer.)
        raise Unsupported(
            f"chat.parallel-tool-calls: asked for two tools with parallel_tool_calls true, "
            f"the stream made {made} call(s)"
        )
    failures = chat_stream_parallel_tool_calls_conformance(
        exchange, assembled, tools=schemas(WEATHER, CLOCK)
    )
    raise_failures(failures)


@pytest.mark.requirement("chat/stream-logprobs")
def test_stream_logprobs_tokens_concatenate_to_each_chunk_content(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.logprobs")
    top = 2
    body = {**chat_body, "logprobs": True, "top_logprobs": top}
    exchange, assembled = _complete_stream(client, body)
    if not any(streams_logprobs(c) for c in assembled.choices.values()):
        raise Unsupported("chat.logprobs: logprobs true was accepted but no chunk carried any")
    raise_failures(chat_stream_logprobs_conformance(exchange, assembled, top=top))
    if not oaic_config.deterministic:
        return
    # A deterministic target streams the same tokens the non-streamed answer lists.
    _, got = complete(client, body)
    logprobs = got["choices"][0].get("logprobs")
    entries = logprobs.get("content") if isinstance(logprobs, dict) else None
    want = [e.get("token") for e in entries or [] if isinstance(e, dict)]
    streamed = stream_tokens(assembled.choices[0]) if 0 in assembled.choices else []
    expect(
        streamed == want,
        exchange,
        "the streamed logprobs tokens differ from the non-streamed logprobs.content tokens",
        check="chat_stream_logprobs_conformance",
        pointer="/assembled/choices/0/logprobs/content",
        expected=want,
        actual=streamed,
    )


@pytest.mark.requirement("chat/stream-finish-reason")
def test_stream_finish_reason_ends_every_choice(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    n = 2 if oaic_config.claims("chat.n") else 1
    exchange, assembled = _complete_stream(client, {**chat_body, "n": n})
    indexes = sorted(assembled.choices)
    expect(
        indexes == list(range(n)),
        exchange,
        f"the stream did not carry choices 0..{n - 1}",
        check="chat_stream_finish_reason_conformance",
        expected=list(range(n)),
        actual=indexes,
    )
    failures = chat_stream_finish_reason_conformance(
        exchange, assembled, allowed=("stop", "length")
    )
    raise_failures(failures)


@pytest.mark.requirement("chat/stream-terminal-signal")
def test_stream_ends_with_done_sentinel_or_an_error_event(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, assembled = stream(client, chat_body)
    raise_failures(chat_stream_terminal_conformance(exchange, assembled))


@pytest.mark.requirement("chat/stream-include-usage")
def test_stream_with_include_usage_ends_with_one_usage_chunk_with_empty_choices(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.stream-usage")
    body = {**chat_body, "stream_options": {"include_usage": True}}
    exchange, assembled = _complete_stream(client, body)
    failures = chat_stream_usage_conformance(exchange, assembled, include_usage=True)
    raise_failures(failures)


@pytest.mark.requirement("chat/stream-usage-only-when-asked")
def test_stream_without_include_usage_sends_no_usage(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, assembled = _complete_stream(client, chat_body)
    failures = chat_stream_usage_conformance(exchange, assembled, include_usage=False)
    raise_failures(failures, strict=True)


@pytest.mark.requirement("chat/stream-no-stall")
def test_stream_delivers_every_chunk_within_the_idle_deadline(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    # The idle deadline is the profile's timeouts.stream_idle: a stall raises StreamTimeout,
    # a FAIL carrying the events received so far.
    _complete_stream(client, chat_body)


@pytest.mark.requirement("chat/stream-content-type")
def test_stream_is_served_as_text_event_stream(
    client: ConformanceClient, chat_body: dict[str, Any], check_ctx: CheckContext
) -> None:
    exchange, _ = stream(client, chat_body)
    failures = [
        f
        for f in stream_event_schema_conformance(exchange, OP, check_ctx)
        if f.title.startswith("stream sent as")
    ]
    # The content-type finding of the generic stream check is this test's own requirement.
    raise_failures([replace(f, requirement=None) for f in failures])


@pytest.mark.requirement("chat/stream-sse-framing")
def test_stream_uses_the_canonical_sse_framing(
    client: ConformanceClient, chat_body: dict[str, Any], check_ctx: CheckContext
) -> None:
    exchange, _ = stream(client, chat_body)
    raise_failures(sse_framing_conformance(exchange, OP, check_ctx), strict=True)


@pytest.mark.requirement("chat/reasoning-standard-fields")
def test_stream_and_message_carry_no_nonstandard_reasoning_fields(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, body = complete(client, chat_body)
    message = body["choices"][0]["message"]
    odd = [k for k in ("reasoning_content", "reasoning") if message.get(k) not in (None, "")]
    expect(
        not odd,
        exchange,
        f"non-standard message field(s) {odd}",
        check="reasoning_fields_conformance",
        pointer="/choices/0/message",
        expected="documented fields",
        actual=odd,
    )
    exchange, assembled = _complete_stream(client, chat_body)
    raise_failures(chat_stream_reasoning_fields_conformance(exchange, assembled), strict=True)
