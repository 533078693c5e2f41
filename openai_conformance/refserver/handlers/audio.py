"""Audio: speech (bytes per ``response_format``, or ``stream_format: sse`` events) and
transcription/translation of an uploaded file in every ``response_format``.

Speech bytes are deterministic from the input text: ``wav`` is a real RIFF/WAVE header over
PCM16 mono 24 kHz samples, ``pcm`` the raw samples, and mp3/opus/aac/flac are
well-formed files of their format (``_audiofmt``: silent mp3/opus/aac frames, FLAC carrying the
samples), so every file decodes completely.
A transcript is the ``_text.sentence`` seeded by the audio bytes' hash; word timings are 0.5 s
per word; one segment per transcript.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import Response

from ...contract.envelope import invalid
from .. import sse
from ..context import Ctx, handles
from ..faults import declare
from . import _audiofmt, _text
from .models import require_model

SPEECH_WRONG_CONTENT_TYPE = declare(
    "speech-wrong-content-type",
    "speech audio is sent as application/json whatever response_format asks",
    "audio.speech_content_type_conformance",
    breaks=["audio/speech-format"],
)
VERBOSE_NO_SEGMENTS = declare(
    "transcription-verbose-json-missing-segments",
    "verbose_json transcriptions lack segments/words even when timestamp_granularities asks",
    "audio.transcription_verbose_json_conformance",
    breaks=["audio/transcription-timestamps"],
)
SPEECH_TRUNCATED = declare(
    "speech-truncated",
    "speech files lose their last two bytes (cut inside the last frame or sample chunk)",
    "media_integrity_conformance",
    breaks=[
        "audio/speech-format[mp3]",
        "core/media-integrity[mp3]",
        "audio/speech-format[opus]",
        "core/media-integrity[opus]",
        "audio/speech-format[aac]",
        "core/media-integrity[aac]",
        "audio/speech-format[flac]",
        "core/media-integrity[flac]",
        "audio/speech-format[wav]",
        "core/media-integrity[wav]",
    ],
)
SPEECH_WAV_NO_HEADER = declare(
    "speech-wav-without-header",
    "response_format wav answers raw PCM samples without the RIFF/WAVE header",
    "audio/speech-format",
    breaks=["audio/speech-format[wav]", "core/media-integrity[wav]"],
)
SPEECH_STREAM_NO_DONE = declare(
    "speech-stream-no-done",
    "the speech SSE stream ends without its speech.audio.done event",
    "audio/speech-stream",
    breaks=["audio/speech-stream"],
)
JSON_AS_TEXT = declare(
    "transcript-json-as-text",
    "response_format json answers the bare transcript as text/plain",
    "audio/transcription-formats, audio/translation-formats",
    breaks=["audio/transcription-formats[json]", "audio/translation-formats[json]"],
)
TEXT_AS_JSON = declare(
    "transcript-text-as-json",
    "response_format text answers a JSON object {text} instead of plain text",
    "audio/transcription-formats, audio/translation-formats",
    breaks=["audio/transcription-formats[text]", "audio/translation-formats[text]"],
)
SRT_MALFORMED = declare(
    "srt-malformed",
    "srt captions lack cue numbers and use '.' instead of ',' in timestamps",
    "audio/transcription-formats, audio/translation-formats",
    breaks=["audio/transcription-formats[srt]", "audio/translation-formats[srt]"],
)
VTT_NO_HEADER = declare(
    "vtt-missing-header",
    "vtt captions lack the WEBVTT header line",
    "audio/transcription-formats, audio/translation-formats",
    breaks=["audio/transcription-formats[vtt]", "audio/translation-formats[vtt]"],
)
VERBOSE_NO_LANGUAGE = declare(
    "transcript-verbose-json-missing-language",
    "verbose_json transcripts and translations lack the language field",
    "audio/transcription-formats, audio/translation-formats",
    breaks=["audio/transcription-formats[verbose_json]", "audio/translation-formats[verbose_json]"],
)
STREAM_DELTA_MISMATCH = declare(
    "transcription-stream-delta-mismatch",
    "streamed transcript deltas skip the last word, so they do not concatenate to the done text",
    "audio/transcription-stream",
    breaks=["audio/transcription-stream"],
)

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
RATE = 24000
WORD_SECONDS = 0.5


def pcm16(text: str) -> bytes:
    """0.1 s of deterministic PCM16 samples per input word (at least one word)."""
    count = max(_text.count_tokens(text), 1) * RATE // 10
    seed = hashlib.sha256(text.encode()).digest()
    return b"".join(struct.pack("<h", (seed[i % 32] - 128) * 64) for i in range(count))


def wav(samples: bytes) -> bytes:
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(samples)) + samples


def speech_bytes(text: str, fmt: str, no_header: bool = False) -> bytes:
    samples = pcm16(text)
    if fmt == "wav":
        return samples if no_header else wav(samples)
    if fmt == "flac":
        return _audiofmt.flac(samples)
    if fmt in ("mp3", "opus", "aac"):
        return getattr(_audiofmt, fmt)(len(samples) / 2 / RATE)
    return samples


@handles("POST /audio/speech")
async def create_speech(ctx: Ctx) -> Any:
    require_model(ctx.state, ctx.body.get("model"))
    fmt = ctx.body.get("response_format") or "mp3"
    audio = speech_bytes(ctx.body["input"], fmt, ctx.fault(SPEECH_WAV_NO_HEADER))
    if ctx.fault(SPEECH_TRUNCATED):
        audio = audio[:-2]
    if ctx.body.get("stream_format") == "sse":
        tokens = _text.count_tokens(ctx.body["input"])

        async def events() -> AsyncIterator[bytes]:
            for i in range(0, len(audio), 8192):
                chunk = base64.b64encode(audio[i : i + 8192]).decode()
                yield sse.encode({"type": "speech.audio.delta", "audio": chunk})
            usage = {
                "input_tokens": tokens,
                "output_tokens": len(audio) // 1000,
                "total_tokens": tokens + len(audio) // 1000,
            }
            if not ctx.fault(SPEECH_STREAM_NO_DONE):
                yield sse.encode({"type": "speech.audio.done", "usage": usage})

        return sse.stream_response(events())
    media = "application/json" if ctx.fault(SPEECH_WRONG_CONTENT_TYPE) else CONTENT_TYPES[fmt]
    return Response(audio, media_type=media)


async def _audio_seed(ctx: Ctx) -> tuple[str, float]:
    upload = ctx.body.get("file")
    data = await upload.read() if hasattr(upload, "read") else bytes(str(upload), "utf-8")
    if not data:
        raise invalid("The audio file is empty.", "file")
    text = _text.sentence(hashlib.sha256(data).hexdigest())
    return text, round(_text.count_tokens(text) * WORD_SECONDS, 2)


def _stamp(t: float) -> str:
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def _segments(text: str, duration: float) -> list[dict[str, Any]]:
    return [
        {
            "id": 0,
            "seek": 0,
            "start": 0.0,
            "end": duration,
            "text": text,
            "tokens": list(range(1, _text.count_tokens(text) + 1)),
            "temperature": 0.0,
            "avg_logprob": -0.1,
            "compression_ratio": 1.2,
            "no_speech_prob": 0.01,
        }
    ]


def _words(text: str) -> list[dict[str, Any]]:
    return [
        {"word": w, "start": i * WORD_SECONDS, "end": (i + 1) * WORD_SECONDS}
        for i, w in enumerate(text.split())
    ]


def _render(ctx: Ctx, text: str, duration: float, task: str) -> Any:
    fmt = ctx.body.get("response_format") or "json"
    if fmt == "text" and ctx.fault(TEXT_AS_JSON):
        return {"text": text}
    if fmt == "text" or (fmt == "json" and ctx.fault(JSON_AS_TEXT)):
        return Response(text + "\n", media_type="text/plain")
    if fmt in ("srt", "vtt"):
        start, end = _stamp(0), _stamp(duration)
        if fmt == "srt" and ctx.fault(SRT_MALFORMED):
            body = f"{start} --> {end}\n{text}\n\n"
        elif fmt == "srt":
            body = f"1\n{start.replace('.', ',')} --> {end.replace('.', ',')}\n{text}\n\n"
        else:
            header = "" if ctx.fault(VTT_NO_HEADER) else "WEBVTT\n\n"
            body = f"{header}{start} --> {end}\n{text}\n\n"
        return Response(body, media_type="text/plain")
    usage = {"type": "duration", "seconds": max(int(duration), 1)}
    if fmt == "verbose_json":
        out: dict[str, Any] = {
            "task": task,
            "language": "english",
            "duration": duration,
            "text": text,
        }
        if ctx.fault(VERBOSE_NO_LANGUAGE):
            del out["language"]
        grains = ctx.body.get("timestamp_granularities") or ["segment"]
        if not ctx.fault(VERBOSE_NO_SEGMENTS):
            if "segment" in grains:
                out["segments"] = _segments(text, duration)
            if "word" in grains:
                out["words"] = _words(text)
        if task == "transcribe":
            out["usage"] = usage
        return out
    if fmt == "diarized_json":
        seg = {
            "type": "transcript.text.segment",
            "id": "seg_0",
            "start": 0.0,
            "end": duration,
            "text": text,
            "speaker": "A",
        }
        return {
            "task": "transcribe",
            "duration": duration,
            "text": text,
            "segments": [seg],
            "usage": usage,
        }
    out = {"text": text}
    if task == "transcribe":
        out["usage"] = usage
    return out


@handles("POST /audio/transcriptions")
async def create_transcription(ctx: Ctx) -> Any:
    require_model(ctx.state, ctx.body.get("model"))
    text, duration = await _audio_seed(ctx)
    if ctx.body.get("stream"):

        async def events() -> AsyncIterator[bytes]:
            pieces = _text.pieces(text)
            if ctx.fault(STREAM_DELTA_MISMATCH):
                pieces = pieces[:-1]
            for piece in pieces:
                yield sse.encode({"type": "transcript.text.delta", "delta": piece})
            n = _text.count_tokens(text)
            usage = {"type": "tokens", "input_tokens": n, "output_tokens": n, "total_tokens": 2 * n}
            yield sse.encode({"type": "transcript.text.done", "text": text, "usage": usage})

        return sse.stream_response(events())
    return _render(ctx, text, duration, "transcribe")


@handles("POST /audio/translations")
async def create_translation(ctx: Ctx) -> Any:
    require_model(ctx.state, ctx.body.get("model"))
    text, duration = await _audio_seed(ctx)
    return _render(ctx, text, duration, "translate")
