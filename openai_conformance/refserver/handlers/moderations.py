"""Moderations: deterministic categories and scores.

An input is flagged when its text contains a marker word (``MARKERS``: e.g. ``"violence"``
flags ``violence``; the generic marker ``"flagme"`` flags ``harassment``). Scores are 0.9 for a
flagged category, else a small stable value from a hash. Image parts are scored for the
categories that accept images (``category_applied_input_types`` says which input types
contributed). One result per input (string, array of strings) or one for a multi-modal array.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..context import Ctx, handles
from . import _text
from .models import require_model

CATEGORIES = (
    "hate",
    "hate/threatening",
    "harassment",
    "harassment/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
IMAGE_CATEGORIES = frozenset(
    {
        "self-harm",
        "self-harm/intent",
        "self-harm/instructions",
        "sexual",
        "violence",
        "violence/graphic",
    }
)
MARKERS = {"flagme": "harassment", "violence": "violence", "hateful": "hate", "illicit": "illicit"}


def _result(text: str, has_image: bool) -> dict[str, Any]:
    lowered = text.lower()
    hit = {cat for word, cat in MARKERS.items() if word in lowered}
    categories: dict[str, Any] = {}
    scores: dict[str, float] = {}
    applied: dict[str, list[str]] = {}
    for cat in CATEGORIES:
        categories[cat] = cat in hit
        scores[cat] = 0.9 if cat in hit else round(_text.digest("mod", text, cat)[0] / 25500, 6)
        types = ["text"] if text else []
        if has_image and cat in IMAGE_CATEGORIES:
            types.append("image")
        applied[cat] = types
    return {
        "flagged": bool(hit),
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": applied,
    }


@handles("POST /moderations")
async def create_moderation(ctx: Ctx) -> Any:
    model = require_model(ctx.state, ctx.body.get("model") or "omni-moderation-latest")["id"]
    raw = ctx.body.get("input")
    if isinstance(raw, str):
        results = [_result(raw, False)]
    elif isinstance(raw, list) and raw and all(isinstance(x, dict) for x in raw):
        text = " ".join(p.get("text", "") for p in raw if p.get("type") == "text")
        results = [_result(text, any(p.get("type") == "image_url" for p in raw))]
    else:
        results = [_result(str(x), False) for x in raw or []]
    return {"id": "modr-" + secrets.token_hex(12), "model": model, "results": results}
