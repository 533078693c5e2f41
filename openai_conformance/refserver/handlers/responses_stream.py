"""Streamed Responses: a completed ``Response`` replayed as the documented event sequence.

Sequence: ``response.created`` → ``response.in_progress`` → per output item
``response.output_item.added`` → (message) ``response.content_part.added``,
``response.output_text.delta`` per token, ``response.output_text.done``,
``response.content_part.done`` | (function call) ``response.function_call_arguments.delta``
(several), ``response.function_call_arguments.done`` → ``response.output_item.done`` → the
terminal ``response.completed`` (or ``response.incomplete``). ``sequence_number`` counts from
0 with no gaps; each event is framed ``event: <type>`` + ``data: <json>``.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import Response

from .. import sse
from ..context import Ctx
from ..faults import declare
from . import _text

SEQUENCE_NOT_INCREASING = declare(
    "responses-sequence-not-increasing",
    "the third streamed event repeats the sequence_number of the second",
    "responses.stream_sequence_conformance",
    breaks=["responses/stream-sequence"],
)
NO_TERMINAL = declare(
    "responses-no-terminal-event",
    "the Responses stream ends without response.completed/failed/incomplete",
    "responses.stream_terminal_event_conformance",
    breaks=[
        "responses/stream-deltas",
        "responses/stream-nesting",
        "responses/stream-terminal-event",
    ],
)
DELTA_MISMATCH = declare(
    "responses-delta-mismatch",
    "the last output_text.delta is dropped, so deltas do not concatenate to the done text",
    "responses.stream_deltas_conformance",
    breaks=["responses/stream-deltas"],
)
WRONG_TYPE = declare(
    "responses-event-wrong-type",
    "output_text.delta events are typed 'response.text.delta' (a name not in the contract)",
    "responses.stream_event_schema_conformance",
    breaks=["responses/stream-deltas", "responses/stream-event-schema"],
)
OUTPUT_INDEX_MISMATCH = declare(
    "responses-output-index-mismatch",
    "text delta events carry output_index + 1 of the item they belong to",
    "responses.stream_nesting_conformance",
    breaks=["responses/stream-nesting"],
)
IGNORE_TEXT_FORMAT = declare(
    "responses-ignore-text-format",
    "text.format json_object/json_schema is accepted and ignored (plain text answer)",
    "responses.text_format_conformance",
    breaks=["responses/text-format"],
)

NO_CREATED = declare(
    "responses-stream-no-created",
    "the Responses stream starts with response.in_progress (no response.created)",
    "responses.stream_first_event_conformance",
    breaks=["responses/stream-first-event"],
)

_ARG_PIECES = 3


def events(
    response: dict[str, Any], faults: frozenset[str] = frozenset(), *, observed: bool = False
) -> list[dict[str, Any]]:
    """Every event of the stream (without sequence numbers applied by faults), in order.
    ``observed``: the created/in_progress snapshots carry ``usage: null`` as the live API's
    do (no usage is known yet); otherwise they carry the final usage, as the document allows."""
    out: list[dict[str, Any]] = []
    start = copy.deepcopy(response)
    start.update(
        status="in_progress",
        output=[],
        output_text=None,
        completed_at=None,
        incomplete_details=None,
    )
    if observed:
        start["usage"] = None
    if NO_CREATED not in faults:
        out.append({"type": "response.created", "response": start})
    out.append({"type": "response.in_progress", "response": start})
    for oi, item in enumerate(response["output"]):
        if item["type"] == "message":
            added = {**item, "status": "in_progress", "content": []}
            out.append({"type": "response.output_item.added", "output_index": oi, "item": added})
            for ci, part in enumerate(item["content"]):
                empty = {**part, "text": ""}
                base = {"item_id": item["id"], "output_index": oi, "content_index": ci}
                out.append({"type": "response.content_part.added", **base, "part": empty})
                pieces = _text.pieces(part["text"])
                if DELTA_MISMATCH in faults and len(pieces) > 1:
                    pieces = pieces[:-1]
                for p in pieces:
                    ev = {"type": "response.output_text.delta", **base, "delta": p, "logprobs": []}
                    if WRONG_TYPE in faults:
                        ev["type"] = "response.text.delta"
                    if OUTPUT_INDEX_MISMATCH in faults:
                        ev["output_index"] = oi + 1
                    out.append(ev)
                out.append(
                    {
                        "type": "response.output_text.done",
                        **base,
                        "text": part["text"],
                        "logprobs": [],
                    }
                )
                out.append({"type": "response.content_part.done", **base, "part": part})
        elif item["type"] == "function_call":
            added = {**item, "status": "in_progress", "arguments": ""}
            out.append({"type": "response.output_item.added", "output_index": oi, "item": added})
            args = item["arguments"]
            size = max(1, -(-len(args) // _ARG_PIECES))
            for i in range(0, len(args), size):
                out.append(
                    {
                        "type": "response.function_call_arguments.delta",
                        "item_id": item["id"],
                        "output_index": oi,
                        "delta": args[i : i + size],
                    }
                )
            out.append(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item["id"],
                    "name": item["name"],
                    "output_index": oi,
                    "arguments": args,
                }
            )
        out.append({"type": "response.output_item.done", "output_index": oi, "item": item})
    if NO_TERMINAL not in faults:
        terminal = (
            "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        )
        out.append({"type": terminal, "response": response})
    for seq, ev in enumerate(out):
        ev["sequence_number"] = seq
    if SEQUENCE_NOT_INCREASING in faults and len(out) > 2:
        out[2]["sequence_number"] = out[1]["sequence_number"]
    return out


def response_stream(ctx: Ctx, response: dict[str, Any]) -> Response:
    evs = events(response, ctx.faults, observed=ctx.state.observed)

    async def body() -> AsyncIterator[bytes]:
        for ev in evs:
            yield sse.encode(ev, event=ev["type"])

    return sse.stream_response(body())
