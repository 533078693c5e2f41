"""media_integrity_conformance: every image or audio file a response returns decodes completely
in its declared format (``decoders.problem``), not just its first bytes.

Where media is found, and what format it is judged as:

- a binary 2xx body (``image/*``, ``audio/*``, ``application/octet-stream``) of an operation
  that *produces* media (``MEDIA_OPERATIONS``, or one documenting an ``image/*``/``audio/*``
  response): the format its Content-Type names; an octet-stream (or a type naming no format
  we decode) as the format its magic bytes announce, left alone when they announce none (the
  resource's own tests judge a body that is not media at all). File content downloads return
  the user's own bytes: their Content-Type is content_type_conformance's business, not a
  claim to decode;
- JSON 2xx bodies: every ``b64_json`` (images: as the body's ``output_format``, else the format
  the bytes announce) and every base64 ``audio.data`` of a chat message (as the format its
  magic bytes announce; raw PCM announces none and is not judged).

Base64 that does not decode is reported here too. Requirement ``core/media-integrity`` (MUST).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from .context import CheckContext
from .decoders import FORMATS, problem, sniff_audio, sniff_image
from .exchange import view
from .failures import Failure
from .http import _failure, _op

_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/aac": "aac",
    "audio/x-aac": "aac",
    "audio/aacp": "aac",
    "audio/mp4": "mp4",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/pcm": "pcm",
    "audio/l16": "pcm",
}
#: Operations whose binary answer is media the target generated (documented as octet-stream).
MEDIA_OPERATIONS = frozenset({"POST /audio/speech", "GET /videos/{video_id}/content"})
_MAX_ITEMS = 16  # media items judged per body (a list of 100 images is judged by its first 16)


def declared_format(content_type: str, data: bytes) -> str | None:
    """The format a binary body claims: its media type, else its magic bytes."""
    fmt = _TYPES.get(content_type.lower())
    if fmt is not None:
        return fmt
    return sniff_image(data) or sniff_audio(data)


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _json_media(body: Any) -> Iterator[tuple[str, str | None, str]]:
    """``(pointer, declared format or None, base64 text)`` of the media inside a JSON body."""
    out_fmt = body.get("output_format") if isinstance(body, dict) else None
    image_fmt = {"png": "png", "jpeg": "jpeg", "webp": "webp"}.get(str(out_fmt))

    def walk(node: Any, pointer: str, depth: int) -> Iterator[tuple[str, str | None, str]]:
        if depth > 8:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{pointer}/{key}"
                if key == "b64_json" and isinstance(value, str) and value:
                    yield here, image_fmt, value
                elif key == "audio" and isinstance(value, dict):
                    data = value.get("data")
                    if isinstance(data, str) and data:
                        yield f"{here}/data", None, data
                else:
                    yield from walk(value, here, depth + 1)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{pointer}/{i}", depth + 1)

    yield from walk(body, "", 0)


def _produces_media(op: Any) -> bool:
    if op is None:
        return False
    if op.id in MEDIA_OPERATIONS:
        return True
    documented = op.response_for(200) or {}
    return any(str(c).startswith(("image/", "audio/")) for c in documented)


def media_integrity_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """Every returned image/audio file decodes completely in its declared format."""
    v = view(exchange)
    if not 200 <= v.status < 300 or v.stream or not v.content:
        return []
    items: list[tuple[str, str | None, bytes | None, str]] = []  # pointer, fmt, bytes, b64 text
    ctype = v.content_type
    op = _op(v, operation, ctx)
    if ctype.startswith(("image/", "audio/")) or ctype == "application/octet-stream":
        if _produces_media(op):
            items.append(("", declared_format(ctype, v.content), v.content, ""))
    elif "json" in ctype or not ctype:
        body = v.json_or_none()
        for pointer, fmt, text in _json_media(body):
            raw = _b64(text)
            items.append((pointer, fmt or (declared_format("", raw) if raw else None), raw, text))
            if len(items) >= _MAX_ITEMS:
                break
    out = []
    for pointer, fmt, raw, text in items:
        if raw is None:
            reason, fmt_shown = "the base64 text does not decode", "base64"
        elif fmt is None or fmt not in FORMATS:
            continue  # no format claimed or recognised: the resource's tests judge the bytes
        else:
            found = problem(fmt, raw)
            if found is None:
                continue
            reason, fmt_shown = found, fmt
        out.append(
            _failure(
                v,
                op,
                title=f"{fmt_shown} file does not decode: {reason}"[:160],
                check="media_integrity_conformance",
                requirement="core/media-integrity",
                pointer=pointer,
                message=f"the returned {fmt_shown} does not decode completely: {reason}",
                expected=f"a complete, well-formed {fmt_shown} file",
                actual=f"{len(raw) if raw is not None else len(text)} bytes: {reason}",
            )
        )
    return out
