"""Requests and assertions the responses suite shares.

``create(client, body)`` POSTs a valid request: 200 and a conforming ``Response``
or FAIL (a rejection names the error received). ``stream(client, body)`` streams
it to the end and returns ``(exchange, replay)`` (``streams.replay_responses_stream``).
``expect(...)`` raises a structured Failure unless a condition holds.
"""

from __future__ import annotations

from typing import Any

from openai_conformance.checks import assert_conforms
from openai_conformance.checks.failures import Failure, show
from openai_conformance.checks.outcomes import ConformanceFailure
from openai_conformance.scenario.streams import ResponsesStream, replay_responses_stream
from openai_conformance.wire.client import ConformanceClient

OP = "POST /responses"


def _rejected(exchange: Any) -> ConformanceFailure:
    try:
        body: Any = exchange.json()
    except ValueError:
        body = exchange.content[:300]
    return ConformanceFailure(
        Failure(
            title=f"a valid request was rejected with {exchange.status}",
            check="accepted_conformance",
            operation=OP,
            message="the request is valid per the contract and must succeed",
            expected="200",
            actual=f"{exchange.status} {show(body)}",
        ).with_exchange(exchange)
    )


def tagged(client: ConformanceClient, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with the run id in its metadata (a stored response is an object the run made);
    a body that sets its own metadata or ``store: false`` is sent as it is."""
    tag = getattr(client.config, "tag", None)
    if "metadata" in body or body.get("store") is False or not callable(tag):
        return body
    return {**body, "metadata": tag({"suite": "responses"})}


def create(client: ConformanceClient, body: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    exchange = client.request("POST", "/responses", json=tagged(client, body))
    if exchange.status != 200:
        raise _rejected(exchange)
    result: dict[str, Any] = assert_conforms(exchange, OP)
    return exchange, result


def stream(client: ConformanceClient, body: dict[str, Any]) -> tuple[Any, ResponsesStream]:
    with client.stream("POST", "/responses", json=tagged(client, {**body, "stream": True})) as s:
        if s.status != 200:
            s.read()
            s.finish()
            raise _rejected(s.exchange)
        for _ in s.events():
            pass
    return s.exchange, replay_responses_stream(s.exchange.events)


def expect(
    condition: bool,
    exchange: Any,
    title: str,
    *,
    check: str,
    operation: str = OP,
    pointer: str | None = None,
    expected: Any = None,
    actual: Any = None,
) -> None:
    if condition:
        return
    raise ConformanceFailure(
        Failure.of(
            check,
            title,
            operation=operation,
            pointer=pointer,
            expected=expected,
            actual=show(actual),
            exchange=exchange,
        )
    )


def output_text(response: dict[str, Any]) -> str:
    """The text of every output_text part of the response's message items."""
    return "".join(
        part.get("text") or ""
        for item in response.get("output") or []
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    )
