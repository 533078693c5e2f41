"""The Responses generation logic shared by ``responses.py``, ``responses_stream.py`` and
``conversations.py`` (HTTP-free).

``build_response(state, body, faults) -> (response, input_items)`` returns a complete
``Response`` object (status ``completed``) and the input items (resources with ids) it was
created from. Decisions mirror chat (``_chatgen``): the text is ``_text.sentence`` seeded by the
last input item; ``text.format`` json_object/json_schema → JSON text (an instance of the schema);
function tools with ``tool_choice`` none/auto/required/named (auto → a call when the last user
message names the tool, text after a ``function_call_output``); ``max_output_tokens`` →
status ``incomplete`` with ``incomplete_details.reason = max_output_tokens``.
``previous_response_id`` must name a stored response (404 ``previous_response_not_found``).
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

from ...contract.envelope import ApiError, invalid
from ..state import ServerState
from . import _text
from ._chatgen import message_text
from ._jsonschema_instance import instance
from .models import require_model

KIND = "response"
INPUT_ITEMS = "response.input_item"
CONVERSATIONS = "conversation"
CONV_ITEMS = "conversation.item"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


def normalise_input(raw: Any) -> list[dict[str, Any]]:
    """Input (string or items) as item resources with ids and statuses."""
    if isinstance(raw, str):
        raw = [{"type": "message", "role": "user", "content": raw}]
    items = []
    for item in raw or []:
        item = copy.deepcopy(item)
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            content = item.get("content")
            if isinstance(content, str):
                part = "output_text" if item.get("role") == "assistant" else "input_text"
                content = [{"type": part, "text": content}]
                if part == "output_text":
                    content[0].update(annotations=[], logprobs=[])
            item = {
                "id": item.get("id") or new_id("msg"),
                "type": "message",
                "role": item.get("role", "user"),
                "content": content,
                "status": item.get("status") or "completed",
            }
        elif kind == "function_call_output":
            item = {
                "id": item.get("id") or new_id("fco"),
                "type": "function_call_output",
                "call_id": item["call_id"],
                "output": item.get("output", ""),
                "status": item.get("status") or "completed",
            }
        elif kind == "function_call":
            item = {**item, "id": item.get("id") or new_id("fc"), "status": "completed"}
        elif kind == "item_reference" or _by_id(item):
            continue  # a reference to an earlier item is not an input item of its own
        else:
            item.setdefault("id", new_id("item"))
        items.append(item)
    return items


def _by_id(item: dict[str, Any]) -> bool:
    """An earlier image_generation_call passed back by its id alone (erratum 048)."""
    return item.get("type") == "image_generation_call" and set(item) == {"type", "id"}


def item_text(item: dict[str, Any]) -> str:
    if item.get("type") == "message":
        return message_text(item.get("content"))
    if item.get("type") == "function_call_output":
        out = item.get("output")
        return out if isinstance(out, str) else message_text(out)
    return ""


def _pick_tools(body: dict[str, Any], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
    choice = body.get("tool_choice")
    if not tools or choice == "none":
        return []
    by_name = {t["name"]: t for t in tools}
    if isinstance(choice, dict) and choice.get("type") == "function":
        if choice.get("name") not in by_name:
            raise invalid(
                f"Tool choice '{choice.get('name')}' not found in 'tools'.", "tool_choice"
            )
        return [by_name[choice["name"]]]
    parallel = body.get("parallel_tool_calls")
    parallel = True if parallel is None else bool(parallel)
    if choice == "required":
        return tools if parallel else tools[:1]
    if items and items[-1].get("type") == "function_call_output":
        return []
    last_user = next(
        (i for i in reversed(items) if i.get("type") == "message" and i.get("role") == "user"),
        None,
    )
    said = item_text(last_user) if last_user else ""
    mentioned = [t for t in tools if t["name"] in said]
    return mentioned if parallel else mentioned[:1]


def _answer(body: dict[str, Any], seed: str, ignore_format: bool = False) -> str:
    fmt = ((body.get("text") or {}).get("format") or {}) if not ignore_format else {}
    if fmt.get("type") == "json_object":
        return json.dumps({"answer": _text.sentence(seed)})
    if fmt.get("type") == "json_schema":
        return json.dumps(instance(fmt.get("schema") or {"type": "object"}, seed))
    return _text.sentence(seed)


def usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def history(state: ServerState, previous_id: str | None) -> list[dict[str, Any]]:
    """Input + output items of the chain ending at ``previous_id`` (oldest first)."""
    chain: list[dict[str, Any]] = []
    seen = 0
    while previous_id and seen < 1000:
        prev = state.store.get(KIND, previous_id)
        if prev is None:
            raise ApiError(
                404,
                f"Previous response with id '{previous_id}' not found.",
                param="previous_response_id",
                code="previous_response_not_found",
            )
        chain = state.store.all(INPUT_ITEMS, parent=prev["id"]) + prev["output"] + chain
        previous_id = prev.get("previous_response_id")
        seen += 1
    return chain


def conversation_id(body: dict[str, Any]) -> str | None:
    conv = body.get("conversation")
    if isinstance(conv, dict):
        conv = conv.get("id")
    return conv if isinstance(conv, str) else None


def build_response(
    state: ServerState, body: dict[str, Any], *, ignore_format: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    model = require_model(state, body.get("model") or "ref-chat")["id"]
    if body.get("previous_response_id") and conversation_id(body):
        raise invalid(
            "'previous_response_id' and 'conversation' cannot be used together.", "conversation"
        )
    items = normalise_input(body.get("input"))
    context = history(state, body.get("previous_response_id"))
    conv = conversation_id(body)
    if conv:
        if state.store.get(CONVERSATIONS, conv) is None:
            raise ApiError(
                404,
                f"Conversation with id '{conv}' not found.",
                param="conversation",
                code="not_found",
            )
        context = state.store.all(CONV_ITEMS, parent=conv) + context
    everything = context + items
    last = everything[-1] if everything else {}
    seed = f"{last.get('role') or last.get('type')}:{item_text(last)}"
    output: list[dict[str, Any]] = []
    out_tokens = 0
    status, incomplete = "completed", None
    picked = _pick_tools(body, everything)
    for tool in picked:
        args = json.dumps(instance(tool.get("parameters") or {"type": "object"}, seed))
        output.append(
            {
                "id": new_id("fc"),
                "type": "function_call",
                "status": "completed",
                "arguments": args,
                "call_id": "call_" + secrets.token_hex(12),
                "name": tool["name"],
            }
        )
        out_tokens += _text.count_tokens(args)
    if not picked:
        text, reason = _text.apply_limits(
            _answer(body, seed, ignore_format), None, body.get("max_output_tokens")
        )
        if reason == "length":
            status, incomplete = "incomplete", {"reason": "max_output_tokens"}
        out_tokens += _text.count_tokens(text)
        output.append(
            {
                "id": new_id("msg"),
                "type": "message",
                "status": "completed" if status == "completed" else "incomplete",
                "role": "assistant",
                "content": [
                    {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
                ],
            }
        )
    in_tokens = _text.count_tokens(str(body.get("instructions") or "")) + sum(
        _text.count_tokens(item_text(i)) for i in everything
    )
    now = int(state.clock.now())
    response = {
        "id": new_id("resp"),
        "object": "response",
        "created_at": now,
        "status": status,
        "background": bool(body.get("background")),
        "completed_at": now if status == "completed" else None,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": model,
        "output": output,
        "output_text": "".join(
            c["text"] for o in output if o["type"] == "message" for c in o["content"]
        )
        or None,
        "parallel_tool_calls": body.get("parallel_tool_calls", True) is not False,
        "previous_response_id": body.get("previous_response_id"),
        "conversation": {"id": conv} if conv else None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": body.get("store", True) is not False,
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": body.get("tools") or [],
        "top_logprobs": body.get("top_logprobs", 0),
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation") or "disabled",
        "usage": usage(in_tokens, out_tokens),
        "metadata": body.get("metadata") or {},
    }
    for key in ("user", "prompt_cache_key", "safety_identifier"):
        if body.get(key) is not None:
            response[key] = body[key]
        elif state.observed:
            response[key] = None  # the live API sends unset optional fields as null
    return response, items


def response_body(
    state: ServerState, request_body: dict[str, Any], faults: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A completed ``Response`` for ``request_body`` (HTTP-free; used by batches). Stores it
    (and appends to its conversation) like the endpoint does unless ``store`` is false."""
    if not isinstance(request_body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    response, items = build_response(state, request_body)
    remember(state, response, items)
    return response


def remember(state: ServerState, response: dict[str, Any], items: list[dict[str, Any]]) -> None:
    conv = (response.get("conversation") or {}).get("id")
    if conv:
        for item in [*items, *response["output"]]:
            state.store.put(CONV_ITEMS, copy.deepcopy(item), parent=conv)
    if response.get("store"):
        state.store.put(KIND, response)
        for item in items:
            state.store.put(INPUT_ITEMS, item, parent=response["id"])
