"""The Realtime WebSocket protocol (GA): one ``Connection`` per socket, one handler per event.

Handshake: ``GET /v1/realtime?model=...`` upgraded to a WebSocket. When the server has an API
key, ``Authorization: Bearer <key>`` must match (or the handshake is refused with close code
1008 before accepting, which clients see as HTTP 403). Faults are taken per connection from the
``x-oaic-fault`` header or query parameter of the handshake (when ``allow_fault_header``) plus
the server's own faults. ``?intent=transcription`` opens a transcription session (``session.type
transcription``) instead of a conversation session.

After accepting, the first server event is ``session.created``. Each client text frame must be
a JSON object valid against ``RealtimeClientEvent``; otherwise the server answers an ``error``
event whose ``error.event_id`` echoes the client's ``event_id`` and the session carries on.
Every server event gets a fresh ``event_id``. Responses run as a task so ``response.cancel``
can interrupt them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..faults import CATALOGUE
from .faults import (
    BETA_NAMES,
    CANCEL_IGNORED,
    CLEAR_KEEPS_AUDIO,
    CLOSE_ON_INVALID,
    COMMIT_WRONG_ITEM,
    DELETE_KEEPS_ITEM,
    ERROR_NO_EVENT_ID,
    FUNCTION_OUTPUT_REJECTED,
    RETRIEVE_WRONG_ITEM,
    SESSION_CREATED_MISSING,
    SESSION_UPDATE_IGNORED,
    TRANSCRIPTION_INTENT_IGNORED,
    TRUNCATE_IGNORED,
    WRONG_SCHEMA,
)
from .response import run_response
from .session import Conversation, default_session, merge, new_id, show_voice

if TYPE_CHECKING:
    from ..state import ServerState

FAULT_HEADER = "x-oaic-fault"
MIN_COMMIT_BYTES = 4800  # 100 ms of 24 kHz PCM16: OpenAI refuses to commit less
BETA_RENAMES = {
    "conversation.item.added": "conversation.item.created",
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
}


class ClientError(Exception):
    """A client event the server refuses; becomes an ``error`` server event."""

    def __init__(self, message: str, *, param: str | None = None, code: str = "invalid_value"):
        super().__init__(message)
        self.message, self.param, self.code = message, param, code


class Connection:
    """State and send side of one realtime WebSocket."""

    def __init__(
        self,
        ws: WebSocket,
        state: ServerState,
        faults: frozenset[str],
        model: str,
        kind: str = "realtime",
    ):
        self.ws, self.state, self.faults = ws, state, faults
        now = int(state.clock.now())
        self.session = default_session(model, now, kind)
        self.conversation = Conversation()
        self.conversation_id = new_id("conv")
        self.response_task: asyncio.Task[None] | None = None
        self.cancel_requested = False
        self._send_lock = asyncio.Lock()
        self.closed = False

    def faulty(self, name: str) -> bool:
        return name in self.faults

    async def send(self, event: dict[str, Any]) -> None:
        """Send one server event (event_id added; faults applied last)."""
        event = {"event_id": new_id("event"), **event}
        if self.faulty(BETA_NAMES):
            if event["type"] == "conversation.item.done":
                return  # beta had no .done for items
            event["type"] = BETA_RENAMES.get(event["type"], event["type"])
        if self.faulty(WRONG_SCHEMA):
            event.pop("event_id", None)
        if self.closed:
            return
        async with self._send_lock:
            await self.ws.send_text(json.dumps(event))

    async def error(self, exc: ClientError, client_event_id: Any) -> None:
        err = {
            "type": "invalid_request_error",
            "code": exc.code,
            "message": exc.message,
            "param": exc.param,
            "event_id": client_event_id if isinstance(client_event_id, str) else None,
        }
        if self.faulty(ERROR_NO_EVENT_ID):
            err.pop("event_id")
        await self.send({"type": "error", "error": err})
        if self.faulty(CLOSE_ON_INVALID):
            self.closed = True
            await self.ws.close(code=1011)

    # ------------------------------------------------------------------ client events

    async def on_session_update(self, event: dict[str, Any]) -> None:
        update = copy.deepcopy(event["session"])
        if update.get("type") != self.session["type"]:
            raise ClientError(
                f"Cannot change the session type from {self.session['type']!r} to "
                f"{update.get('type')!r}.",
                param="session.type",
            )
        if "model" in update and update["model"] != self.session.get("model"):
            raise ClientError("The model of a session cannot be changed.", param="session.model")
        if self.faulty(SESSION_UPDATE_IGNORED):
            await self.send({"type": "session.updated", "session": copy.deepcopy(self.session)})
            return
        audio_input = (update.get("audio") or {}).get("input") or {}
        if audio_input.get("transcription") is None and "transcription" in audio_input:
            audio_input.pop("transcription")
            self.session.get("audio", {}).get("input", {}).pop("transcription", None)
        merge(self.session, update)
        show_voice(self.session)
        await self.send({"type": "session.updated", "session": copy.deepcopy(self.session)})

    async def on_conversation_item_create(self, event: dict[str, Any]) -> None:
        item = copy.deepcopy(event["item"])
        if item.get("type") == "function_call_output" and self.faulty(FUNCTION_OUTPUT_REJECTED):
            raise ClientError(
                f"Tool call ID {item.get('call_id')!r} not found in conversation.",
                param="item.call_id",
            )
        item.setdefault("id", new_id("item"))
        if self.conversation.find(item["id"]):
            raise ClientError(f"Item {item['id']!r} already exists.", param="item.id")
        item["object"] = "realtime.item"
        item.setdefault("status", "completed")
        try:
            previous = self.conversation.insert(item, event.get("previous_item_id"))
        except KeyError as exc:
            raise ClientError(
                f"previous_item_id {event.get('previous_item_id')!r} is not in the conversation.",
                param="previous_item_id",
                code="item_not_found",
            ) from exc
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
        )
        await self.send(
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item}
        )

    def _item(self, item_id: str) -> dict[str, Any]:
        item = self.conversation.find(item_id)
        if item is None:
            raise ClientError(
                f"Item {item_id!r} not found.", param="item_id", code="item_not_found"
            )
        return item

    async def on_conversation_item_retrieve(self, event: dict[str, Any]) -> None:
        item = self._item(event["item_id"])
        if self.faulty(RETRIEVE_WRONG_ITEM):
            item = self.conversation.items[-1]
        await self.send({"type": "conversation.item.retrieved", "item": copy.deepcopy(item)})

    async def on_conversation_item_delete(self, event: dict[str, Any]) -> None:
        self._item(event["item_id"])
        if not self.faulty(DELETE_KEEPS_ITEM):
            self.conversation.delete(event["item_id"])
        await self.send({"type": "conversation.item.deleted", "item_id": event["item_id"]})

    async def on_conversation_item_truncate(self, event: dict[str, Any]) -> None:
        item = self._item(event["item_id"])
        if item.get("role") != "assistant":
            raise ClientError("Only assistant messages can be truncated.", param="item_id")
        index = event["content_index"]
        content = item.get("content") or []
        if not 0 <= index < len(content):
            raise ClientError(f"content_index {index} is out of range.", param="content_index")
        if event["audio_end_ms"] < 0:
            raise ClientError("audio_end_ms must not be negative.", param="audio_end_ms")
        part = content[index]
        words = str(part.get("transcript") or part.get("text") or "").split(" ")
        keep = max(0, event["audio_end_ms"] // 10)  # 10 ms of audio per word (response.py)
        key = "transcript" if "transcript" in part else "text"
        if not self.faulty(TRUNCATE_IGNORED):
            part[key] = " ".join(words[:keep])
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item["id"],
                "content_index": index,
                "audio_end_ms": event["audio_end_ms"],
            }
        )

    async def on_input_audio_buffer_append(self, event: dict[str, Any]) -> None:
        try:
            chunk = base64.b64decode(event["audio"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ClientError("'audio' must be base64-encoded audio.", param="audio") from exc
        self.conversation.audio.extend(chunk)

    async def on_input_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        if not self.faulty(CLEAR_KEEPS_AUDIO):
            self.conversation.audio.clear()
        await self.send({"type": "input_audio_buffer.cleared"})

    async def on_input_audio_buffer_commit(self, event: dict[str, Any]) -> None:
        audio = bytes(self.conversation.audio)
        if len(audio) < MIN_COMMIT_BYTES:
            raise ClientError(
                f"Error committing input audio buffer: buffer too small. Expected at least "
                f"100ms of audio, but buffer only has {len(audio) / 48:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        self.conversation.audio.clear()
        item: dict[str, Any] = {
            "id": new_id("item"),
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        previous = self.conversation.insert(item, None)
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": new_id("item") if self.faulty(COMMIT_WRONG_ITEM) else item["id"],
            }
        )
        item["content"][0].pop("transcript")
        await self.send(
            {
                "type": "conversation.item.added",
                "previous_item_id": previous,
                "item": copy.deepcopy(item),
            }
        )
        await self.send(
            {
                "type": "conversation.item.done",
                "previous_item_id": previous,
                "item": copy.deepcopy(item),
            }
        )
        if ((self.session.get("audio") or {}).get("input") or {}).get("transcription"):
            seconds = len(audio) / 48000
            transcript = f"{len(audio) // 48} milliseconds of audio"
            where = {"item_id": item["id"], "content_index": 0}
            for i, word in enumerate(transcript.split(" ")):
                delta = word if i == 0 else " " + word
                await self.send(
                    {
                        "type": "conversation.item.input_audio_transcription.delta",
                        **where,
                        "delta": delta,
                    }
                )
            item["content"][0]["transcript"] = transcript
            await self.send(
                {
                    "type": "conversation.item.input_audio_transcription.completed",
                    **where,
                    "transcript": transcript,
                    "usage": {"type": "duration", "seconds": round(seconds, 3)},
                }
            )

    async def on_output_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        await self.send({"type": "output_audio_buffer.cleared", "response_id": new_id("resp")})

    async def on_response_create(self, event: dict[str, Any]) -> None:
        if self.response_task is not None and not self.response_task.done():
            raise ClientError(
                "Conversation already has an active response in progress.",
                code="conversation_already_has_active_response",
            )
        self.cancel_requested = False
        params = copy.deepcopy(event.get("response") or {})
        self.response_task = asyncio.create_task(run_response(self, params))

    async def on_response_cancel(self, event: dict[str, Any]) -> None:
        if self.response_task is None or self.response_task.done():
            raise ClientError(
                "Cancellation failed: no active response found.",
                code="response_cancel_not_active",
            )
        if self.faulty(CANCEL_IGNORED):
            return
        self.cancel_requested = True
        await self.response_task

    async def on_transcription_session_update(self, event: dict[str, Any]) -> None:
        raise ClientError(
            "transcription_session.update is the beta protocol; send session.update with "
            "session.type 'transcription' instead.",
            code="unsupported_event",
        )


Handler = Callable[[Connection, dict[str, Any]], Awaitable[None]]


def _handler(event_type: str) -> Handler | None:
    return getattr(Connection, "on_" + event_type.replace(".", "_"), None)


def connection_faults(ws: WebSocket, state: ServerState) -> frozenset[str]:
    faults = set(state.config.faults)
    if state.config.allow_fault_header:
        raw = ws.headers.get(FAULT_HEADER) or ws.query_params.get(FAULT_HEADER) or ""
        faults |= {n.strip() for n in raw.split(",") if n.strip() in CATALOGUE}
    return frozenset(faults)


def authorised(ws: WebSocket, state: ServerState) -> bool:
    expected = state.config.api_key
    if not expected:
        return True
    scheme, _, token = ws.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), expected.encode()
    )


async def serve(ws: WebSocket) -> None:
    """The WebSocket endpoint: handshake, session.created, then the event loop."""
    state: ServerState = ws.app.state.oaic
    if not authorised(ws, state):
        await ws.close(code=1008)
        return
    await ws.accept()
    faults = connection_faults(ws, state)
    # GA transcription-only sessions are opened with ?intent=transcription (a session.update
    # cannot turn a conversation session into one).
    transcription = ws.query_params.get("intent") == "transcription"
    kind = (
        "transcription"
        if transcription and TRANSCRIPTION_INTENT_IGNORED not in faults
        else ("realtime")
    )
    model = ws.query_params.get("model") or "gpt-realtime"
    conn = Connection(ws, state, faults, model, kind)
    if not conn.faulty(SESSION_CREATED_MISSING):
        await conn.send({"type": "session.created", "session": copy.deepcopy(conn.session)})
    try:
        while not conn.closed:
            message = await ws.receive_text()
            await _dispatch(conn, message)
    except WebSocketDisconnect:
        pass
    finally:
        conn.closed = True
        if conn.response_task is not None and not conn.response_task.done():
            conn.response_task.cancel()


async def _dispatch(conn: Connection, message: str) -> None:
    client_event_id: Any = None
    try:
        try:
            event = json.loads(message)
        except json.JSONDecodeError as exc:
            raise ClientError(
                f"The event is not valid JSON: {exc.msg}.", code="invalid_json"
            ) from exc
        if not isinstance(event, dict):
            raise ClientError("An event must be a JSON object.", code="invalid_event")
        client_event_id = event.get("event_id")
        handler = _handler(str(event.get("type")))
        if handler is None:
            raise ClientError(
                f"Invalid value: {event.get('type')!r} is not a supported client event type.",
                param="type",
                code="invalid_value",
            )
        violations = conn.state.validator.validate(event, "RealtimeClientEvent")
        if violations:
            v = violations[0]
            param = v.pointer.strip("/").replace("/", ".") or None
            raise ClientError(f"Invalid event: {v}", param=param)
        await handler(conn, event)
    except ClientError as exc:
        await conn.error(exc, client_event_id)
