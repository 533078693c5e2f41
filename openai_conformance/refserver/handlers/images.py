"""Images: generations, edits and variations answer schema-valid bodies carrying a tiny valid
PNG (1x1) as ``b64_json`` (or a ``data:`` URL when ``response_format`` is ``url``), one per
``n``; ``stream: true`` sends ``partial_images`` partial events then a completed event."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

from .. import sse
from ..context import Ctx, handles
from ..faults import declare
from .models import require_model

PNG_TRUNCATED = declare(
    "image-png-truncated",
    "b64_json carries a PNG whose closing IEND chunk is cut off (the signature is intact)",
    "media_integrity_conformance",
    breaks=["images/generation", "images/edit", "images/variation"],
)
B64_NOT_PNG = declare(
    "image-b64-not-png",
    "b64_json carries base64 of a JSON text instead of PNG bytes",
    "images/generation, images/edit, images/variation, images/streaming",
    breaks=["images/edit", "images/generation", "images/streaming", "images/variation"],
)
STREAM_NO_COMPLETED = declare(
    "image-stream-no-completed",
    "image streams end after the partial images without the completed event",
    "images/streaming",
    breaks=["images/streaming"],
)


def tiny_png(rgb: tuple[int, int, int] = (16, 128, 255)) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = b"\x00" + bytes(rgb)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG_B64 = base64.b64encode(tiny_png()).decode()
GPT_IMAGE_SIZES = frozenset({"1024x1024", "1024x1536", "1536x1024"})
NOT_PNG_B64 = base64.b64encode(b'{"image": "not a png"}').decode()
TRUNCATED_PNG_B64 = base64.b64encode(tiny_png()[:-12]).decode()  # the IEND chunk is cut off


def _usage() -> dict[str, Any]:
    return {
        "total_tokens": 2,
        "input_tokens": 1,
        "output_tokens": 1,
        "input_tokens_details": {"text_tokens": 1, "image_tokens": 0},
    }


async def _images(ctx: Ctx, kind: str) -> Any:
    body = ctx.body or {}
    png_b64 = NOT_PNG_B64 if ctx.fault(B64_NOT_PNG) else PNG_B64
    if ctx.fault(PNG_TRUNCATED):
        png_b64 = TRUNCATED_PNG_B64
    require_model(ctx.state, body.get("model") or "gpt-image-1")
    n = int(body.get("n") or 1)
    size = body.get("size") if body.get("size") not in (None, "auto") else "1024x1024"
    quality = body.get("quality") if body.get("quality") in ("low", "medium", "high") else "high"
    background = (
        body.get("background") if body.get("background") in ("transparent", "opaque") else "opaque"
    )
    if body.get("stream") and kind != "variation":
        prefix = "image_generation" if kind == "generation" else "image_edit"
        base = {
            "created_at": ctx.now,
            "size": size,
            "quality": quality,
            "background": background,
            "output_format": "png",
        }
        partials = int(body.get("partial_images") or 0)

        async def events() -> AsyncIterator[bytes]:
            for i in range(partials):
                yield sse.encode(
                    {
                        "type": f"{prefix}.partial_image",
                        "b64_json": png_b64,
                        "partial_image_index": i,
                        **base,
                    },
                    event=f"{prefix}.partial_image",
                )
            if ctx.fault(STREAM_NO_COMPLETED):
                return
            yield sse.encode(
                {"type": f"{prefix}.completed", "b64_json": png_b64, "usage": _usage(), **base},
                event=f"{prefix}.completed",
            )

        return sse.stream_response(events())
    if body.get("response_format") == "url":
        data = [{"url": "data:image/png;base64," + png_b64} for _ in range(n)]
    else:
        data = [{"b64_json": png_b64} for _ in range(n)]
    if kind == "generation" and body.get("prompt"):
        for d in data:
            d["revised_prompt"] = str(body["prompt"])
    answer = {"created": ctx.now, "data": data}
    # size/quality/background/output_format/usage describe gpt-image outputs; the documented
    # enum has only gpt-image sizes, so a DALL-E size (256x256, 512x512) answers without them.
    if size in GPT_IMAGE_SIZES:
        answer.update(
            size=size, quality=quality, background=background, output_format="png", usage=_usage()
        )
    return answer


@handles("POST /images/generations")
async def create_image(ctx: Ctx) -> Any:
    return await _images(ctx, "generation")


@handles("POST /images/edits")
async def create_image_edit(ctx: Ctx) -> Any:
    return await _images(ctx, "edit")


@handles("POST /images/variations")
async def create_image_variation(ctx: Ctx) -> Any:
    return await _images(ctx, "variation")
