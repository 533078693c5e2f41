"""Steps the realtime scenarios share: connecting (with the feature gates), a generated PCM16
tone, turning server VAD off, adding a user message and running one response.

``connect(client, config, intent=None, feature=...)`` is a context manager yielding
a ``RealtimeSession`` (``openai_conformance.scenario.realtime``): DISABLED when the profile does not
claim ``feature`` or names no realtime model. (A target without the realtime WebSocket never
gets here: the plugin's absence rule probes it, from suites/realtime/feature.yaml.)
Every wait is bounded: ``reply_s`` (the stream idle deadline) per reply,
``response_s`` (the whole-stream deadline) for a full response.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from typing import Any

from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.media import pcm16_tone
from openai_conformance.scenario.realtime import OPERATION, RealtimeSession
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

RATE = 24000  # the GA default input format: audio/pcm at 24 kHz, mono, 16-bit little endian
PCM_FORMAT = {"type": "audio/pcm", "rate": RATE}


def reply_s(config: RunConfig) -> float:
    return float(min(config.timeouts.stream_idle, config.timeouts.stream_total))


def response_s(config: RunConfig) -> float:
    return float(config.timeouts.stream_total)


@contextlib.contextmanager
def connect(
    client: ConformanceClient,
    config: RunConfig,
    *,
    intent: str | None = None,
    feature: str = "realtime.websocket",
) -> Iterator[RealtimeSession]:
    """Open ``/realtime?model=<realtime model>`` (or ``?intent=...``) with the profile's auth."""
    if not config.claims(feature):
        raise Disabled(f"the profile does not claim {feature}")
    params = {"intent": intent} if intent else {"model": lc.model_for(config, "realtime")}
    with contextlib.ExitStack() as stack:
        ws = stack.enter_context(client.websocket("/realtime", params, operation=OPERATION))
        yield RealtimeSession(ws, reply_s=reply_s(config))


def append_tone(rt: RealtimeSession, ms: int = 300) -> None:
    """Append a tone in 100 ms chunks (as a streaming client would)."""
    pcm = pcm16_tone(seconds=ms / 1000, rate=RATE)
    chunk = RATE * 2 // 10
    for start in range(0, len(pcm), chunk):
        audio = base64.b64encode(pcm[start : start + chunk]).decode("ascii")
        rt.send({"type": "input_audio_buffer.append", "audio": audio})


def manual_turns(rt: RealtimeSession, session_type: str = "realtime", **extra: Any) -> None:
    """Turn server VAD off (the client commits audio itself) and wait for session.updated."""
    audio_input: dict[str, Any] = {"turn_detection": None, **extra}
    rt.send(
        {
            "type": "session.update",
            "session": {"type": session_type, "audio": {"input": audio_input}},
        }
    )
    rt.wait_for("session.updated")


def user_message(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def add_user_message(rt: RealtimeSession, text: str) -> dict[str, Any]:
    """Add a user text item and wait until the server has it; returns the item.

    Setup only: any acknowledgement counts (GA ``conversation.item.done`` or the beta
    ``conversation.item.created``); the GA names are judged by their own test."""
    rt.send({"type": "conversation.item.create", "item": user_message(text)})
    event = rt.wait_for("conversation.item.done", "conversation.item.created")
    return dict(event.get("item") or {})


def run_response(
    rt: RealtimeSession, config: RunConfig, modalities: list[str] | None = None, **response: Any
) -> list[dict[str, Any]]:
    """``response.create`` and every server event up to and including ``response.done``."""
    body = dict(response)
    if modalities:
        body["output_modalities"] = modalities
    rt.send({"type": "response.create", "response": body})
    return rt.collect("response.done", deadline_s=response_s(config))


def text_of(item: dict[str, Any]) -> str:
    """The text or transcript of an item's first content part ('' when there is none)."""
    for part in item.get("content") or []:
        if isinstance(part, dict):
            value = part.get("text") if part.get("text") is not None else part.get("transcript")
            return str(value or "")
    return ""
