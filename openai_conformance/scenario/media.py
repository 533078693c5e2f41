"""Small, dependency-free media helpers the inference suites share.

Contract (every function is pure and deterministic):

- ``pcm16_tone(seconds, rate, freq)`` -> little-endian mono PCM16 samples of a sine tone;
  ``wav_tone(...)`` the same samples in a canonical RIFF/WAVE file (stdlib ``wave``).
- ``parse_wav(data)`` -> ``WavInfo`` (channels, sample width, rate, frames, duration) or
  raises ``ValueError`` naming what is wrong with the header.
- ``sniff_audio(data)`` -> ``"wav" | "mp3" | "flac" | "ogg" | "aac" | "mp4" | None`` and
  ``sniff_image(data)`` -> ``"png" | "jpeg" | "webp" | "gif" | None``, from magic bytes only.
- ``png_square(size, rgba)`` -> a valid RGBA PNG of ``size`` x ``size`` pixels (for image
  edits/variations, which require square PNG input).
- ``decode_float32_base64(text)`` -> the little-endian float32 vector of an embedding sent
  with ``encoding_format: base64``; raises ``ValueError`` when the byte count is not a
  multiple of 4 or the text is not base64.
- ``data_url_bytes(url)`` -> the bytes of a ``data:...;base64,`` URL, else None.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import struct
import wave
import zlib
from dataclasses import dataclass

# Re-exported: the sniffers live with the structural decoders (checks layer).
from ..checks.decoders import sniff_audio as sniff_audio
from ..checks.decoders import sniff_image as sniff_image


def pcm16_tone(seconds: float = 1.0, rate: int = 16000, freq: float = 440.0) -> bytes:
    """Mono PCM16 little-endian samples of a sine tone at half amplitude."""
    frames = int(seconds * rate)
    amplitude = 16383
    return b"".join(
        struct.pack("<h", int(amplitude * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(frames)
    )


def wav_tone(seconds: float = 1.0, rate: int = 16000, freq: float = 440.0) -> bytes:
    """A RIFF/WAVE file (PCM16 mono) holding ``pcm16_tone(seconds, rate, freq)``."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm16_tone(seconds, rate, freq))
    return out.getvalue()


@dataclass(frozen=True)
class WavInfo:
    channels: int
    sample_width: int  # bytes per sample
    rate: int
    frames: int

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def parse_wav(data: bytes) -> WavInfo:
    """The header of a RIFF/WAVE file; ``ValueError`` says what is wrong.

    Streamed WAV (OpenAI's speech endpoint) may carry 0 or 0xFFFFFFFF as RIFF/data sizes
    because the length is unknown when the header is sent; ``frames`` is then computed from
    the bytes actually present.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"not a RIFF/WAVE file (starts with {data[:12]!r})")
    pos, fmt, frames = 12, None, None
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = pos + 8
        if tag == b"fmt ":
            if size < 16 or body + 16 > len(data):
                raise ValueError("the fmt chunk is shorter than 16 bytes")
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[body : body + 16])
            fmt = (channels, bits // 8, rate)
        elif tag == b"data":
            if fmt is None:
                raise ValueError("the data chunk comes before the fmt chunk")
            present = len(data) - body
            length = present if size in (0, 0xFFFFFFFF) or size > present else size
            frames = length // max(fmt[0] * fmt[1], 1)
            break
        pos = body + size + (size & 1)
    if fmt is None:
        raise ValueError("no fmt chunk")
    if frames is None:
        raise ValueError("no data chunk")
    if not fmt[0] or not fmt[1] or not fmt[2]:
        raise ValueError(f"the fmt chunk has a zero field (channels, width, rate = {fmt})")
    return WavInfo(channels=fmt[0], sample_width=fmt[1], rate=fmt[2], frames=frames)


def png_square(size: int = 64, rgba: tuple[int, int, int, int] = (40, 120, 220, 255)) -> bytes:
    """A valid RGBA PNG of ``size`` x ``size`` pixels in one colour."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + tag + body + crc

    row = b"\x00" + bytes(rgba) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def decode_base64(text: str) -> bytes:
    """Strict base64 (``ValueError`` on anything else)."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not valid base64: {exc}") from None


def decode_float32_base64(text: str) -> list[float]:
    """The little-endian float32 values carried by a base64 embedding."""
    raw = decode_base64(text)
    if len(raw) % 4:
        raise ValueError(f"{len(raw)} bytes is not a whole number of float32 values")
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def float32(value: float) -> float:
    """``value`` rounded to the nearest float32 (what a float32 round trip gives)."""
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def data_url_bytes(url: str) -> bytes | None:
    """The payload of a ``data:<type>;base64,<data>`` URL, else None."""
    if not url.startswith("data:") or ";base64," not in url:
        return None
    return decode_base64(url.split(";base64,", 1)[1])
