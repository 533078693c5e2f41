"""Domain checks of audio responses, shared by the speech, transcription and translation tests.

- ``speech_problems(fmt, exchange)``: media type and signature bytes of a speech body.
- ``transcript_problems(fmt, exchange)``: the shape of a transcript in one ``response_format``
  (json, text, srt, vtt, verbose_json); srt cues are parsed (numbering 1..n, ``HH:MM:SS,mmm``
  timestamps, start <= end), vtt must start with ``WEBVTT``.
Each returns ``(pointer, title, expected, actual)`` tuples; ``failures(...)`` turns them into
``Failure`` objects for ``lc.fail``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario.media import parse_wav, sniff_audio
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

Problem = tuple[str, str, Any, Any]

SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
#: media types consistent with each speech format (application/octet-stream always is)
SPEECH_TYPES = {
    "mp3": {"audio/mpeg", "audio/mp3"},
    "opus": {"audio/ogg", "audio/opus"},
    "aac": {"audio/aac", "audio/x-aac", "audio/mp4", "audio/aacp"},
    "flac": {"audio/flac", "audio/x-flac"},
    "wav": {"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"},
    "pcm": {"audio/pcm", "audio/l16", "audio/basic"},
}
#: signatures (``media.sniff_audio``) each format may start with
SPEECH_MAGIC = {
    "mp3": {"mp3"},
    "opus": {"ogg"},
    "aac": {"aac", "mp4"},
    "flac": {"flac"},
    "wav": {"wav"},
}
TRANSCRIPT_FORMATS = ("json", "text", "srt", "vtt", "verbose_json")

_SRT_TIME = r"(\d{2,}):(\d{2}):(\d{2}),(\d{3})"
_SRT_TIMING = re.compile(rf"^{_SRT_TIME} --> {_SRT_TIME}$")
_VTT_TIMING = re.compile(r"^(?:\d{2,}:)?\d{2}:\d{2}\.\d{3} --> (?:\d{2,}:)?\d{2}:\d{2}\.\d{3}")


def require_claim(config: RunConfig, feature: str) -> None:
    if not config.claims(feature):
        raise Disabled(f"the profile does not claim {feature}")


def read_stream(client: ConformanceClient, path: str, **request: Any) -> tuple[Any, list[Any]]:
    """POST a streamed request; ``(exchange, events)``. A body that is not an event stream
    (an error envelope, or ``stream`` ignored) is read whole and judged by the caller."""
    with client.stream("POST", path, **request) as stream:
        if stream.status == 200 and stream.is_event_stream:
            events = list(stream.events())
        else:
            stream.read()
            events = []
    return stream.exchange, events


def json_events(events: list[Any]) -> list[dict[str, Any]]:
    """The JSON object payloads of a stream (others are the schema check's findings)."""
    out = []
    for event in events:
        try:
            payload = event.json()
        except ValueError:
            continue
        if isinstance(payload, dict):
            out.append(payload)
    return out


def failures(check: str, operation: str, exchange: Any, problems: list[Problem]) -> list[Failure]:
    return [
        Failure.of(
            check, title, operation=operation, pointer=pointer,
            expected=expected, actual=actual, exchange=exchange,
        )
        for pointer, title, expected, actual in problems
    ][:20]  # fmt: skip


def media_type(exchange: Any) -> str:
    return (exchange.headers.get("content-type") or "").split(";")[0].strip().lower()


def speech_problems(fmt: str, exchange: Any) -> list[Problem]:
    ctype, data = media_type(exchange), exchange.content or b""
    out: list[Problem] = []
    if ctype != "application/octet-stream" and ctype not in SPEECH_TYPES[fmt]:
        out.append(("", f"{fmt} speech served as {ctype or '(none)'}", SPEECH_TYPES[fmt], ctype))
    if not data:
        return [*out, ("", "the speech body is empty", "audio bytes", "0 bytes")]
    found = sniff_audio(data)
    if fmt == "pcm":
        if found is not None or len(data) % 2:
            out.append(("", "pcm is not raw PCM16", "headerless 16-bit samples", found or
                        f"{len(data)} bytes (odd)"))  # fmt: skip
    elif found not in SPEECH_MAGIC[fmt]:
        out.append(("", f"{fmt} bytes lack the format's signature", SPEECH_MAGIC[fmt],
                    found or repr(data[:8])))  # fmt: skip
    elif fmt == "wav":
        try:
            info = parse_wav(data)
        except ValueError as exc:
            out.append(("", "the WAV header does not parse", "a RIFF/WAVE header", str(exc)))
        else:
            if info.frames <= 0:
                out.append(("", "the WAV file holds no samples", "> 0 frames", info.frames))
    return out


def srt_problems(text: str) -> list[Problem]:
    """Cues separated by blank lines: number (1, 2, ...), timing line, at least one text line."""
    out: list[Problem] = []
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if b.strip()]
    for n, block in enumerate(blocks, 1):
        lines = block.split("\n")
        if lines[0].strip() != str(n):
            out.append((f"/cue/{n}", f"srt cue {n} is not numbered {n}", n, lines[0][:60]))
            continue
        timing = _SRT_TIMING.match(lines[1].strip()) if len(lines) > 1 else None
        if timing is None:
            shown = lines[1][:60] if len(lines) > 1 else "(missing)"
            out.append((f"/cue/{n}", f"srt cue {n} has no valid timing line",
                        "HH:MM:SS,mmm --> HH:MM:SS,mmm", shown))  # fmt: skip
            continue
        g = [int(x) for x in timing.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        if end < start:
            out.append((f"/cue/{n}", f"srt cue {n} ends before it starts", "start <= end",
                        lines[1]))  # fmt: skip
    return out


def vtt_problems(text: str) -> list[Problem]:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines[0].startswith("WEBVTT"):
        return [("", "vtt does not start with the WEBVTT header", "WEBVTT", lines[0][:60])]
    bad = [ln for ln in lines if "-->" in ln and not _VTT_TIMING.match(ln.strip())]
    return [("", "vtt has a malformed timing line", "MM:SS.mmm --> MM:SS.mmm", bad[0][:60])] if (
        bad
    ) else []  # fmt: skip


def transcript_problems(fmt: str, exchange: Any, task: str) -> list[Problem]:
    """Problems of a transcript (``task``: transcribe or translate) in ``fmt``."""
    ctype, text = media_type(exchange), exchange.text
    if exchange.status != 200:
        return [("", f"{fmt}: HTTP {exchange.status}", "200", exchange.status_line)]
    if fmt in ("json", "verbose_json"):
        try:
            body = json.loads(text)
        except ValueError:
            return [("", f"{fmt} is not JSON", "application/json", f"{ctype}: {text[:60]!r}")]
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return [("/text", f"{fmt} has no text", "a string", str(body)[:80])]
        if fmt == "verbose_json":
            wrong = [
                (f"/{k}", f"verbose_json {k} is missing or wrong", label, body.get(k))
                for k, kind, label in (
                    ("language", str, "a string"),
                    ("duration", (int, float), "a number"),
                    ("text", str, "a string"),
                )
                if not isinstance(body.get(k), kind)
            ]
            if body.get("task", task) != task:
                wrong.append(("/task", "verbose_json names another task", task, body.get("task")))
            return wrong
        return []
    if ctype == "application/json" or text.lstrip().startswith("{"):
        return [("", f"{fmt} answered JSON instead of plain text", "text/plain", text[:60])]
    if fmt == "srt":
        return srt_problems(text)
    if fmt == "vtt":
        return vtt_problems(text)
    return []
