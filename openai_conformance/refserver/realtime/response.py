"""One model response over the Realtime protocol: the GA event sequence, deterministic content.

For ``response.create`` the server emits, in order::

    response.created                      (status in_progress, output [])
    response.output_item.added            (assistant message, status in_progress, content [])
    conversation.item.added               (unless the response is out of band: conversation none)
    response.content_part.added           (part {type: text|audio})
    response.output_text.delta (n times)  text modality; audio: output_audio_transcript.delta
                                          (n times) then output_audio.delta
    response.output_text.done             (text = the deltas concatenated) | the audio .done pair
    response.content_part.done
    response.output_item.done             (status completed)
    conversation.item.done
    response.done                         (status completed, output [item], usage)

``response.cancel`` while deltas are being sent stops the stream: the item ends
``incomplete`` and ``response.done`` carries ``status: cancelled`` with
``status_details {type: cancelled, reason: client_cancelled}``.

The text is deterministic: a reply that quotes the last user text of the conversation (or,
right after a ``function_call_output``, the function's output). A response that calls a
function tool streams a ``function_call`` item instead (``calls.py``).
"""

from __future__ import annotations

import asyncio
import base64
from typing import TYPE_CHECKING, Any

from .calls import pick_function, run_function_call
from .faults import DELTA_MISMATCH, FOLLOW_UP_FAILS, RESPONSE_ORDER
from .session import item_text, new_id

if TYPE_CHECKING:
    from .protocol import Connection

DELTA_DELAY = 0.002  # real seconds between deltas, so a response.cancel can land mid-stream
SILENCE_PER_WORD = b"\x00\x00" * 240  # 10 ms of 24 kHz PCM16 silence per word


def reply_text(items: list[dict[str, Any]], instructions: str | None = None) -> str:
    """The deterministic answer to the conversation so far."""
    if items and items[-1].get("type") == "function_call_output":
        return f"The function returned {str(items[-1].get('output'))[:200]}. Thank you."
    last = next(
        (item_text(i) for i in reversed(items) if i.get("role") == "user" and item_text(i)),
        "",
    )
    if not last:
        return "Hello from the reference realtime server."
    return f"You said: {last[:200]}. This is the reference realtime reply."


def _usage(prompt: str, output: str) -> dict[str, Any]:
    inp, out = max(1, len(prompt.split())), max(1, len(output.split()))
    return {
        "total_tokens": inp + out,
        "input_tokens": inp,
        "output_tokens": out,
        "input_token_details": {"cached_tokens": 0, "text_tokens": inp, "audio_tokens": 0},
        "output_token_details": {"text_tokens": out, "audio_tokens": 0},
    }


async def run_response(conn: Connection, params: dict[str, Any]) -> None:
    """Emit one full response; honours ``conn.cancel_requested``."""
    session = conn.session
    modalities = list(params.get("output_modalities") or session.get("output_modalities") or [])
    audio = "audio" in modalities
    in_band = params.get("conversation", "auto") != "none"
    context = list(params.get("input") or conn.conversation.items)
    text = reply_text(context, params.get("instructions") or session.get("instructions"))
    response_id = new_id("resp")
    response: dict[str, Any] = {
        "id": response_id,
        "object": "realtime.response",
        "status": "in_progress",
        "output": [],
        "conversation_id": conn.conversation_id if in_band else None,
        "output_modalities": ["audio"] if audio else ["text"],
        "max_output_tokens": params.get(
            "max_output_tokens", session.get("max_output_tokens", "inf")
        ),
        "metadata": params.get("metadata"),
    }
    if not in_band:
        response.pop("conversation_id")
    if audio:
        out_audio = (session.get("audio") or {}).get("output") or {}
        response["audio"] = {
            "output": {"format": out_audio.get("format"), "voice": out_audio.get("voice", "alloy")}
        }
    await conn.send({"type": "response.created", "response": dict(response, output=[])})

    tool = pick_function(session, params, context)
    if tool is not None:
        called = await run_function_call(conn, response, tool, in_band)
        prompt = " ".join(item_text(i) for i in context)
        response.update(output=[dict(called)], usage=_usage(prompt, called["arguments"]))
        _finish(response, conn.cancel_requested)
        await conn.send({"type": "response.done", "response": response})
        return
    item_id = new_id("item")
    item: dict[str, Any] = {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    where = {"response_id": response_id, "item_id": item_id, "output_index": 0}
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
    part: dict[str, Any] = (
        {"type": "audio", "transcript": ""} if audio else {"type": "text", "text": ""}
    )
    await conn.send(
        {"type": "response.content_part.added", **where, "content_index": 0, "part": dict(part)}
    )

    words = text.split(" ")
    deltas = [w if i == 0 else " " + w for i, w in enumerate(words)]
    sent: list[str] = []
    delta_type = "response.output_audio_transcript.delta" if audio else "response.output_text.delta"
    for delta in deltas:
        if conn.cancel_requested:
            break
        await conn.send({"type": delta_type, **where, "content_index": 0, "delta": delta})
        sent.append(delta)
        await asyncio.sleep(DELTA_DELAY)
    cancelled = conn.cancel_requested
    final = "".join(sent)
    shown = final + " (edited)" if conn.faulty(DELTA_MISMATCH) else final
    if audio:
        pcm = SILENCE_PER_WORD * len(sent)
        b64 = base64.b64encode(pcm).decode()
        await conn.send(
            {"type": "response.output_audio.delta", **where, "content_index": 0, "delta": b64}
        )
        await conn.send({"type": "response.output_audio.done", **where, "content_index": 0})
        await conn.send(
            {
                "type": "response.output_audio_transcript.done",
                **where,
                "content_index": 0,
                "transcript": shown,
            }
        )
        done_part = {"type": "audio", "transcript": shown}
        content = [{"type": "output_audio", "transcript": shown}]
    else:
        await conn.send(
            {"type": "response.output_text.done", **where, "content_index": 0, "text": shown}
        )
        done_part = {"type": "text", "text": shown}
        content = [{"type": "output_text", "text": shown}]
    part_done = {"type": "response.content_part.done", **where, "content_index": 0}
    item["content"] = content
    item["status"] = "incomplete" if cancelled else "completed"
    item_done = {
        "type": "response.output_item.done",
        "response_id": response_id,
        "output_index": 0,
        "item": dict(item),
    }
    ordered = [item_done, part_done] if conn.faulty(RESPONSE_ORDER) else [part_done, item_done]
    for event in ordered:
        await conn.send(dict(event, part=done_part) if event is part_done else event)
    if in_band:
        await conn.send(
            {"type": "conversation.item.done", "previous_item_id": previous, "item": dict(item)}
        )
    prompt = " ".join(item_text(i) for i in context)
    response.update(output=[dict(item)], usage=_usage(prompt, final))
    _finish(response, cancelled)
    after_output = bool(context) and context[-1].get("type") == "function_call_output"
    if after_output and conn.faulty(FOLLOW_UP_FAILS):
        response["status"] = "failed"
        response["status_details"] = {
            "type": "failed",
            "error": {"type": "server_error", "code": "internal_error"},
        }
    await conn.send({"type": "response.done", "response": response})


def _finish(response: dict[str, Any], cancelled: bool) -> None:
    if cancelled:
        response["status"] = "cancelled"
        response["status_details"] = {"type": "cancelled", "reason": "client_cancelled"}
    else:
        response["status"] = "completed"
        response["status_details"] = {"type": "completed"}
