"""Realtime session configuration and conversation state for one WebSocket connection.

The session object is ``RealtimeSessionCreateResponseGA`` (``type: realtime``) or
``RealtimeTranscriptionSessionCreateResponseGA`` (``type: transcription``), built from the
defaults below and deep-merged with each ``session.update``. Defaults are deterministic:
text and audio output are both possible, turn detection is off (``null``: the client commits
the audio buffer itself), and input transcription is off until the client configures it.

The conversation is an ordered list of ``realtime.item`` objects; ``insert`` honours
``previous_item_id`` (``"root"`` or absent inserts at the start / appends, as documented).
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from typing import Any

SESSION_TTL = 30 * 60  # a realtime session lasts at most 30 minutes
PCM_FORMAT = {"type": "audio/pcm", "rate": 24000}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def default_session(model: str, now: int, kind: str = "realtime") -> dict[str, Any]:
    """A complete session object of ``kind`` ("realtime" or "transcription")."""
    if kind == "transcription":
        return {
            "type": "transcription",
            "id": new_id("sess"),
            "object": "realtime.transcription_session",
            "expires_at": now + SESSION_TTL,
            "include": [],
            "audio": {
                "input": {
                    "format": dict(PCM_FORMAT),
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                    "noise_reduction": {"type": "near_field"},
                    "turn_detection": None,
                }
            },
        }
    return {
        "type": "realtime",
        "id": new_id("sess"),
        "object": "realtime.session",
        "expires_at": now + SESSION_TTL,
        "model": model,
        "output_modalities": ["audio"],
        "instructions": "You are the openai-conformance reference realtime model.",
        "audio": {
            "input": {
                "format": dict(PCM_FORMAT),
                "noise_reduction": {"type": "near_field"},
                "turn_detection": None,
            },
            "output": {"format": dict(PCM_FORMAT), "voice": "alloy", "speed": 1.0},
        },
        "include": [],
        "tracing": None,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "truncation": "auto",
    }


def merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    """Deep-merge ``update`` into ``target`` (objects merge, everything else replaces)."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def show_voice(session: dict[str, Any]) -> None:
    """Show a custom voice reference (``{"id": "voice_1234"}``) by its id, in place.

    Requests take a built-in voice name or a custom voice reference, but the sessions the
    server answers with (``RealtimeSessionCreateResponseGA`` of POST /realtime/client_secrets,
    ``session.created``/``session.updated``) type ``audio.output.voice`` as a voice name
    string (``VoiceIdsShared``) or null: echoing the reference object would break the
    server's own contract, its id is a valid voice string.
    """
    output = (session.get("audio") or {}).get("output")
    if isinstance(output, dict) and isinstance(output.get("voice"), dict):
        output["voice"] = str(output["voice"].get("id") or "alloy")


@dataclass
class Conversation:
    """Items in order, plus the input audio buffer and the active response."""

    items: list[dict[str, Any]] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)

    def find(self, item_id: str) -> dict[str, Any] | None:
        return next((i for i in self.items if i.get("id") == item_id), None)

    def last_id(self) -> str | None:
        return self.items[-1]["id"] if self.items else None

    def insert(self, item: dict[str, Any], previous_item_id: str | None) -> str | None:
        """Insert ``item``; returns the id of the item now before it (None at the start)."""
        if previous_item_id == "root":
            self.items.insert(0, item)
            return None
        if previous_item_id is None:
            before = self.last_id()
            self.items.append(item)
            return before
        for index, existing in enumerate(self.items):
            if existing.get("id") == previous_item_id:
                self.items.insert(index + 1, item)
                return previous_item_id
        raise KeyError(previous_item_id)

    def delete(self, item_id: str) -> bool:
        for index, existing in enumerate(self.items):
            if existing.get("id") == item_id:
                del self.items[index]
                return True
        return False


def item_text(item: dict[str, Any]) -> str:
    """The text a message item carries (text parts and transcripts), joined by spaces."""
    parts = []
    for part in item.get("content") or []:
        if isinstance(part, dict):
            parts.append(str(part.get("text") or part.get("transcript") or ""))
    return " ".join(p for p in parts if p)
