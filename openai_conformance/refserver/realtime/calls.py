"""Function calls over the Realtime protocol: when a response calls a tool, and how.

``pick_function(session, params, context)`` decides (deterministically, like the chat
reference model) whether a response calls a function tool: ``tool_choice`` (the
response's, else the session's) ``none`` never calls; ``{type: function, name}`` calls that
tool; ``required`` calls the first function tool; ``auto`` calls the first tool whose name the
last user message mentions, and never right after a ``function_call_output`` (the model then
answers with the result). Tools are the response's ``tools`` when given, else the session's.

``run_function_call(conn, response, tool, in_band)`` emits, after ``response.created``::

    response.output_item.added            (function_call item: call_id, name, arguments "")
    conversation.item.added               (unless out of band)
    response.function_call_arguments.delta (n times; response_id, item_id, output_index, call_id)
    response.function_call_arguments.done  (call_id, name, arguments = the deltas concatenated)
    response.output_item.done             (status completed, the full arguments)
    conversation.item.done
    response.done                         (status completed, output [the function_call item])

The arguments are a JSON object generated from the tool's ``parameters`` schema.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from ..handlers._jsonschema_instance import instance
from .faults import CALL_ID_MISMATCH
from .session import item_text, new_id

if TYPE_CHECKING:
    from .protocol import Connection

ARG_PIECES = 3
DELTA_DELAY = 0.002  # as response.DELTA_DELAY: a response.cancel can land mid-stream


def _function_tools(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        return []
    return [
        t for t in tools if isinstance(t, dict) and t.get("type") == "function" and t.get("name")
    ]


def pick_function(
    session: dict[str, Any], params: dict[str, Any], context: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The function tool this response calls, or None for a message (see module doc)."""
    tools = _function_tools(params["tools"] if "tools" in params else session.get("tools"))
    choice = params.get("tool_choice", session.get("tool_choice", "auto"))
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        if choice.get("type") != "function":
            return None
        return next((t for t in tools if t["name"] == choice.get("name")), None)
    if choice == "required":
        return tools[0]
    if context and context[-1].get("type") == "function_call_output":
        return None
    last_user = next(
        (item_text(i) for i in reversed(context) if i.get("role") == "user" and item_text(i)), ""
    )
    return next((t for t in tools if t["name"] in last_user), None)


def _pieces(text: str) -> list[str]:
    size = max(1, -(-len(text) // ARG_PIECES))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


async def run_function_call(
    conn: Connection, response: dict[str, Any], tool: dict[str, Any], in_band: bool
) -> dict[str, Any]:
    """Stream one function call item (after ``response.created``); returns the done item."""
    response_id = response["id"]
    call_id = new_id("call")
    item_id = new_id("item")
    parameters = tool.get("parameters") or {"type": "object"}
    arguments = json.dumps(instance(parameters, f"{tool['name']}/{len(conn.conversation.items)}"))
    item: dict[str, Any] = {
        "id": item_id,
        "object": "realtime.item",
        "type": "function_call",
        "status": "in_progress",
        "call_id": call_id,
        "name": tool["name"],
        "arguments": "",
    }
    await conn.send(
        {
            "type": "response.output_item.added",
            "response_id": response_id,
            "output_index": 0,
            "item": dict(item),
        }
    )
    previous = None
    if in_band:
        previous = conn.conversation.insert(item, None)
        await conn.send(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": dict(item)}
        )
    # The fault streams the arguments under another call's id (a server mixing up its calls).
    streamed_id = new_id("call") if conn.faulty(CALL_ID_MISMATCH) else call_id
    where = {
        "response_id": response_id,
        "item_id": item_id,
        "output_index": 0,
        "call_id": streamed_id,
    }
    sent: list[str] = []
    for piece in _pieces(arguments):
        if conn.cancel_requested:
            break
        await conn.send({"type": "response.function_call_arguments.delta", **where, "delta": piece})
        sent.append(piece)
        await asyncio.sleep(DELTA_DELAY)
    final = "".join(sent)
    await conn.send(
        {
            "type": "response.function_call_arguments.done",
            **where,
            "name": tool["name"],
            "arguments": final,
        }
    )
    item["arguments"] = final
    item["status"] = "incomplete" if conn.cancel_requested else "completed"
    await conn.send(
        {
            "type": "response.output_item.done",
            "response_id": response_id,
            "output_index": 0,
            "item": dict(item),
        }
    )
    if in_band:
        await conn.send(
            {"type": "conversation.item.done", "previous_item_id": previous, "item": dict(item)}
        )
    return item
