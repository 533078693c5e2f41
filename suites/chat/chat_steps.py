"""Requests and assertions the chat suite shares.

* ``complete(client, body)``: a valid non-streamed request must succeed (200) and
  conform (returns ``(exchange, body)``); a rejection is a FAIL naming the error received.
* ``stream(client, body)``: the same request streamed; returns the recorded
  exchange and its assembly (``streams.assemble_chat_stream``). A non-200 answer fails the
  same way; a hung stream raises ``StreamTimeout`` (FAIL with the events so far).
* ``fail_if(issues, exchange)``: ``(pointer, message, expected, actual)`` issues
  of the shared helpers (``streams.tools``) as Failures.
* Tool definitions (``WEATHER``, ``CLOCK``) whose names the prompts mention, so a real model
  asked to use them does, and a reference model (which calls mentioned tools) does too.
"""

from __future__ import annotations

from typing import Any

from openai_conformance.checks import assert_conforms, raise_failures
from openai_conformance.checks.failures import Failure, show
from openai_conformance.checks.outcomes import ConformanceFailure, Disabled
from openai_conformance.scenario.streams import ChatStream, assemble_chat_stream
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient
from openai_conformance.wire.exchange import MalformedResponse

OP = "POST /chat/completions"

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
CLOCK: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current local time in an IANA time zone.",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}},
            "required": ["timezone"],
            "additionalProperties": False,
        },
    },
}
ASK_WEATHER = "Use get_weather to look up the weather in Paris in celsius."
ASK_BOTH = "Call get_weather for Paris in celsius and get_time for Europe/Paris, in parallel."


def schemas(*tools: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Function name -> the schema its arguments must validate against, for
    ``tool_call_problems``: the parameters of a ``strict`` tool, else no schema (``{}``: the
    name must still be offered). Only strict function calling promises arguments that adhere
    to the schema; without it the docs call adherence best effort ("the model may hallucinate
    parameters", https://platform.openai.com/docs/guides/function-calling#strict-mode), so a
    mismatch is model behaviour (or a mock's canned call), not a contract breach."""
    return {
        t["function"]["name"]: t["function"]["parameters"] if t["function"].get("strict") else {}
        for t in tools
    }


def require_claim(config: RunConfig, feature: str) -> None:
    if not config.claims(feature):
        raise Disabled(f"the profile does not claim {feature}")


def _rejected(exchange: Any) -> ConformanceFailure:
    try:
        body: Any = exchange.json()
    except (ValueError, MalformedResponse):  # a text/plain 500 is evidence, not a new error
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


def complete(client: ConformanceClient, body: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """POST a valid request; (exchange, body) when 200 and conforming, else FAIL."""
    exchange = client.request("POST", "/chat/completions", json=body)
    if exchange.status != 200:
        raise _rejected(exchange)
    result: dict[str, Any] = assert_conforms(exchange, OP)
    return exchange, result


def stream(client: ConformanceClient, body: dict[str, Any]) -> tuple[Any, ChatStream]:
    """Stream a valid request to its end; (recorded exchange, assembly)."""
    with client.stream("POST", "/chat/completions", json={**body, "stream": True}) as s:
        if s.status != 200:
            s.read()
            s.finish()
            raise _rejected(s.exchange)
        for _ in s.events():
            pass
    return s.exchange, assemble_chat_stream(s.exchange.events)


def fail_if(
    issues: list[tuple[str, str, Any, Any]],
    exchange: Any,
    *,
    prefix: str = "",
    check: str,
) -> None:
    raise_failures(
        [
            Failure(
                title=message,
                check=check,
                operation=OP,
                pointer=prefix + pointer,
                message=message,
                expected=None if expected is None else str(expected),
                actual=show(actual),
            ).with_exchange(exchange)
            for pointer, message, expected, actual in issues
        ],
        strict=True,
    )


def expect(
    condition: bool,
    exchange: Any,
    title: str,
    *,
    check: str,
    pointer: str | None = None,
    expected: Any = None,
    actual: Any = None,
) -> None:
    """FAIL with a structured Failure unless ``condition`` holds."""
    if condition:
        return
    raise ConformanceFailure(
        Failure.of(
            check,
            title,
            operation=OP,
            pointer=pointer,
            expected=expected,
            actual=show(actual),
            exchange=exchange,
        )
    )
