"""Server-side Server-Sent Events encoding for the reference server.

Contract: ``encode(payload, event=None)`` returns one SSE event as bytes, exactly as OpenAI
frames it: an optional ``event: <type>`` line, ``data: <json>`` and a blank line. JSON is
compact (``separators=(",", ":")``) so one event is one ``data:`` line. ``DONE`` is the chat
stream terminator ``data: [DONE]\\n\\n``. ``stream_response(chunks)`` wraps an async iterator
of bytes in a ``text/event-stream`` response that sends each event as soon as it is produced.

Framing faults are applied here so every streaming endpoint shares them: ``no_space`` writes
``data:{json}`` (legal per the HTML spec, a SHOULD finding for strict clients).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

EVENT_STREAM = "text/event-stream"
DONE = b"data: [DONE]\n\n"

# How long the ``*-hang`` faults keep a stream open without sending anything before closing it:
# long enough for a client idle deadline to fire, bounded so a server never leaks a connection.
HANG_SECONDS = 30.0


def dumps(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def encode(payload: Any, event: str | None = None, *, no_space: bool = False) -> bytes:
    """One SSE event: ``[event: type\\n]data: json\\n\\n`` (``payload`` str is sent as is)."""
    data = payload if isinstance(payload, str) else dumps(payload)
    sep = ":" if no_space else ": "
    head = f"event:{' ' if not no_space else ''}{event}\n" if event else ""
    lines = "".join(f"data{sep}{line}\n" for line in data.split("\n"))
    return (head + lines + "\n").encode("utf-8")


def done(*, no_space: bool = False) -> bytes:
    return b"data:[DONE]\n\n" if no_space else DONE


def stream_response(
    chunks: AsyncIterator[bytes], *, media_type: str = EVENT_STREAM, status: int = 200
) -> StreamingResponse:
    """A streaming response with the headers OpenAI sends on event streams."""
    return StreamingResponse(
        chunks,
        status_code=status,
        media_type=media_type,
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
