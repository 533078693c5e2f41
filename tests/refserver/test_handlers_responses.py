"""Self-tests of the Responses API and conversations: bodies validate, the function-call round
trip, structured output, background + cancel, the stream event sequence, and the faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from handler_support import assert_valid, faulty, serve, sse_events, sse_json

from openai_conformance.refserver.server import ReferenceServer

WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = [{"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": False}]


@pytest.fixture(scope="module")
def srv() -> Iterator[tuple[ReferenceServer, httpx.Client]]:
    yield from serve()


def create(c: httpx.Client, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    return c.post("/responses", json={"model": "ref-chat", **kw}, headers=headers or {})


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    assert_valid(r.json(), "Response")
    return r.json()


def test_create_retrieve_input_items_delete(srv) -> None:
    _, c = srv
    made = ok(create(c, input="hello there", instructions="be brief"))
    assert made["status"] == "completed" and made["output"][0]["type"] == "message"
    assert made["usage"]["input_tokens"] == 4
    assert ok(c.get(f"/responses/{made['id']}"))["output"] == made["output"]
    items = c.get(f"/responses/{made['id']}/input_items").json()
    assert_valid(items, "ResponseItemList")
    assert items["data"][0]["content"][0]["text"] == "hello there"
    assert c.delete(f"/responses/{made['id']}").status_code == 200
    assert c.get(f"/responses/{made['id']}").status_code == 404


def test_function_call_round_trip_with_previous_response_id(srv) -> None:
    _, c = srv
    first = ok(create(c, input="please get_weather", tools=TOOLS))
    call = first["output"][0]
    assert call["type"] == "function_call" and call["name"] == "get_weather"
    jsonschema.validate(json.loads(call["arguments"]), WEATHER)
    output = [{"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"}]
    second = ok(create(c, previous_response_id=first["id"], input=output, tools=TOOLS))
    assert second["output"][0]["type"] == "message"
    missing = create(c, previous_response_id="resp_nope", input="x")
    assert missing.status_code == 404 and missing.json()["error"]["param"] == "previous_response_id"


def test_text_format_json_schema_output_is_an_instance(srv) -> None:
    _, c = srv
    fmt = {"format": {"type": "json_schema", "name": "w", "schema": WEATHER, "strict": True}}
    text = ok(create(c, input="x", text=fmt))["output"][0]["content"][0]["text"]
    jsonschema.validate(json.loads(text), WEATHER)


def test_max_output_tokens_makes_the_response_incomplete(srv) -> None:
    _, c = srv
    # max_output_tokens has a documented minimum of 16; a 12-field JSON answer is longer.
    wide = {"type": "object", "properties": {f"f{i}": {"type": "string"} for i in range(12)}}
    fmt = {"format": {"type": "json_schema", "name": "wide", "schema": wide}}
    body = ok(create(c, input="x", max_output_tokens=16, text=fmt))
    assert body["status"] == "incomplete"
    assert body["incomplete_details"]["reason"] == "max_output_tokens"


def test_input_tokens_and_compact_validate(srv) -> None:
    _, c = srv
    r = c.post("/responses/input_tokens", json={"model": "ref-chat", "input": "a b c"})
    assert_valid(r.json(), "TokenCountsResource")
    assert r.json()["input_tokens"] == 3
    r = c.post("/responses/compact", json={"model": "ref-chat", "input": "a b c"})
    assert_valid(r.json(), "CompactResource")


def test_cancel_of_a_foreground_response_is_a_400(srv) -> None:
    _, c = srv
    made = ok(create(c, input="x"))
    assert c.post(f"/responses/{made['id']}/cancel").status_code == 400
    assert c.post("/responses/resp_nope/cancel").status_code == 404


def test_background_response_advances_with_the_clock_and_cancels() -> None:
    for _srv, c in serve(clock_speed=1.0):
        made = ok(create(c, input="x", background=True))
        assert made["status"] == "queued"
        c.post("/__oaic/clock", json={"advance": 3})
        assert ok(c.get(f"/responses/{made['id']}"))["status"] == "in_progress"
        cancelled = ok(c.post(f"/responses/{made['id']}/cancel"))
        assert cancelled["status"] == "cancelled"
        other = ok(create(c, input="y", background=True))
        c.post("/__oaic/clock", json={"advance": 60})
        done = ok(c.get(f"/responses/{other['id']}"))
        assert done["status"] == "completed" and done["output"]


def test_cancelling_twice_returns_the_cancelled_response_and_completed_is_a_400() -> None:
    for _srv, c in serve(clock_speed=1.0):
        made = ok(create(c, input="x", background=True))
        first = ok(c.post(f"/responses/{made['id']}/cancel"))
        assert ok(c.post(f"/responses/{made['id']}/cancel")) == first
        assert first["status"] == "cancelled"
        done = ok(create(c, input="y", background=True))
        c.post("/__oaic/clock", json={"advance": 60})
        assert c.post(f"/responses/{done['id']}/cancel").status_code == 400


def test_streamed_background_response_resumes_after_the_cursor(srv) -> None:
    _, c = srv
    events = sse_json(create(c, input="hello", stream=True, background=True).text)
    types = [ev["type"] for ev in events]
    assert types[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert events[0]["response"]["status"] == "queued" and types[-1] == "response.completed"
    assert [ev["sequence_number"] for ev in events] == list(range(len(events)))
    for ev in events:
        assert_valid(ev, "ResponseStreamEvent")
    rid = events[0]["response"]["id"]
    for cursor in (-1, 0, 4, len(events) - 1):
        resumed = c.get(f"/responses/{rid}", params={"stream": "true", "starting_after": cursor})
        assert resumed.headers["content-type"].startswith("text/event-stream")
        assert sse_json(resumed.text) == events[cursor + 1 :]
    assert ok(c.get(f"/responses/{rid}"))["status"] == "completed"
    bad = c.get(f"/responses/{rid}", params={"stream": "true", "starting_after": "x"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "starting_after"


def test_only_a_streamed_background_response_can_be_streamed_again(srv) -> None:
    _, c = srv
    for kw in ({"background": True}, {"stream": True}, {}):
        made = create(c, input="x", **kw)
        rid = (
            made.json()["id"] if not kw.get("stream") else sse_json(made.text)[0]["response"]["id"]
        )
        again = c.get(f"/responses/{rid}", params={"stream": "true"})
        assert again.status_code == 400 and again.json()["error"]["param"] == "stream"


def test_a_deleted_streamed_background_response_is_not_replayed(srv) -> None:
    _, c = srv
    events = sse_json(create(c, input="hello", stream=True, background=True).text)
    rid = events[0]["response"]["id"]
    assert c.delete(f"/responses/{rid}").status_code == 200
    assert c.get(f"/responses/{rid}", params={"stream": "true"}).status_code == 404


def test_stream_event_sequence_is_complete_and_consistent(srv) -> None:
    _, c = srv
    r = create(c, input="hello", stream=True)
    assert r.headers["content-type"].startswith("text/event-stream")
    framed = sse_events(r.text)
    events = sse_json(r.text)
    assert [e for e, _ in framed] == [ev["type"] for ev in events]
    for ev in events:
        assert_valid(ev, "ResponseStreamEvent")
    assert [ev["sequence_number"] for ev in events] == list(range(len(events)))
    types = [ev["type"] for ev in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"
    deltas = "".join(ev["delta"] for ev in events if ev["type"] == "response.output_text.delta")
    done = next(ev for ev in events if ev["type"] == "response.output_text.done")
    assert deltas == done["text"] == events[-1]["response"]["output"][0]["content"][0]["text"]
    assert ok(c.get(f"/responses/{events[-1]['response']['id']}"))["status"] == "completed"


def test_stream_function_call_arguments_deltas(srv) -> None:
    _, c = srv
    events = sse_json(create(c, input="x", stream=True, tools=TOOLS, tool_choice="required").text)
    for ev in events:
        assert_valid(ev, "ResponseStreamEvent")
    args = "".join(
        ev["delta"] for ev in events if ev["type"] == "response.function_call_arguments.delta"
    )
    done = next(ev for ev in events if ev["type"] == "response.function_call_arguments.done")
    assert args == done["arguments"]


def test_stream_faults_visibly_change_the_events(srv) -> None:
    _, c = srv

    def evs(fault: str) -> list[dict[str, Any]]:
        return sse_json(create(c, faulty(fault), input="hello", stream=True).text)

    seq = [e["sequence_number"] for e in evs("responses-sequence-not-increasing")]
    assert seq != sorted(set(seq))
    assert evs("responses-no-terminal-event")[-1]["type"] == "response.output_item.done"
    mism = evs("responses-delta-mismatch")
    deltas = "".join(e["delta"] for e in mism if e["type"] == "response.output_text.delta")
    assert deltas != next(e for e in mism if e["type"] == "response.output_text.done")["text"]
    assert any(e["type"] == "response.text.delta" for e in evs("responses-event-wrong-type"))
    idx = evs("responses-output-index-mismatch")
    assert {e["output_index"] for e in idx if e["type"] == "response.output_text.delta"} == {1}
    fmt = {"format": {"type": "json_object"}}
    plain = create(c, faulty("responses-ignore-text-format"), input="x", text=fmt).json()
    with pytest.raises(ValueError):
        json.loads(plain["output"][0]["content"][0]["text"])


def test_conversation_collects_response_items_and_supports_item_crud(srv) -> None:
    _, c = srv
    conv = c.post(
        "/conversations", json={"items": [{"type": "message", "role": "user", "content": "hi"}]}
    ).json()
    assert_valid(conv, "ConversationResource")
    ok(create(c, input="more", conversation=conv["id"]))
    items = c.get(f"/conversations/{conv['id']}/items").json()
    assert_valid(items, "ConversationItemList")
    assert len(items["data"]) == 3
    first = items["data"][0]["id"]
    assert_valid(c.get(f"/conversations/{conv['id']}/items/{first}").json(), "ConversationItem")
    added = c.post(
        f"/conversations/{conv['id']}/items",
        json={"items": [{"type": "message", "role": "user", "content": "x"}]},
    ).json()
    assert_valid(added, "ConversationItemList")
    assert_valid(
        c.delete(f"/conversations/{conv['id']}/items/{first}").json(), "ConversationResource"
    )
    assert c.get(f"/conversations/{conv['id']}/items/{first}").status_code == 404
    assert_valid(c.delete(f"/conversations/{conv['id']}").json(), "DeletedConversationResource")
    assert c.get(f"/conversations/{conv['id']}").status_code == 404


def test_additional_tools_and_image_call_by_id_are_accepted_and_listed_validly(srv) -> None:
    # Errata 047/048: the reference server accepts the items OpenAI accepts; the listing
    # keeps the additional_tools item and leaves out the reference, like item_reference.
    _, c = srv
    extra = {"type": "additional_tools", "role": "developer", "tools": TOOLS}
    by_id = {"type": "image_generation_call", "id": "ig_1"}
    made = ok(create(c, input=[{"role": "user", "content": "draw it again"}, by_id, extra]))
    items = c.get(f"/responses/{made['id']}/input_items").json()
    assert_valid(items, "ResponseItemList")
    assert sorted(i["type"] for i in items["data"]) == ["additional_tools", "message"]
    bad = create(c, input=[{**by_id, "status": "bogus"}])
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["param"] == "input[0].status"
