"""Realtime function calls: the function_call item and its argument events, and the round trip
(function_call_output, then a response that completes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from rt_steps import call_function, run_response

from openai_conformance.scenario.realtime import ResponseSequence
from openai_conformance.scenario.realtime_calls import function_call_items, function_call_problems
from openai_conformance.target.config import RunConfig

CHECK = "realtime_function_call_conformance"


@pytest.mark.requirement("realtime/function-call-events")
def test_function_call_streams_its_arguments_under_the_items_call_id(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    with realtime() as rt:
        events = call_function(rt, oaic_config)
        order = ResponseSequence().feed_all(events).problems
        problems = [(i, m, None, None) for i, m in order] + function_call_problems(events)
        if problems:
            index, message, expected, actual = problems[0]
            raise rt.fail(
                f"function call: {message}",
                check=CHECK,
                pointer=f"/events/{index}",
                expected=expected,
                actual=actual if actual is not None else [e.get("type") for e in events],
                message="; ".join(p[1] for p in problems[:5]),
            )


@pytest.mark.requirement("realtime/function-call-output")
def test_function_call_output_is_accepted_and_the_next_response_completes(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    with realtime() as rt:
        events = call_function(rt, oaic_config)
        calls = function_call_items(events)
        if not calls or not calls[0].get("call_id"):
            raise rt.fail(
                "the function_call item carries no call_id to answer",
                check=CHECK,
                expected="a call_id",
                actual=calls,
            )
        call_id = calls[0]["call_id"]
        output = {
            "type": "function_call_output",
            "call_id": call_id,
            "output": json.dumps({"city": "Paris", "temperature_c": 18, "sky": "clear"}),
        }
        rt.send({"type": "conversation.item.create", "item": output})
        # Any acknowledgement counts (GA .done or beta .created): the names are judged by
        # realtime/item-added-done; an error event fails here, naming the refusal.
        added = rt.wait_for("conversation.item.done", "conversation.item.created")
        item = added.get("item") or {}
        if item.get("type") != "function_call_output" or item.get("call_id") != call_id:
            raise rt.fail(
                "the function_call_output item is acknowledged with another item",
                check=CHECK,
                pointer="/item",
                expected={"type": "function_call_output", "call_id": call_id},
                actual={"type": item.get("type"), "call_id": item.get("call_id")},
            )
        follow_up = run_response(rt, oaic_config, ["text"])
        done = follow_up[-1].get("response") or {}
        if done.get("status") != "completed":
            raise rt.fail(
                "the response after the function's output does not complete",
                check=CHECK,
                pointer="/response/status",
                expected="completed",
                actual=(done.get("status"), done.get("status_details")),
            )
