"""The realtime protocol helpers judge correctly, without a server: the GA response order,
deltas against done values, function calls (call_id, arguments), the server event schema
map and the report's event coverage.
(The realtime suite against the reference server, with and without faults, is judged by
test_faults_break_their_requirements.)"""

from __future__ import annotations

import json
from typing import Any

from openai_conformance.contract import load_spec
from openai_conformance.reports.realtime_coverage import realtime_coverage
from openai_conformance.scenario.realtime import (
    ResponseSequence,
    delta_problems,
    known_server_event_types,
    server_event_schemas,
    transcript_event_types,
)
from openai_conformance.scenario.realtime_calls import function_call_items, function_call_problems


def _response(text_deltas: list[str], done_text: str, swap: bool = False) -> list[dict[str, Any]]:
    where = {"response_id": "r1", "item_id": "i1", "output_index": 0, "content_index": 0}
    item = {"id": "i1", "type": "message", "role": "assistant"}
    added = {"type": "response.output_item.added", "response_id": "r1", "output_index": 0}
    done_item = dict(item, content=[{"type": "output_text", "text": done_text}])
    part_done = {
        "type": "response.content_part.done",
        **where,
        "part": {"type": "text", "text": done_text},
    }
    item_done = {
        "type": "response.output_item.done",
        "response_id": "r1",
        "output_index": 0,
        "item": done_item,
    }
    return [
        {"type": "response.created", "response": {"id": "r1"}},
        dict(added, item=item),
        {"type": "conversation.item.added", "item": item},
        {"type": "response.content_part.added", **where, "part": {"type": "text", "text": ""}},
        *({"type": "response.output_text.delta", **where, "delta": d} for d in text_deltas),
        {"type": "response.output_text.done", **where, "text": done_text},
        *([item_done, part_done] if swap else [part_done, item_done]),
        {"type": "response.done", "response": {"id": "r1", "output": [done_item]}},
    ]  # fmt: skip


def test_response_sequence_accepts_the_ga_order_and_flags_an_item_done_too_early() -> None:
    assert ResponseSequence().feed_all(_response(["a", "b"], "ab")).problems == []
    problems = ResponseSequence().feed_all(_response(["a"], "a", swap=True)).problems
    assert problems and "not done" in problems[0][1], problems


def test_delta_problems_names_every_done_value_that_differs() -> None:
    assert delta_problems(_response(["Hel", "lo"], "Hello")) == []
    where = [p[0] for p in delta_problems(_response(["Hel", "lo"], "Hello!"))]
    assert len(where) == 3 and where[0].startswith("response.output_text.done"), where


def test_server_event_schema_map_prefers_ga_components_and_knows_every_type() -> None:
    spec = load_spec()
    mapping = server_event_schemas(spec)
    assert mapping["conversation.item.added"] == "RealtimeServerEventConversationItemAdded"
    assert mapping["error"] == "RealtimeServerEventError"
    assert "transcription_session.created" in mapping  # beta-only types are known too
    assert len(known_server_event_types(spec)) == len(mapping) > 46


def test_transcript_types_feed_the_report_coverage() -> None:
    class Ws:
        websocket = {
            "transcript": [
                {"dir": "send", "data": json.dumps({"type": "session.update"})},
                {"dir": "recv", "data": json.dumps({"type": "session.created"})},
                {"dir": "recv", "data": json.dumps({"type": "oaic.unknown"})},
                {"dir": "recv", "data": "not json"},
            ]
        }

    seen = transcript_event_types(Ws())
    assert seen == ["oaic.unknown", "session.created"]
    cov = realtime_coverage(dict.fromkeys(seen, 1))
    assert cov is not None and cov["components"] == 95 and cov["seen"] == 1
    assert cov["unknown"] == ["oaic.unknown"] and "session.created" not in cov["unseen"]


def _function_response(call_id_of_events: str = "call_1", done_args: str | None = None) -> list:
    item = {
        "id": "i1",
        "type": "function_call",
        "status": "in_progress",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": "",
    }
    where = {"response_id": "r1", "item_id": "i1", "output_index": 0}
    pieces = ['{"city": ', '"Paris"}']
    args = "".join(pieces)
    final = dict(item, status="completed", arguments=args)
    return [
        {"type": "response.created", "response": {"id": "r1", "status": "in_progress"}},
        {
            "type": "response.output_item.added",
            "response_id": "r1",
            "output_index": 0,
            "item": item,
        },
        *[
            {
                "type": "response.function_call_arguments.delta",
                **where,
                "call_id": call_id_of_events,
                "delta": p,
            }
            for p in pieces
        ],
        {
            "type": "response.function_call_arguments.done",
            **where,
            "call_id": call_id_of_events,
            "name": "get_weather",
            "arguments": args if done_args is None else done_args,
        },
        {
            "type": "response.output_item.done",
            "response_id": "r1",
            "output_index": 0,
            "item": final,
        },
        {
            "type": "response.done",
            "response": {"id": "r1", "status": "completed", "output": [final]},
        },
    ]


def test_a_well_formed_function_call_response_has_no_problems() -> None:
    events = _function_response()
    assert [i["call_id"] for i in function_call_items(events)] == ["call_1"]
    assert function_call_problems(events) == []
    assert ResponseSequence().feed_all(events).problems == []


def test_argument_events_under_another_call_id_are_problems() -> None:
    problems = function_call_problems(_function_response(call_id_of_events="call_2"))
    assert [p[0] for p in problems] == [2, 3, 4]
    assert all("call_id" in p[1] for p in problems)


def test_done_arguments_other_than_the_deltas_are_a_problem() -> None:
    problems = function_call_problems(_function_response(done_args='{"city": "Rome"}'))
    assert [p[1] for p in problems][:1] == [
        "response.function_call_arguments.done arguments differ from the deltas"
    ]
