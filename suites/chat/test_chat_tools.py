"""Chat Completions with tools and structured outputs: tool_choice modes, finish_reason,
arguments as JSON strings valid for the tool, call ids, the tool-result follow-up and
response_format (field notes #2, #9, #10, #12, #23)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from chat_steps import (
    ASK_BOTH,
    ASK_WEATHER,
    CLOCK,
    WEATHER,
    complete,
    expect,
    fail_if,
    require_claim,
    schemas,
)

from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario.streams import tool_call_problems
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

CHECK = "tool_choice_conformance"


@pytest.fixture(autouse=True)
def _tools_claimed(oaic_config: RunConfig) -> None:
    require_claim(oaic_config, "chat.tools")


def _ask(chat_body: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
    return {**chat_body, "messages": [{"role": "user", "content": text}], **extra}


def _calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body["choices"][0]["message"].get("tool_calls") or [])


@pytest.mark.requirement("chat/tool-choice-required")
def test_tool_choice_required_forces_a_tool_call(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    body = _ask(chat_body, "Say hello.", tools=[WEATHER, CLOCK], tool_choice="required")
    exchange, got = complete(client, body)
    expect(
        bool(_calls(got)),
        exchange,
        "tool_choice 'required' answered without a tool call",
        check=CHECK,
        pointer="/choices/0/message/tool_calls",
        expected="at least one call",
        actual=got["choices"][0]["message"],
    )


@pytest.mark.requirement("chat/tool-choice-named")
def test_named_tool_choice_calls_exactly_that_function(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    body = _ask(chat_body, ASK_WEATHER, tools=[WEATHER, CLOCK], tool_choice=named)
    exchange, got = complete(client, body)
    names = [c.get("function", {}).get("name") for c in _calls(got)]
    expect(
        names == ["get_time"],
        exchange,
        "a named tool_choice did not call exactly get_time",
        check=CHECK,
        pointer="/choices/0/message/tool_calls",
        expected=["get_time"],
        actual=names,
    )


@pytest.mark.requirement("chat/tool-choice-none")
def test_tool_choice_none_answers_in_text(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    body = _ask(chat_body, ASK_WEATHER, tools=[WEATHER], tool_choice="none")
    exchange, got = complete(client, body)
    message = got["choices"][0]["message"]
    expect(
        not _calls(got) and bool(message.get("content")),
        exchange,
        "tool_choice 'none' answered with a tool call",
        check=CHECK,
        pointer="/choices/0/message",
        expected="text, no tool_calls",
        actual=message,
    )


def _auto_call(client: ConformanceClient, chat_body: dict[str, Any], text: str) -> tuple[Any, Any]:
    body = _ask(chat_body, text, tools=[WEATHER, CLOCK], tool_choice="auto")
    exchange, got = complete(client, body)
    if not _calls(got):  # auto lets the model decide: nothing to judge, never a false FAIL
        raise Disabled("the model answered in text under tool_choice auto; no call to judge")
    return exchange, got


@pytest.mark.requirement("chat/finish-reason-tool-calls")
def test_tool_call_finishes_with_tool_calls(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, got = _auto_call(client, chat_body, ASK_WEATHER)
    reason = got["choices"][0].get("finish_reason")
    expect(
        reason == "tool_calls",
        exchange,
        "a choice with tool calls does not finish with 'tool_calls'",
        check="finish_reason_conformance",
        pointer="/choices/0/finish_reason",
        expected="tool_calls",
        actual=reason,
    )


@pytest.mark.requirement("chat/tool-arguments-json-string")
def test_tool_arguments_are_a_json_string_valid_for_the_tool(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, got = _auto_call(client, chat_body, ASK_WEATHER)
    issues = [
        i for i in tool_call_problems(_calls(got), schemas(WEATHER, CLOCK)) if "/id" not in i[0]
    ]
    fail_if(
        issues,
        exchange,
        prefix="/choices/0/message/tool_calls",
        check="tool_arguments_conformance",
    )


@pytest.mark.requirement("chat/parallel-tool-call-ids")
def test_parallel_tool_calls_carry_unique_ids(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.parallel-tool-calls")
    body = _ask(
        chat_body,
        ASK_BOTH,
        tools=[WEATHER, CLOCK],
        tool_choice="required",
        parallel_tool_calls=True,
    )
    exchange, got = complete(client, body)
    calls = _calls(got)
    if len(calls) < 2:
        raise Disabled(f"the model made {len(calls)} call(s); parallel ids need two")
    issues = [i for i in tool_call_problems(calls) if i[0].endswith("/id")]
    fail_if(
        issues,
        exchange,
        prefix="/choices/0/message/tool_calls",
        check="tool_call_ids_conformance",
    )


@pytest.mark.requirement("chat/tool-result-follow-up")
def test_tool_result_follow_up_is_answered_in_text(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    call = {
        "id": "call_oaic_weather_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city":"Paris","unit":"celsius"}'},
    }
    messages = [
        {"role": "user", "content": ASK_WEATHER},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temperature": 18}'},
    ]
    exchange, got = complete(client, {**chat_body, "messages": messages, "tools": [WEATHER]})
    message = got["choices"][0]["message"]
    # Under tool_choice auto a further call is the model's choice (multi-step calling), so only
    # an empty answer or the very call whose result it was given (the result ignored) fails.
    repeated = [c for c in _calls(got) if _same_call(c, call)]
    expect(
        (bool(message.get("content")) or bool(_calls(got))) and not repeated,
        exchange,
        "the tool result was not answered in text"
        + (" (the answered call was made again)" if repeated else ""),
        check="tool_result_conformance",
        pointer="/choices/0/message",
        expected="assistant text (or a further, different call)",
        actual=message,
    )


def _same_call(got: Any, sent: dict[str, Any]) -> bool:
    """``got`` calls the same function with the same arguments as ``sent``."""
    if not isinstance(got, dict) or not isinstance(got.get("function"), dict):
        return False
    fn = got["function"]
    try:
        args = json.loads(fn.get("arguments") or "")
    except (TypeError, ValueError):
        return False
    return bool(
        fn.get("name") == sent["function"]["name"]
        and args == json.loads(sent["function"]["arguments"])
    )


def _json_content(exchange: Any, got: dict[str, Any]) -> Any:
    content = got["choices"][0]["message"].get("content")
    try:
        return json.loads(content or "")
    except ValueError:
        expect(
            False,
            exchange,
            "the content is not JSON although response_format asks for it",
            check="response_format_conformance",
            pointer="/choices/0/message/content",
            expected="JSON text",
            actual=content,
        )


@pytest.mark.requirement("chat/json-mode")
def test_json_object_response_format_returns_a_json_object(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.json-mode")
    body = _ask(
        chat_body,
        "Reply in JSON with a key 'answer' naming a colour.",
        response_format={"type": "json_object"},
    )
    exchange, got = complete(client, body)
    value = _json_content(exchange, got)
    expect(
        isinstance(value, dict),
        exchange,
        "json_object mode returned JSON that is no object",
        check="response_format_conformance",
        pointer="/choices/0/message/content",
        expected="a JSON object",
        actual=value,
    )


COLOUR_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "hex": {"type": "string"},
        "warm": {"type": "boolean"},
    },
    "required": ["name", "hex", "warm"],
    "additionalProperties": False,
}


@pytest.mark.requirement("chat/structured-outputs")
def test_json_schema_response_format_output_validates(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.structured-outputs")
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "colour", "strict": True, "schema": COLOUR_SCHEMA},
    }
    exchange, got = complete(client, _ask(chat_body, "Describe a colour.", response_format=fmt))
    value = _json_content(exchange, got)
    errors = list(jsonschema.Draft202012Validator(COLOUR_SCHEMA).iter_errors(value))
    expect(
        not errors,
        exchange,
        "the output does not validate against the json_schema",
        check="response_format_conformance",
        pointer="/choices/0/message/content",
        expected="an instance of the schema",
        actual=[e.message for e in errors][:3] or value,
    )
