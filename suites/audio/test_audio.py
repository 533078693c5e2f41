"""Audio: speech bytes per format and its SSE stream; transcription and translation of a
generated WAV in every response_format, timestamps, and the streamed transcript."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

import pytest
from audio_steps import (
    SPEECH_FORMATS,
    TRANSCRIPT_FORMATS,
    Problem,
    failures,
    json_events,
    read_stream,
    require_claim,
    speech_problems,
    transcript_problems,
)

from openai_conformance.checks import (
    assert_conforms,
    media_integrity_conformance,
    raise_failures,
    stream_event_schema_conformance,
)
from openai_conformance.checks.context import CheckContext
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

SPEECH, STT, TRANSLATE = (
    "POST /audio/speech",
    "POST /audio/transcriptions",
    "POST /audio/translations",
)
SAY = "The conformance suite checks every audio format."


def _speech_request(config: RunConfig, **extra: Any) -> dict[str, Any]:
    model = lc.model_for(config, "tts")
    return {"model": model, "input": SAY, "voice": "alloy", **extra}


@pytest.mark.requirement("audio/speech-format")
@pytest.mark.parametrize("fmt", SPEECH_FORMATS)
def test_speech_bytes_match_the_response_format(
    client: ConformanceClient, oaic_config: RunConfig, fmt: str
) -> None:
    require_claim(oaic_config, "audio.speech")
    exchange = client.request(
        "POST", "/audio/speech", json=_speech_request(oaic_config, response_format=fmt)
    )
    assert_conforms(exchange, SPEECH)
    lc.fail(failures("speech_format_conformance", SPEECH, exchange, speech_problems(fmt, exchange)))


@pytest.mark.requirement("core/media-integrity")
@pytest.mark.parametrize("fmt", [f for f in SPEECH_FORMATS if f != "pcm"])
def test_speech_file_decodes_completely(
    client: ConformanceClient, oaic_config: RunConfig, check_ctx: CheckContext, fmt: str
) -> None:
    require_claim(oaic_config, "audio.speech")
    exchange = client.request(
        "POST", "/audio/speech", json=_speech_request(oaic_config, response_format=fmt)
    )
    # Any non-conformance (a 4xx for a documented format included) fails here; a file that
    # arrives must decode to its last byte.
    assert_conforms(exchange, SPEECH)
    raise_failures(media_integrity_conformance(exchange, SPEECH, check_ctx))


@pytest.mark.requirement("audio/speech-stream")
def test_speech_stream_sends_audio_deltas_then_done(
    client: ConformanceClient, oaic_config: RunConfig, check_ctx: CheckContext
) -> None:
    require_claim(oaic_config, "audio.speech-streaming")
    body = _speech_request(oaic_config, stream_format="sse", response_format="pcm")
    exchange, events = read_stream(client, "/audio/speech", json=body)
    if exchange.status != 200:
        assert_conforms(exchange, SPEECH)
    raise_failures(stream_event_schema_conformance(exchange, SPEECH, check_ctx))
    kinds: list[Any] = []
    audio, problems = b"", list[Problem]()
    for i, payload in enumerate(json_events(events)):
        kinds.append(payload.get("type"))
        if payload.get("type") == "speech.audio.delta":
            try:
                audio += base64.b64decode(payload.get("audio") or "", validate=True)
            except (binascii.Error, ValueError):
                problems.append((f"/events/{i}/audio", "delta audio is not base64", "base64",
                                 str(payload.get("audio"))[:40]))  # fmt: skip
    if not kinds or kinds[-1] != "speech.audio.done" or kinds.count("speech.audio.done") != 1:
        problems.append(("/events", "the stream does not end with one speech.audio.done",
                         "speech.audio.delta... then speech.audio.done", kinds[-5:]))  # fmt: skip
    if not audio:
        problems.append(("/events", "the deltas carry no audio", "> 0 bytes", 0))
    lc.fail(failures("speech_stream_conformance", SPEECH, exchange, problems))


@pytest.mark.requirement("audio/transcription-formats")
@pytest.mark.parametrize("fmt", TRANSCRIPT_FORMATS)
def test_transcription_answers_each_response_format(
    transcribe: Callable[..., Any], oaic_config: RunConfig, fmt: str
) -> None:
    require_claim(oaic_config, "audio.transcription")
    exchange = transcribe("/audio/transcriptions", response_format=fmt)
    assert_conforms(exchange, STT)
    problems = transcript_problems(fmt, exchange, "transcribe")
    lc.fail(failures("transcription_formats_conformance", STT, exchange, problems))


@pytest.mark.requirement("audio/translation-formats")
@pytest.mark.parametrize("fmt", TRANSCRIPT_FORMATS)
def test_translation_answers_each_response_format(
    transcribe: Callable[..., Any], oaic_config: RunConfig, fmt: str
) -> None:
    require_claim(oaic_config, "audio.translation")
    exchange = transcribe("/audio/translations", response_format=fmt)
    assert_conforms(exchange, TRANSLATE)
    problems = transcript_problems(fmt, exchange, "translate")
    lc.fail(failures("translation_formats_conformance", TRANSLATE, exchange, problems))


def timing_problems(items: Any, kind: str, duration: float) -> list[Problem]:
    """Each item has numeric start <= end within [0, duration]; starts never go backwards."""
    if not isinstance(items, list) or not items:
        return [(f"/{kind}", f"verbose_json has no {kind}", f"a non-empty {kind} array", items)]
    out: list[Problem] = []
    last = 0.0
    for i, item in enumerate(items):
        start, end = (item.get("start"), item.get("end")) if isinstance(item, dict) else (0, 0)
        numeric = all(isinstance(x, int | float) for x in (start, end))
        if not numeric or not last <= start <= end <= duration + 0.5:
            out.append((f"/{kind}/{i}", f"{kind}[{i}] timing is out of order or range",
                        f"{last} <= start <= end <= {duration}", (start, end)))  # fmt: skip
        else:
            last = start
    return out[:5]


@pytest.mark.requirement("audio/transcription-timestamps")
def test_verbose_transcription_has_segment_and_word_timestamps(
    transcribe: Callable[..., Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "audio.transcription")
    exchange = transcribe(
        "/audio/transcriptions",
        response_format="verbose_json",
        **{"timestamp_granularities[]": ["segment", "word"]},
    )
    body = assert_conforms(exchange, STT)
    duration = float(body.get("duration") or 0)
    problems = timing_problems(body.get("segments"), "segments", duration)
    if (body.get("text") or "").strip():  # a silent clip may have no words at all
        problems += timing_problems(body.get("words"), "words", duration)
    lc.fail(failures("transcription_timestamps_conformance", STT, exchange, problems))


@pytest.mark.requirement("audio/transcription-stream")
def test_streamed_transcript_deltas_concatenate_to_done_text(
    client: ConformanceClient, oaic_config: RunConfig, tone_wav: bytes, check_ctx: CheckContext
) -> None:
    require_claim(oaic_config, "audio.transcription-streaming")
    data = {"model": lc.model_for(oaic_config, "transcription"), "stream": "true"}
    files = {"file": ("tone.wav", tone_wav, "audio/wav")}
    exchange, events = read_stream(client, "/audio/transcriptions", data=data, files=files)
    if exchange.status != 200:
        assert_conforms(exchange, STT)
    raise_failures(stream_event_schema_conformance(exchange, STT, check_ctx))
    payloads = json_events(events)
    kinds = [p.get("type") for p in payloads]
    deltas = "".join(
        p.get("delta") or "" for p in payloads if p.get("type") == "transcript.text.delta"
    )
    done = [p for p in payloads if p.get("type") == "transcript.text.done"]
    problems: list[Problem] = []
    if len(done) != 1 or kinds[-1] != "transcript.text.done":
        problems.append(("/events", "the stream does not end with one transcript.text.done",
                         "deltas then transcript.text.done", kinds[-5:]))  # fmt: skip
    elif deltas != done[0].get("text"):
        problems.append((f"/events/{len(events) - 1}/text", "deltas do not concatenate to the "
                         "done text", done[0].get("text"), deltas))  # fmt: skip
    lc.fail(failures("transcription_stream_conformance", STT, exchange, problems))
