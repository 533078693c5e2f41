"""Tool calls and usage, judged the same way whether they were streamed or not.

``tool_call_problems(calls, tools)`` checks assembled or non-streamed ``tool_calls``: each has a
non-empty ``id`` unique in the response, ``type: function``, a ``function.name`` among the
request's tools, and ``function.arguments`` that is a *string* holding JSON that parses to an
object and validates against that tool's ``parameters`` schema (JSON Schema 2020-12).

``usage_problems(usage)`` checks the token accounting every client bills by: the counts are
non-negative integers and ``total_tokens == prompt_tokens + completion_tokens`` (Chat) or
``input_tokens + output_tokens`` (Responses); ``completion_tokens_details.reasoning_tokens``,
when present, never exceeds ``completion_tokens``.

Both return ``(pointer, message, expected, actual)`` tuples relative to the object given; the
caller prefixes its own pointer and turns them into Failures.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

Issue = tuple[str, str, Any, Any]


def _schema_issues(instance: Any, schema: dict[str, Any], where: str) -> list[Issue]:
    try:
        validator = jsonschema.Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    except jsonschema.SchemaError:  # the tool's schema is ours; never blame the target for it
        return []
    return [
        (
            where + "".join(f"/{p}" for p in err.absolute_path),
            f"the arguments do not validate against the tool's parameters: {err.message}",
            "arguments valid for the tool's parameters schema",
            err.instance,
        )
        for err in errors[:5]
    ]


def tool_call_problems(
    calls: Any, tools: dict[str, dict[str, Any]] | None = None, *, ids_unique: bool = True
) -> list[Issue]:
    """Problems of a ``tool_calls`` array; ``tools`` maps function name -> parameters schema."""
    if not isinstance(calls, list):
        return [("", "tool_calls is not an array", "an array of tool calls", calls)]
    out: list[Issue] = []
    seen: dict[str, int] = {}
    for i, call in enumerate(calls):
        at = f"/{i}"
        if not isinstance(call, dict):
            out.append((at, "a tool call is not an object", "an object", call))
            continue
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            out.append((f"{at}/id", "the tool call has no id", "a non-empty string", call_id))
        elif ids_unique and call_id in seen:
            out.append(
                (
                    f"{at}/id",
                    f"tool call ids are not unique: calls {seen[call_id]} and {i} share an id "
                    "(a client cannot route the results back)",
                    "a unique id per call",
                    call_id,
                )
            )
        else:
            seen[call_id] = i
        if call.get("type") != "function":
            out.append(
                (
                    f"{at}/type",
                    "the tool call type is not 'function'",
                    "'function'",
                    call.get("type"),
                )
            )
        fn: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else {}
        name = fn.get("name")
        if tools is not None and name not in tools:
            out.append(
                (
                    f"{at}/function/name",
                    "the call names a function the request did not offer",
                    sorted(tools),
                    name,
                )
            )
        args = fn.get("arguments")
        if not isinstance(args, str):
            out.append(
                (
                    f"{at}/function/arguments",
                    "function.arguments must be a JSON-encoded string, not a JSON value",
                    "a string holding JSON",
                    args,
                )
            )
            continue
        try:
            value = json.loads(args)
        except ValueError:
            out.append(
                (
                    f"{at}/function/arguments",
                    "function.arguments is not valid JSON",
                    "JSON text",
                    args,
                )
            )
            continue
        if not isinstance(value, dict):
            out.append(
                (
                    f"{at}/function/arguments",
                    "the arguments are not a JSON object",
                    "an object",
                    value,
                )
            )
            continue
        schema = (tools or {}).get(name) if isinstance(name, str) else None
        if schema:
            out += _schema_issues(value, schema, f"{at}/function/arguments")
    return out


def _count(usage: dict[str, Any], name: str, out: list[Issue]) -> int | None:
    value = usage.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        out.append(
            (f"/{name}", f"usage.{name} is not a non-negative integer", "an integer >= 0", value)
        )
        return None
    return value


def usage_problems(usage: Any, *, api: str = "chat") -> list[Issue]:
    """Problems of one ``usage`` object (``api`` is ``chat`` or ``responses``)."""
    if not isinstance(usage, dict):
        return [("", "usage is missing or not an object", "a usage object", usage)]
    out: list[Issue] = []
    a, b = (
        ("prompt_tokens", "completion_tokens")
        if api == "chat"
        else ("input_tokens", "output_tokens")
    )
    first, second = _count(usage, a, out), _count(usage, b, out)
    total = _count(usage, "total_tokens", out)
    if first is not None and second is not None and total is not None and total != first + second:
        out.append(
            (
                "/total_tokens",
                f"total_tokens is not {a} + {b} ({first} + {second} = {first + second})",
                first + second,
                total,
            )
        )
    details_name = "completion_tokens_details" if api == "chat" else "output_tokens_details"
    details = usage.get(details_name)
    if isinstance(details, dict) and second is not None:
        reasoning = details.get("reasoning_tokens")
        if isinstance(reasoning, int) and reasoning > second:
            out.append(
                (
                    f"/{details_name}/reasoning_tokens",
                    f"reasoning_tokens exceed {b} (reasoning is part of the output count)",
                    f"<= {second}",
                    reasoning,
                )
            )
    return out
