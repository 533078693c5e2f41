"""The parallel-tool-call and logprobs stream checks judge correctly, without a server: real
recorded OpenAI streams pass, and each broken shape fails at the chunk that breaks it. (The chat
suite against the reference server, with and without its faults, is judged by
tests/suites/test_faults_break_their_requirements.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_conformance.scenario.streams import (
    assemble_chat_stream,
    calls_of,
    chat_stream_logprobs_conformance,
    chat_stream_parallel_tool_calls_conformance,
    streams_logprobs,
)
from openai_conformance.traffic.formats import Recorded, read_file
from openai_conformance.wire.sse import SSEParser

TRAFFIC = Path(__file__).resolve().parents[1] / "data" / "traffic"
PARALLEL_RECORDINGS = [
    "traceloop__openllmetry/packages__opentelemetry-instrumentation-openai__tests__traces__"
    "cassettes__test_functions__test_open_ai_function_calls_tools_streaming_parallel.yaml",
    "open-telemetry__opentelemetry-python-contrib/instrumentation-genai__opentelemetry-"
    "instrumentation-openai-v2__tests__cassettes__test_chat_completion_multiple_tools_"
    "streaming_no_content.yaml",
    "open-telemetry__opentelemetry-python-contrib/instrumentation-genai__opentelemetry-"
    "instrumentation-openai-v2__tests__cassettes__test_async_chat_completion_multiple_tools_"
    "streaming_with_content.yaml",
]


class Events:
    """A stand-in for a recorded stream exchange: only ``events`` (no status: no evidence)."""

    def __init__(self, chunks: list[Any]) -> None:
        self.events = [json.dumps(c) if not isinstance(c, str) else c for c in chunks]


def _chunk(delta: dict[str, Any], reason: str | None = None, logprobs: Any = None) -> dict:
    choice = {"index": 0, "delta": delta, "finish_reason": reason, "logprobs": logprobs}
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
    }


def _calls(heads: list[dict[str, Any]], later: list[dict[str, Any]]) -> Events:
    chunks = [_chunk({"role": "assistant", "content": None})]
    chunks += [_chunk({"tool_calls": [d]}) for d in heads + later]
    chunks += [_chunk({}, "tool_calls"), "[DONE]"]
    return Events(chunks)


def _head(index: int, call_id: str, name: str) -> dict[str, Any]:
    return {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": ""},
    }


def _args(index: int, text: str, **extra: Any) -> dict[str, Any]:
    return {"index": index, "function": {"arguments": text}, **extra}


GOOD_HEADS = [_head(0, "call_a", "get_weather"), _head(1, "call_b", "get_time")]
GOOD_ARGS = [_args(0, '{"city": "Paris"}'), _args(1, '{"timezone": "Europe/Paris"}')]


def _recorded_streams(name: str) -> list[Recorded]:
    found = [r for r in read_file(TRAFFIC / name) if isinstance(r, Recorded)]
    return [r for r in found if b"chat.completion.chunk" in r.response_body]


@pytest.mark.parametrize("name", PARALLEL_RECORDINGS, ids=lambda n: n.rsplit("__", 1)[-1])
def test_recorded_openai_parallel_tool_call_streams_pass(name: str) -> None:
    streams = _recorded_streams(name)
    assert streams, f"no streamed chat completion in {name}"
    for rec in streams:
        parser = SSEParser()
        events = parser.feed(rec.response_body) + parser.close()
        exchange = Events([e.data for e in events])
        assembled = assemble_chat_stream(exchange.events)
        assert calls_of(assembled) >= 2, rec.where
        assert chat_stream_parallel_tool_calls_conformance(exchange, assembled) == [], rec.where


def test_parallel_calls_with_dense_indexes_and_heads_pass() -> None:
    assert chat_stream_parallel_tool_calls_conformance(_calls(GOOD_HEADS, GOOD_ARGS)) == []


def test_a_later_fragment_repeating_the_id_and_name_fails_at_that_fragment() -> None:
    repeated = _args(0, '{"city": "Paris"}', id="call_a")
    repeated["function"]["name"] = "get_weather"
    failures = chat_stream_parallel_tool_calls_conformance(
        _calls(GOOD_HEADS, [repeated, GOOD_ARGS[1]])
    )
    pointers = sorted(f.pointer or "" for f in failures)
    assert pointers == [
        "/events/3/choices/0/delta/tool_calls/0/function/name",
        "/events/3/choices/0/delta/tool_calls/0/id",
    ]


def test_two_calls_sharing_one_index_fail_and_still_count_as_two_calls() -> None:
    heads = [_head(0, "call_a", "get_weather"), _head(0, "call_b", "get_time")]
    exchange = _calls(heads, [_args(0, "{}")])
    assert calls_of(assemble_chat_stream(exchange.events)) == 2
    failures = chat_stream_parallel_tool_calls_conformance(exchange)
    assert any("changes its id" in f.title for f in failures)


def test_indexes_starting_at_one_fail_as_not_dense() -> None:
    heads = [_head(1, "call_a", "get_weather"), _head(2, "call_b", "get_time")]
    failures = chat_stream_parallel_tool_calls_conformance(
        _calls(heads, [_args(1, "{}"), _args(2, "{}")])
    )
    assert [f.title for f in failures] == ["the tool-call indexes of choice 0 are not dense from 0"]


def test_a_fragment_without_index_fails() -> None:
    later = [{"function": {"arguments": "{}"}}, _args(1, "{}")]
    failures = chat_stream_parallel_tool_calls_conformance(_calls(GOOD_HEADS, later))
    assert any(f.pointer and f.pointer.endswith("/index") for f in failures)


def test_a_first_fragment_without_name_fails() -> None:
    heads = [_head(0, "call_a", "get_weather"), {"index": 1, "id": "call_b", "type": "function"}]
    failures = chat_stream_parallel_tool_calls_conformance(_calls(heads, GOOD_ARGS))
    assert any("lacks name" in f.title for f in failures)


# ------------------------------------------------------------------------------ logprobs


def _entry(token: str, logprob: float = -0.1, alts: int = 2) -> dict[str, Any]:
    tops = [{"token": f"{token}{i}", "logprob": -1.0 - i, "bytes": None} for i in range(alts)]
    return {"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": tops}


def _lp_stream(tokens: list[str], entries: list[list[dict[str, Any]]] | None = None) -> Events:
    chunks = [
        _chunk({"role": "assistant", "content": ""}, logprobs={"content": [], "refusal": None})
    ]
    for i, tok in enumerate(tokens):
        content = entries[i] if entries else [_entry(tok)]
        chunks.append(_chunk({"content": tok}, logprobs={"content": content, "refusal": None}))
    chunks += [_chunk({}, "stop"), "[DONE]"]
    return Events(chunks)


def test_logprobs_matching_each_chunk_pass() -> None:
    exchange = _lp_stream(["Hello", " there", "."])
    assert streams_logprobs(assemble_chat_stream(exchange.events).choices[0])
    assert chat_stream_logprobs_conformance(exchange, top=2) == []


def test_a_character_split_over_two_tokens_passes_by_its_bytes() -> None:
    raw = "é".encode()
    first = dict(_entry("x"), token="bytes:\\xc3", bytes=[raw[0]])
    second = dict(_entry("x"), token="bytes:\\xa9", bytes=[raw[1]])
    assert chat_stream_logprobs_conformance(_lp_stream(["é"], [[first, second]]), top=2) == []


def test_tokens_that_differ_from_the_content_fail_at_the_chunk() -> None:
    failures = chat_stream_logprobs_conformance(
        _lp_stream(["Hello", " there"], [[_entry("Hello")], [_entry("there")]]), top=2
    )
    assert [f.pointer for f in failures] == ["/events/2/choices/0/logprobs/content"]


def test_more_alternatives_than_top_logprobs_fail() -> None:
    failures = chat_stream_logprobs_conformance(_lp_stream(["Hi"], [[_entry("Hi", alts=3)]]), top=2)
    assert [f.pointer for f in failures] == ["/events/1/choices/0/logprobs/content/0/top_logprobs"]


def test_a_positive_logprob_fails() -> None:
    failures = chat_stream_logprobs_conformance(
        _lp_stream(["Hi"], [[_entry("Hi", logprob=0.5)]]), top=2
    )
    assert [f.pointer for f in failures] == ["/events/1/choices/0/logprobs/content/0/logprob"]


def test_a_content_chunk_without_logprobs_fails() -> None:
    exchange = _lp_stream(["Hi"])
    chunk = json.loads(exchange.events[1])
    chunk["choices"][0]["logprobs"] = None
    exchange.events[1] = json.dumps(chunk)
    failures = chat_stream_logprobs_conformance(exchange, top=2)
    assert [f.pointer for f in failures] == ["/events/1/choices/0/logprobs/content"]


def test_a_stream_without_any_logprobs_is_absent_not_failed() -> None:
    exchange = Events(
        [_chunk({"role": "assistant", "content": "Hi"}), _chunk({}, "stop"), "[DONE]"]
    )
    assembled = assemble_chat_stream(exchange.events)
    assert not streams_logprobs(assembled.choices[0])
