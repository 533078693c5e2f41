"""Self-tests of chat and legacy completions: schema validity, determinism, tools, structured
output, streaming invariants, stored completions, and that every chat fault changes the output."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from handler_support import assert_valid, faulty, serve, sse_events, sse_json

from openai_conformance.refserver.server import ReferenceServer

USER = [{"role": "user", "content": "tell me something"}]
WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 2},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]


@pytest.fixture(scope="module")
def srv() -> Iterator[tuple[ReferenceServer, httpx.Client]]:
    yield from serve()


def chat(c: httpx.Client, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    body = {"model": "ref-chat", "messages": USER, **kw}
    return c.post("/chat/completions", json=body, headers=headers or {})


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body = r.json()
    assert_valid(body, "CreateChatCompletionResponse")
    return body


def stream(c: httpx.Client, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    return chat(c, headers, stream=True, **kw)


def test_plain_chat_completion_validates_and_is_deterministic(srv) -> None:
    _, c = srv
    a, b = ok(chat(c)), ok(chat(c))
    assert a["choices"][0]["message"]["content"] == b["choices"][0]["message"]["content"]
    assert a["choices"][0]["finish_reason"] == "stop"


def test_developer_role_and_content_parts_are_accepted(srv) -> None:
    _, c = srv
    messages = [
        {"role": "developer", "content": "be terse"},
        {"role": "system", "content": "you are a test"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
    ]
    ok(chat(c, messages=messages))


def test_n_choices_have_distinct_indexes_and_prompt_counted_once(srv) -> None:
    _, c = srv
    one, three = ok(chat(c)), ok(chat(c, n=3))
    assert [ch["index"] for ch in three["choices"]] == [0, 1, 2]
    assert three["usage"]["prompt_tokens"] == one["usage"]["prompt_tokens"]
    u = three["usage"]
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]
    words = sum(len(ch["message"]["content"].split()) for ch in three["choices"])
    assert u["completion_tokens"] == words


@pytest.mark.parametrize("field", ["max_completion_tokens", "max_tokens"])
def test_max_tokens_gives_finish_reason_length_at_exactly_that_many_tokens(srv, field) -> None:
    _, c = srv
    body = ok(chat(c, **{field: 3}))
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length"
    assert len(choice["message"]["content"].split()) == 3
    assert body["usage"]["completion_tokens"] == 3


def test_stop_string_truncates_the_content(srv) -> None:
    _, c = srv
    full = ok(chat(c))["choices"][0]["message"]["content"]
    word = full.split()[2]
    cut = ok(chat(c, stop=[" " + word]))["choices"][0]
    assert cut["message"]["content"] == full[: full.index(" " + word)]
    assert cut["finish_reason"] == "stop"


def test_logprobs_have_the_chat_shape_with_top_logprobs(srv) -> None:
    _, c = srv
    choice = ok(chat(c, logprobs=True, top_logprobs=2))["choices"][0]
    entries = choice["logprobs"]["content"]
    assert "".join(e["token"] for e in entries) == choice["message"]["content"]
    assert all(len(e["top_logprobs"]) == 2 for e in entries)


def test_required_tool_choice_calls_every_tool_with_schema_valid_string_arguments(srv) -> None:
    _, c = srv
    body = ok(chat(c, tools=TOOLS, tool_choice="required"))
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    calls = choice["message"]["tool_calls"]
    assert [t["function"]["name"] for t in calls] == ["get_weather", "get_time"]
    assert len({t["id"] for t in calls}) == 2 and all(t["id"].startswith("call_") for t in calls)
    jsonschema.validate(json.loads(calls[0]["function"]["arguments"]), WEATHER)


def test_tool_choice_modes_none_named_auto_and_no_parallel(srv) -> None:
    _, c = srv
    none = ok(chat(c, tools=TOOLS, tool_choice="none"))["choices"][0]
    assert none["finish_reason"] == "stop" and not none["message"].get("tool_calls")
    named = {"type": "function", "function": {"name": "get_time"}}
    calls = ok(chat(c, tools=TOOLS, tool_choice=named))["choices"][0]["message"]["tool_calls"]
    assert [t["function"]["name"] for t in calls] == ["get_time"]
    auto_text = ok(chat(c, tools=TOOLS))["choices"][0]
    assert auto_text["message"]["content"] and auto_text["finish_reason"] == "stop"
    mention = [{"role": "user", "content": "use get_weather please"}]
    auto = ok(chat(c, tools=TOOLS, messages=mention))["choices"][0]["message"]["tool_calls"]
    assert [t["function"]["name"] for t in auto] == ["get_weather"]
    single = ok(chat(c, tools=TOOLS, tool_choice="required", parallel_tool_calls=False))
    assert len(single["choices"][0]["message"]["tool_calls"]) == 1


def test_tool_result_follow_up_answers_with_text(srv) -> None:
    _, c = srv
    first = ok(chat(c, tools=TOOLS, messages=[{"role": "user", "content": "get_weather"}]))
    msg = first["choices"][0]["message"]
    call = msg["tool_calls"][0]
    history = [
        {"role": "user", "content": "get_weather"},
        {"role": "assistant", "content": None, "tool_calls": msg["tool_calls"]},
        {"role": "tool", "tool_call_id": call["id"], "content": "sunny"},
    ]
    follow = ok(chat(c, tools=TOOLS, messages=history))["choices"][0]
    assert follow["finish_reason"] == "stop" and follow["message"]["content"]


def test_unknown_named_tool_is_a_400_naming_tool_choice(srv) -> None:
    _, c = srv
    r = chat(c, tools=TOOLS, tool_choice={"type": "function", "function": {"name": "nope"}})
    assert r.status_code == 400 and r.json()["error"]["param"] == "tool_choice"


def test_response_format_json_object_and_json_schema(srv) -> None:
    _, c = srv
    obj = ok(chat(c, response_format={"type": "json_object"}))["choices"][0]["message"]["content"]
    assert isinstance(json.loads(obj), dict)
    fmt = {"type": "json_schema", "json_schema": {"name": "w", "schema": WEATHER, "strict": True}}
    text = ok(chat(c, response_format=fmt))["choices"][0]["message"]["content"]
    jsonschema.validate(json.loads(text), WEATHER)


def test_stream_chunks_validate_and_concatenate_to_the_non_streamed_content(srv) -> None:
    _, c = srv
    expected = ok(chat(c))["choices"][0]["message"]["content"]
    r = stream(c, stream_options={"include_usage": True})
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    assert events[-1][1] == "[DONE]"
    chunks = sse_json(r.text)
    for ch in chunks:
        assert_valid(ch, "CreateChatCompletionStreamResponse")
    assert len({(ch["id"], ch["created"], ch["model"]) for ch in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content = "".join(ch["choices"][0]["delta"].get("content") or "" for ch in chunks[:-1])
    assert content == expected
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == len(
        expected.split()
    )


def test_stream_without_include_usage_has_no_usage_chunk(srv) -> None:
    _, c = srv
    chunks = sse_json(stream(c).text)
    assert all(ch["choices"] for ch in chunks)


def test_stream_tool_call_deltas_carry_index_and_assemble_into_calls(srv) -> None:
    _, c = srv
    chunks = sse_json(stream(c, tools=TOOLS, tool_choice="required").text)
    calls: dict[int, dict[str, str]] = {}
    for ch in chunks:
        for d in ch["choices"][0]["delta"].get("tool_calls") or []:
            slot = calls.setdefault(d["index"], {"id": "", "name": "", "arguments": ""})
            slot["id"] += d.get("id", "")
            slot["name"] += d.get("function", {}).get("name", "")
            slot["arguments"] += d.get("function", {}).get("arguments", "")
    assert [calls[i]["name"] for i in sorted(calls)] == ["get_weather", "get_time"]
    jsonschema.validate(json.loads(calls[0]["arguments"]), WEATHER)
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_stored_completion_lifecycle(srv) -> None:
    _, c = srv
    made = ok(chat(c, store=True, metadata={"suite": "h2"}))
    cid = made["id"]
    assert ok(c.get(f"/chat/completions/{cid}"))["id"] == cid
    listed = c.get("/chat/completions", params={"metadata[suite]": "h2"}).json()
    assert_valid(listed, "ChatCompletionList")
    assert [x["id"] for x in listed["data"]] == [cid]
    assert c.get("/chat/completions", params={"model": "gpt-4o"}).json()["data"] == []
    msgs = c.get(f"/chat/completions/{cid}/messages").json()
    assert_valid(msgs, "ChatCompletionMessageList")
    assert msgs["data"][0]["content"] == USER[0]["content"]
    updated = ok(c.post(f"/chat/completions/{cid}", json={"metadata": {"suite": "h3"}}))
    assert updated["metadata"] == {"suite": "h3"}
    deleted = c.delete(f"/chat/completions/{cid}").json()
    assert_valid(deleted, "ChatCompletionDeleted")
    assert c.get(f"/chat/completions/{cid}").status_code == 404


def test_legacy_completions_validate_with_echo_logprobs_and_stream(srv) -> None:
    _, c = srv
    body = {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": "Say",
        "n": 2,
        "logprobs": 2,
        "echo": True,
        "max_tokens": 4,
    }
    r = c.post("/completions", json=body)
    assert_valid(r.json(), "CreateCompletionResponse")
    choice = r.json()["choices"][0]
    assert choice["text"].startswith("Say") and choice["finish_reason"] == "length"
    s = c.post(
        "/completions", json={"model": "gpt-3.5-turbo-instruct", "prompt": "Say", "stream": True}
    )
    assert sse_events(s.text)[-1][1] == "[DONE]"
    chunks = sse_json(s.text)
    # The contract documents no stream schema for /completions; intermediate chunks carry
    # finish_reason null as OpenAI sends them, the last one is a complete choice.
    assert_valid(chunks[-1], "CreateCompletionResponse")
    assert all(ch["choices"][0]["finish_reason"] is None for ch in chunks[:-1])


# ---------------------------------------------------------------- faults change the output


def test_non_stream_faults_visibly_change_the_answer(srv) -> None:
    _, c = srv
    f = faulty
    calls = ok(
        chat(c, f("chat-finish-reason-stop-on-tool-call"), tools=TOOLS, tool_choice="required")
    )
    assert calls["choices"][0]["finish_reason"] == "stop"
    cut = chat(c, f("chat-finish-reason-stop-on-length"), max_completion_tokens=2).json()
    assert cut["choices"][0]["finish_reason"] == "stop"
    args = chat(c, f("chat-tool-arguments-object"), tools=TOOLS, tool_choice="required").json()
    assert isinstance(args["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], dict)
    dup = chat(c, f("chat-duplicate-tool-call-ids"), tools=TOOLS, tool_choice="required").json()
    assert len({t["id"] for t in dup["choices"][0]["message"]["tool_calls"]}) == 1
    fmt = chat(c, f("chat-ignore-response-format"), response_format={"type": "json_object"}).json()
    with pytest.raises(ValueError):
        json.loads(fmt["choices"][0]["message"]["content"])
    tc = chat(c, f("chat-ignore-tool-choice"), tools=TOOLS, tool_choice="required").json()
    assert tc["choices"][0]["finish_reason"] == "stop"
    full = ok(chat(c))["choices"][0]["message"]["content"]
    stop = chat(c, f("chat-ignore-stop"), stop=[" " + full.split()[1]]).json()
    assert stop["choices"][0]["message"]["content"] == full
    assert len(chat(c, f("chat-ignore-n"), n=2).json()["choices"]) == 1
    mct = chat(c, f("chat-ignore-max-completion-tokens"), max_completion_tokens=1).json()
    assert mct["choices"][0]["finish_reason"] == "stop"
    dev = chat(
        c, f("chat-reject-developer-role"), messages=[{"role": "developer", "content": "x"}, *USER]
    )
    assert dev.status_code == 400
    parts = chat(
        c,
        f("chat-reject-content-parts"),
        messages=[{"role": "user", "content": [{"type": "text", "text": "x"}]}],
    )
    assert parts.status_code == 400
    so = stream(c, f("chat-reject-stream-options"), stream_options={"include_usage": True})
    assert so.status_code == 400 and so.json()["error"]["param"] == "stream_options"
    lp = chat(c, f("chat-logprobs-completions-shape"), logprobs=True).json()
    assert "token_logprobs" in lp["choices"][0]["logprobs"]
    u = chat(c, f("chat-usage-wrong-total")).json()["usage"]
    assert u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]
    one = ok(chat(c))["usage"]["prompt_tokens"]
    assert chat(c, f("chat-usage-prompt-times-n"), n=2).json()["usage"]["prompt_tokens"] == 2 * one


def test_stream_faults_visibly_change_the_stream(srv) -> None:
    _, c = srv
    f = faulty
    assert sse_events(stream(c, f("chat-stream-no-done")).text)[-1][1] != "[DONE]"
    assert "data:{" in stream(c, f("chat-stream-data-no-space")).text
    ctype = stream(c, f("chat-stream-wrong-content-type")).headers["content-type"]
    assert not ctype.startswith("text/event-stream")
    tc = sse_json(
        stream(c, f("chat-stream-tool-call-no-index"), tools=TOOLS, tool_choice="required").text
    )
    deltas = [d for ch in tc for d in ch["choices"][0]["delta"].get("tool_calls") or []]
    assert deltas and all("index" not in d for d in deltas)
    assert (
        "role"
        not in sse_json(stream(c, f("chat-stream-role-missing")).text)[0]["choices"][0]["delta"]
    )
    assert len({ch["id"] for ch in sse_json(stream(c, f("chat-stream-inconsistent-id")).text)}) > 1
    usage_on = {"stream_options": {"include_usage": True}}
    assert (
        sse_json(stream(c, f("chat-stream-usage-choices-null"), **usage_on).text)[-1]["choices"]
        is None
    )
    assert "usage" in sse_json(stream(c, f("chat-stream-usage-always")).text)[-1]
    assert all(
        ch.get("usage") is None
        for ch in sse_json(stream(c, f("chat-stream-usage-never"), **usage_on).text)
    )
    after = sse_events(stream(c, f("chat-stream-content-after-done")).text)
    assert after[-2][1] == "[DONE]" and after[-1][1] != "[DONE]"
    err = sse_json(stream(c, f("chat-stream-midstream-error")).text)
    assert "error" in err[-1] and len(err) == 3


def test_stream_hang_fault_stops_sending_without_closing(srv) -> None:
    server, _ = srv
    body = {"model": "ref-chat", "messages": USER, "stream": True}
    timeout = httpx.Timeout(5, read=0.5)
    got = b""
    start = time.monotonic()
    with (
        httpx.Client(base_url=server.base_url, timeout=timeout) as c2,
        pytest.raises(httpx.ReadTimeout),
        c2.stream("POST", "/chat/completions", json=body, headers=faulty("chat-stream-hang")) as r,
    ):
        for chunk in r.iter_bytes():
            got += chunk
    assert got.count(b"data: ") == 2 and b"[DONE]" not in got
    assert time.monotonic() - start < 15  # the server would hold the stream for 30 s
