"""Generated requests: a named tool_choice always names one of the request's tools (a seed
that drew another name made a false FAIL against the reference server, issue 14)."""

from __future__ import annotations

from openai_conformance.generated.shaping import _needs_tools


def test_chat_tool_choice_naming_an_absent_function_names_a_present_one() -> None:
    body = {
        "tools": [{"type": "function", "function": {"name": "get_weather"}}],
        "tool_choice": {"type": "function", "function": {"name": "0"}},
    }
    _needs_tools(body)
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}


def test_responses_tool_choice_uses_the_flat_shape() -> None:
    body = {
        "tools": [{"type": "function", "name": "lookup", "parameters": {}}],
        "tool_choice": {"type": "function", "name": "missing"},
    }
    _needs_tools(body)
    assert body["tool_choice"] == {"type": "function", "name": "lookup"}


def test_tool_choice_of_a_kind_absent_from_tools_is_dropped() -> None:
    body = {
        "tools": [{"type": "custom", "custom": {"name": "grammar"}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    }
    _needs_tools(body)
    assert "tool_choice" not in body


def test_string_tool_choice_and_present_names_are_left_alone() -> None:
    for choice in ("auto", "required", {"type": "function", "function": {"name": "f"}}):
        body = {"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": choice}
        _needs_tools(body)
        assert body["tool_choice"] == choice
