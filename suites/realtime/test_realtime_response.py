"""Realtime responses: the legal event order, deltas that add up, and response.cancel."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from rt_steps import add_user_message, response_s, run_response

from openai_conformance.scenario.realtime import ResponseSequence, delta_problems
from openai_conformance.target.config import RunConfig


@pytest.mark.requirement("realtime/response-event-order")
def test_response_events_follow_the_legal_order(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    with realtime() as rt:
        add_user_message(rt, "Name three colours.")
        events = run_response(rt, oaic_config, ["text"])
        problems = ResponseSequence().feed_all(events).problems
        if problems:
            index, message = problems[0]
            raise rt.fail(
                f"illegal response event order: {message}",
                check="realtime_response_sequence_conformance",
                pointer=f"/events/{index}",
                expected="response.created, nested added/delta/done events, response.done last",
                actual=[e.get("type") for e in events],
                message="; ".join(m for _, m in problems[:5]),
            )


@pytest.mark.requirement("realtime/response-deltas-match-done")
def test_response_deltas_concatenate_to_the_done_values(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    with realtime() as rt:
        add_user_message(rt, "Say a short sentence about rivers.")
        events = run_response(rt, oaic_config, ["text"])
        text_events = ("response.output_text.delta", "response.output_text.done")
        streamed = [e for e in events if e.get("type") in text_events]
        problems = delta_problems(events)
        if not streamed:
            raise rt.fail(
                "a text response streams no response.output_text events",
                check="realtime_response_deltas_conformance",
                expected="response.output_text.delta ... response.output_text.done",
                actual=[e.get("type") for e in events],
            )
        if problems:
            where, joined, value = problems[0]
            raise rt.fail(
                f"deltas do not concatenate to the value of {where}",
                check="realtime_response_deltas_conformance",
                expected=repr(joined),
                actual=value,
            )


@pytest.mark.requirement("realtime/response-cancel")
def test_response_cancel_ends_the_response_cancelled(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    with realtime() as rt:
        add_user_message(rt, "Count slowly from one to one hundred, in words.")
        rt.send({"type": "response.create", "response": {"output_modalities": ["text"]}})
        rt.wait_for("response.created")
        cancel_id = rt.send({"type": "response.cancel"})
        done = rt.wait_for("response.done", deadline_s=response_s(oaic_config))
        status = (done.get("response") or {}).get("status")
        if status == "cancelled":
            return
        refused = [
            e
            for e in rt.events
            if e.get("type") == "error" and (e.get("error") or {}).get("event_id") == cancel_id
        ]
        raise rt.fail(
            "response.done after response.cancel is not cancelled"
            + (" (the cancel was refused: the response had already ended)" if refused else ""),
            check="realtime_response_cancel_conformance",
            pointer="/response/status",
            expected="cancelled",
            actual=status,
        )
