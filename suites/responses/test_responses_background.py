"""Background responses (https://developers.openai.com/api/docs/guides/background): the polled
lifecycle queued → in_progress → completed, cancel and its idempotence, and resuming the
stream of a streamed background response from a cursor (``starting_after``)."""

from __future__ import annotations

import pytest
from bg_steps import (
    CANCEL,
    FEATURE,
    GET,
    MACHINE,
    cancel_in_flight,
    label,
    require,
    start,
    stream_events,
    stream_key,
)
from resp_steps import expect, output_text

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

LONG = "Write a long story about a lighthouse keeper, in ten paragraphs."


@pytest.mark.requirement("responses/background-lifecycle")
def test_background_response_moves_from_queued_through_in_progress_to_completed(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    require(oaic_config, "responses.background")
    body = {"model": model, "input": "Describe a quiet harbour in three sentences."}
    exchange, got = start(client, cleanup, body, oaic_config)
    expect(
        got.get("status") in MACHINE.initial,
        exchange,
        "a background response does not start queued or in_progress",
        check="background_lifecycle_conformance",
        pointer="/status",
        expected=" | ".join(sorted(MACHINE.initial)),
        actual=got.get("status"),
    )
    seen = lc.Observed(states=[str(got.get("status"))], body=got, exchange=exchange)
    seen = lc.observe(
        client,
        f"/responses/{got['id']}",
        MACHINE,
        deadline=lc.deadline_s(oaic_config, FEATURE),
        fast=lc.is_reference(oaic_config),
        start=seen,
    )
    lc.legal_transitions_conformance(seen.states, MACHINE, operation=GET, exchange=seen.exchange)
    lc.reached_conformance(seen, MACHINE, {"completed"}, operation=GET)
    expect(
        bool(output_text(seen.body).strip()),
        seen.exchange,
        "the completed background response carries no output text",
        check="background_lifecycle_conformance",
        operation=GET,
        pointer="/output",
        expected="a message with output_text",
        actual=seen.body.get("output"),
    )


@pytest.mark.requirement("responses/background-cancel")
def test_background_response_can_be_cancelled(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    require(oaic_config, "responses.background")
    exchange, got = start(client, cleanup, {"model": model, "input": LONG}, oaic_config)
    expect(
        got.get("status") in ("queued", "in_progress"),
        exchange,
        "a background response does not start queued or in_progress",
        check="background_conformance",
        pointer="/status",
        expected="queued | in_progress",
        actual=got.get("status"),
    )
    cancel_in_flight(client, got["id"])
    exchange = client.request("GET", f"/responses/{got['id']}")
    final = assert_conforms(exchange, GET)
    expect(
        final.get("status") == "cancelled",
        exchange,
        "cancel did not move the response to cancelled",
        check="background_conformance",
        operation=GET,
        pointer="/status",
        expected="cancelled",
        actual=final.get("status"),
    )


@pytest.mark.requirement("responses/background-cancel-idempotent")
def test_cancelling_a_cancelled_background_response_returns_it_again(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    require(oaic_config, "responses.background")
    _, got = start(client, cleanup, {"model": model, "input": LONG}, oaic_config)
    exchange, first = cancel_in_flight(client, got["id"])
    expect(
        first.get("status") == "cancelled",
        exchange,
        "the first cancel did not cancel the response",
        check="background_cancel_conformance",
        operation=CANCEL,
        pointer="/status",
        expected="cancelled",
        actual=first.get("status"),
    )
    exchange = client.request("POST", f"/responses/{got['id']}/cancel")
    expect(
        exchange.status == 200,
        exchange,
        f"cancelling a cancelled response answered {exchange.status}",
        check="background_cancel_conformance",
        operation=CANCEL,
        expected="200 and the final Response (cancelling twice is idempotent)",
        actual=exchange.status,
    )
    again = assert_conforms(exchange, CANCEL)
    expect(
        again.get("id") == got["id"] and again.get("status") == "cancelled",
        exchange,
        "the second cancel does not return the cancelled response",
        check="background_cancel_conformance",
        operation=CANCEL,
        pointer="/status",
        expected=f"{got['id']} cancelled",
        actual=f"{again.get('id')} {again.get('status')}",
    )


@pytest.mark.requirement("responses/background-stream-resume")
def test_resumed_stream_yields_exactly_the_events_after_the_cursor(
    client: ConformanceClient, model: str, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    require(oaic_config, "responses.background", "responses.streaming")
    body = {
        "model": model,
        "input": "Describe a quiet harbour in two sentences.",
        "background": True,
        "store": True,
        "stream": True,
        "metadata": oaic_config.tag({"suite": "bg"}),
    }
    exchange, original = stream_events(
        client, "POST", "/responses", json=body, operation="POST /responses"
    )
    first = original[0] if original and isinstance(original[0], dict) else {}
    rid = (first.get("response") or {}).get("id")
    expect(
        isinstance(rid, str) and len(original) >= 3,
        exchange,
        "the background stream names no response id or has fewer than 3 events",
        check="background_stream_conformance",
        operation="POST /responses",
        pointer="/events/0/response/id",
        expected="response.created carrying the response id; at least 3 events",
        actual=[label(p) for p in original[:5]],
    )
    assert isinstance(rid, str)
    lc.register_undo(cleanup, client, "response", rid, "DELETE", f"/responses/{rid}", "response")
    cursor = original[len(original) // 2].get("sequence_number")
    expect(
        isinstance(cursor, int),
        exchange,
        "a streamed event carries no integer sequence_number",
        check="background_stream_conformance",
        operation="POST /responses",
        pointer=f"/events/{len(original) // 2}/sequence_number",
        expected="an integer",
        actual=cursor,
    )
    assert isinstance(cursor, int)
    want = [p for p in original if isinstance(p, dict) and _seq(p) > cursor]
    exchange, resumed = stream_events(
        client,
        "GET",
        f"/responses/{rid}",
        params={"stream": "true", "starting_after": cursor},
        operation=GET,
    )
    got, expected = [stream_key(p) for p in resumed], [stream_key(p) for p in want]
    at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), None)
    if at is None and len(got) != len(expected):
        at = min(len(got), len(expected))
    expect(
        at is None,
        exchange,
        f"resuming after sequence_number {cursor} does not yield exactly the original tail",
        check="background_stream_resume_conformance",
        operation=GET,
        pointer=f"/events/{at}",
        expected={"events": [label(p) for p in want], "first_difference": _nth(expected, at)},
        actual={"events": [label(p) for p in resumed], "first_difference": _nth(got, at)},
    )


def _nth(events: list[object], at: int | None) -> object:
    if at is None:
        return None
    return events[at] if at < len(events) else "(the stream ended)"


def _seq(payload: dict[str, object]) -> int:
    seq = payload.get("sequence_number")
    return seq if isinstance(seq, int) else -1
