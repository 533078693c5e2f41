"""Steps the realtime scenarios share: connecting (with the feature gates), a generated PCM16
tone, turning server VAD off, adding a user message, running one response and one that
calls a function tool (``call_function``).

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

from openai_conformance.checks.outcomes import Disabled, Unsupported
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.media import pcm16_tone
from openai_conformance.scenario.realtime import OPERATION, RealtimeSession
from openai_conformance.scenario.realtime_calls import function_call_items
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


WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}
ASK_WEATHER = "Use get_weather to look up the weather in Paris."


def call_function(rt: RealtimeSession, config: RunConfig) -> list[dict[str, Any]]:
    """Give the session ``get_weather``, ask for it and run a response that must call it
    (``tool_choice`` required on the response only, so the next response may answer);
    returns the response's events. A session that refuses the tool is UNSUPPORTED."""
    if not config.claims("realtime.function-calling"):
        raise Disabled("the profile does not claim realtime.function-calling")
    rt.send({"type": "session.update", "session": {"type": "realtime", "tools": [WEATHER_TOOL]}})
    answer = rt.wait_for("session.updated", "error", allow_errors=True)
    if answer["type"] == "error":
        raise Unsupported(
            f"realtime.function-calling: session.update with a function tool was refused: "
            f"{answer.get('error')}"
        )
    tools = (answer.get("session") or {}).get("tools") or []
    if not any(isinstance(t, dict) and t.get("name") == WEATHER_TOOL["name"] for t in tools):
        raise rt.fail(
            "session.updated does not carry the function tool the session.update set",
            check="realtime_function_call_conformance",
            pointer="/session/tools",
            expected=[WEATHER_TOOL["name"]],
            actual=tools,
        )
    add_user_message(rt, ASK_WEATHER)
    events = run_response(rt, config, ["text"], tool_choice="required")
    if not function_call_items(events):
        done = [e for e in events if e.get("type") == "response.done"]
        status = (done[-1].get("response") or {}).get("status") if done else None
        if status == "completed":
            raise Unsupported(
                "realtime.function-calling: asked to call get_weather (tool_choice required), "
                "the response completed without a function_call item"
            )
    return events
