"""Streamed chat completions: one ``ChatPlan`` rendered as ``chat.completion.chunk`` events.

Sequence per choice (choices one after another, as each finishes): a first chunk whose delta
carries ``role: assistant`` (and ``content: ""``), one chunk per content token, tool-call
deltas (first delta of each call: ``index``, ``id``, ``type``, ``function.name`` and empty
``arguments``; then the arguments split over several chunks with ``index`` only), then an empty
delta with the ``finish_reason``. With ``logprobs`` the first chunk carries
``{"content": [], "refusal": null}``, each token chunk the entry of its token, the finish
chunk ``null``. With ``stream_options.include_usage`` every chunk carries
``usage: null`` and one final chunk has ``choices: []`` and the usage. Then ``data: [DONE]``.
Every chunk shares ``id``, ``created``, ``model`` and ``object``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import Response

from .. import sse
from ..context import Ctx
from ..faults import declare
from ._chatgen import ARGS_OBJECT, ChatPlan, logprobs_for

NO_DONE = declare(
    "chat-stream-no-done",
    "the chat stream ends without data: [DONE]",
    "chat.stream_done_conformance",
    breaks=["chat/stream-terminal-signal"],
)
DATA_NO_SPACE = declare(
    "chat-stream-data-no-space",
    "chat stream lines are 'data:{json}' without the space (legal SSE; a SHOULD finding)",
    "sse.framing_conformance",
    breaks=["chat/stream-sse-framing", "core/sse-framing"],
)
WRONG_CONTENT_TYPE = declare(
    "chat-stream-wrong-content-type",
    "the chat stream is sent as text/plain instead of text/event-stream",
    "sse.content_type_conformance",
    breaks=["chat/stream-content-type", "core/stream-event-schema"],
)
TOOL_CALL_NO_INDEX = declare(
    "chat-stream-tool-call-no-index",
    "streamed tool-call deltas lack 'index'",
    "chat.stream_tool_call_deltas_conformance",
    breaks=["chat/stream-parallel-tool-calls", "chat/stream-tool-call-deltas"],
)
TOOL_CALL_REPEATS_HEAD = declare(
    "chat-stream-tool-call-repeats-id",
    "every fragment of a streamed tool call repeats its id and function.name",
    "chat.stream_tool_call_deltas_conformance",
    breaks=["chat/stream-parallel-tool-calls", "chat/stream-tool-call-deltas"],
)
TOOL_CALLS_SHARE_INDEX = declare(
    "chat-stream-tool-calls-share-index",
    "every streamed tool call of a choice has index 0",
    "chat.stream_parallel_tool_calls_conformance",
    breaks=["chat/stream-parallel-tool-calls"],
)
TOOL_CALL_INDEX_FROM_ONE = declare(
    "chat-stream-tool-call-index-from-one",
    "streamed tool-call indexes start at 1 instead of 0",
    "chat.stream_parallel_tool_calls_conformance",
    breaks=["chat/stream-parallel-tool-calls"],
)
LOGPROBS_TOKEN_MISMATCH = declare(
    "chat-stream-logprobs-token-mismatch",
    "streamed logprobs tokens are the chunk's text without its leading space",
    "chat.stream_logprobs_conformance",
    breaks=["chat/stream-logprobs"],
)
TOP_LOGPROBS_EXCEED = declare(
    "chat-stream-top-logprobs-exceed",
    "streamed logprobs entries carry top_logprobs + 1 alternatives",
    "chat.stream_logprobs_conformance",
    breaks=["chat/stream-logprobs"],
)
LOGPROB_POSITIVE = declare(
    "chat-stream-logprob-positive",
    "streamed logprobs carry positive logprob values",
    "chat.stream_logprobs_conformance",
    breaks=["chat/stream-logprobs"],
)
ROLE_MISSING = declare(
    "chat-stream-role-missing",
    "the first delta of each choice does not carry the role",
    "chat.stream_first_delta_role_conformance",
    breaks=["chat/stream-first-delta-role"],
)
INCONSISTENT_ID = declare(
    "chat-stream-inconsistent-id",
    "chunks after the first carry a different id",
    "chat.stream_consistent_ids_conformance",
    breaks=["chat/stream-chunk-identity"],
)
USAGE_CHOICES_NULL = declare(
    "chat-stream-usage-choices-null",
    "the usage chunk has choices: null instead of []",
    "chat.stream_usage_chunk_conformance",
    breaks=["chat/stream-include-usage"],
)
USAGE_ALWAYS = declare(
    "chat-stream-usage-always",
    "the usage chunk is sent although stream_options.include_usage was not set",
    "chat.stream_usage_chunk_conformance",
    breaks=["chat/stream-usage-only-when-asked"],
)
USAGE_NEVER = declare(
    "chat-stream-usage-never",
    "no usage chunk although stream_options.include_usage is true",
    "chat.stream_usage_chunk_conformance",
    breaks=["chat/stream-include-usage"],
)
CONTENT_AFTER_DONE = declare(
    "chat-stream-content-after-done",
    "another chunk is sent after data: [DONE]",
    "chat.stream_done_conformance",
    breaks=[
        "chat/stream-finish-reason",
        "chat/stream-include-usage",
        "chat/stream-terminal-signal",
        "core/stream-event-schema",
    ],
)
HANG = declare(
    "chat-stream-hang",
    f"the chat stream stops after two chunks and stays open ~{int(sse.HANG_SECONDS)} s",
    "sse.idle_deadline_conformance",
    breaks=[
        "chat/newer-fields-accepted",
        "chat/reasoning-standard-fields",
        "chat/stream-chunk-identity",
        "chat/stream-content-matches",
        "chat/stream-content-type",
        "chat/stream-finish-reason",
        "chat/stream-first-delta-role",
        "chat/stream-include-usage",
        "chat/stream-logprobs",
        "chat/stream-no-stall",
        "chat/stream-parallel-tool-calls",
        "chat/stream-sse-framing",
        "chat/stream-terminal-signal",
        "chat/stream-tool-call-deltas",
        "chat/stream-usage-only-when-asked",
    ],
)
MIDSTREAM_ERROR = declare(
    "chat-stream-midstream-error",
    'after two chunks the stream sends data: {"error": {...}} and ends',
    "chat.stream_midstream_error_conformance",
    breaks=[
        "chat/reasoning-standard-fields",
        "chat/stream-chunk-identity",
        "chat/stream-content-matches",
        "chat/stream-finish-reason",
        "chat/stream-first-delta-role",
        "chat/stream-include-usage",
        "chat/stream-logprobs",
        "chat/stream-no-stall",
        "chat/stream-parallel-tool-calls",
        "chat/stream-tool-call-deltas",
        "chat/stream-usage-only-when-asked",
    ],
)

MIDSTREAM_ERROR_FLAT = declare(
    "chat-stream-midstream-error-flat",
    'after two chunks the stream sends data: {"message": ...} (no error envelope) and ends',
    "chat.stream_terminal_conformance",
    breaks=[
        "chat/stream-chunk-identity",
        "chat/stream-content-matches",
        "chat/stream-finish-reason",
        "chat/stream-include-usage",
        "chat/stream-parallel-tool-calls",
        "chat/stream-terminal-signal",
        "chat/stream-tool-call-deltas",
    ],
)
REASONING_CONTENT = declare(
    "chat-reasoning-content",
    "messages and deltas carry a non-standard reasoning_content field",
    "chat.reasoning_fields_conformance",
    breaks=["chat/reasoning-standard-fields"],
)

_ARG_PIECES = 3


def _split(text: str, parts: int) -> list[str]:
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _token_logprobs(plan: ChatPlan, tok: str) -> dict[str, Any] | None:
    """The logprobs of one content chunk (one token), with the stream's logprobs faults."""
    lp = logprobs_for(plan, [tok])
    f = plan.faults
    for entry in (lp or {}).get("content") or []:
        if LOGPROBS_TOKEN_MISMATCH in f:
            entry["token"] = entry["token"].lstrip() or entry["token"] + "_"
            entry["bytes"] = list(entry["token"].encode("utf-8"))
        if TOP_LOGPROBS_EXCEED in f:
            entry["top_logprobs"].append(
                {"token": "<extra>", "logprob": -9.5, "bytes": list(b"<extra>")}
            )
        if LOGPROB_POSITIVE in f:
            entry["logprob"] = abs(entry["logprob"])
    return lp


def chunks(plan: ChatPlan, include_usage: bool) -> list[dict[str, Any]]:
    """Every chunk of the stream, in order (without [DONE]); pure, for tests and batches."""
    f = plan.faults
    send_usage = (include_usage or USAGE_ALWAYS in f) and USAGE_NEVER not in f
    out: list[dict[str, Any]] = []

    def chunk(choices: list[dict[str, Any]] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": plan.id,
            "object": "chat.completion.chunk",
            "created": plan.created,
            "model": plan.model,
            "service_tier": "default",
            "system_fingerprint": "fp_oaic_ref",
            "choices": choices,
        }
        if include_usage:
            body["usage"] = None
        if INCONSISTENT_ID in f and out:
            body["id"] = f"{plan.id}-{len(out)}"
        return body

    for c in plan.choices:

        def choice(
            delta: dict[str, Any], lp: Any = None, reason: str | None = None, c: Any = c
        ) -> list[dict[str, Any]]:
            item: dict[str, Any] = {"index": c.index, "delta": delta, "finish_reason": reason}
            if plan.logprobs:
                item["logprobs"] = lp
            return [item]

        first: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
        if c.tool_calls:
            first["content"] = None
        if ROLE_MISSING in f:
            first.pop("role")
        out.append(chunk(choice(first, logprobs_for(plan, []))))
        if REASONING_CONTENT in f:
            out.append(chunk(choice({"reasoning_content": "Thinking it over."})))
        for tok in c.tokens:
            out.append(chunk(choice({"content": tok}, _token_logprobs(plan, tok))))
        for k, call in enumerate(c.tool_calls):
            args = call["function"]["arguments"]
            at = 0 if TOOL_CALLS_SHARE_INDEX in f else k + (TOOL_CALL_INDEX_FROM_ONE in f)
            head: dict[str, Any] = {
                "index": at,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            if ARGS_OBJECT in f:
                head["function"]["arguments"] = json.loads(args)
            deltas = [head]
            if ARGS_OBJECT not in f:
                deltas += [
                    {"index": at, "function": {"arguments": p}} for p in _split(args, _ARG_PIECES)
                ]
            if TOOL_CALL_REPEATS_HEAD in f:
                for d in deltas[1:]:
                    d["id"] = call["id"]
                    d["function"]["name"] = call["function"]["name"]
            for d in deltas:
                if TOOL_CALL_NO_INDEX in f:
                    d.pop("index", None)
                out.append(chunk(choice({"tool_calls": [d]})))
        out.append(chunk(choice({}, reason=c.finish_reason)))
    if send_usage:
        final = chunk(None if USAGE_CHOICES_NULL in f else [])
        final["usage"] = plan.usage()
        out.append(final)
    return out


def chat_stream(ctx: Ctx, plan: ChatPlan) -> Response:
    opts = ctx.body.get("stream_options") or {}
    events = chunks(plan, bool(opts.get("include_usage")))
    f = plan.faults
    no_space = DATA_NO_SPACE in f

    async def body() -> AsyncIterator[bytes]:
        for i, event in enumerate(events):
            if i == 2 and HANG in f:
                await asyncio.sleep(sse.HANG_SECONDS)
                return
            if i == 2 and MIDSTREAM_ERROR in f:
                err = {
                    "error": {
                        "message": "The server had an error while processing your request.",
                        "type": "server_error",
                        "param": None,
                        "code": "internal_error",
                    }
                }
                yield sse.encode(err, no_space=no_space)
                return
            if i == 2 and MIDSTREAM_ERROR_FLAT in f:
                yield sse.encode({"message": "upstream failed"}, no_space=no_space)
                return
            yield sse.encode(event, no_space=no_space)
        if NO_DONE not in f:
            yield sse.done(no_space=no_space)
        if CONTENT_AFTER_DONE in f:
            yield sse.encode(events[-1], no_space=no_space)

    media = "text/plain" if WRONG_CONTENT_TYPE in f else sse.EVENT_STREAM
    return sse.stream_response(body(), media_type=media)
