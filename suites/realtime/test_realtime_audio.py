"""Realtime input audio: append a generated PCM16 tone, commit, clear, and the transcription
session (``?intent=transcription``) transcribing committed audio."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from rt_steps import PCM_FORMAT, append_tone, manual_turns, response_s

from openai_conformance.target.config import RunConfig

CHECK = "realtime_input_audio_conformance"


@pytest.mark.requirement("realtime/audio-commit")
def test_committed_audio_becomes_a_user_item(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        manual_turns(rt)
        append_tone(rt)
        rt.send({"type": "input_audio_buffer.commit"})
        committed = rt.wait_for("input_audio_buffer.committed")
        rt.send({"type": "conversation.item.retrieve", "item_id": committed.get("item_id")})
        answer = rt.wait_for("conversation.item.retrieved", "error", allow_errors=True)
        item = answer.get("item") or {}
        if answer["type"] == "error" or item.get("id") != committed.get("item_id"):
            raise rt.fail(
                "the item named by input_audio_buffer.committed is not in the conversation",
                check=CHECK,
                pointer="/item_id",
                expected=f"conversation.item.retrieved for {committed.get('item_id')}",
                actual=answer.get("error") or {"id": item.get("id")},
            )
        if item.get("role") != "user":
            raise rt.fail(
                "the committed audio item is not a user message",
                check=CHECK,
                pointer="/item/role",
                expected="user",
                actual=item.get("role"),
            )


@pytest.mark.requirement("realtime/audio-clear")
def test_cleared_buffer_has_nothing_to_commit(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        manual_turns(rt)
        append_tone(rt)
        rt.send({"type": "input_audio_buffer.clear"})
        rt.wait_for("input_audio_buffer.cleared")
        rt.send({"type": "input_audio_buffer.commit"})
        answer = rt.wait_for("error", "input_audio_buffer.committed")
        if answer["type"] != "error":
            raise rt.fail(
                "the buffer still holds audio after input_audio_buffer.cleared",
                check=CHECK,
                expected="an error event: nothing to commit",
                actual=answer["type"],
            )


@pytest.mark.requirement("realtime/transcription-session")
def test_transcription_session_transcribes_committed_audio(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    model = oaic_config.models.get("transcription")
    with realtime(intent="transcription", feature="realtime.transcription") as rt:
        audio_input = {
            "turn_detection": None,
            "format": PCM_FORMAT,
            "transcription": {"model": model},
        }
        rt.send(
            {
                "type": "session.update",
                "session": {"type": "transcription", "audio": {"input": audio_input}},
            }
        )
        updated = rt.wait_for("session.updated")
        kind = (updated.get("session") or {}).get("type")
        if kind != "transcription":
            raise rt.fail(
                "a socket opened with intent=transcription is not a transcription session",
                check="realtime_transcription_session_conformance",
                pointer="/session/type",
                expected="transcription",
                actual=kind,
            )
        append_tone(rt)
        rt.send({"type": "input_audio_buffer.commit"})
        rt.wait_for("input_audio_buffer.committed")
        start = len(rt.events)
        completed = rt.wait_for(
            "conversation.item.input_audio_transcription.completed",
            deadline_s=response_s(oaic_config),
        )
        deltas = [
            str(e.get("delta", ""))
            for e in rt.events[start:]
            if e.get("type") == "conversation.item.input_audio_transcription.delta"
            and e.get("item_id") == completed.get("item_id")
        ]
        transcript = completed.get("transcript")
        if deltas and "".join(deltas) != transcript:
            raise rt.fail(
                "transcription deltas do not concatenate to the completed transcript",
                check="realtime_transcription_session_conformance",
                pointer="/transcript",
                expected=repr("".join(deltas)),
                actual=transcript,
            )
