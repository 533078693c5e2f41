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
from ..faults import declare
from . import _text
from .models import require_model

MISSING_CATEGORY = declare(
    "moderation-missing-category",
    "results lack the 'illicit/violent' category in categories and category_scores",
    "moderations/categories",
    breaks=[
        "moderations/categories",
        "moderations/flagged-consistent",
        "moderations/multi-input",
        "moderations/multimodal",
    ],
)
SCORES_PERCENT = declare(
    "moderation-scores-percent",
    "category_scores are percentages (0-100) instead of probabilities (0-1)",
    "moderations/categories",
    breaks=["moderations/categories"],
)
FLAGGED_INCONSISTENT = declare(
    "moderation-flagged-inconsistent",
    "flagged is always false, even when a category is true",
    "moderations/flagged-consistent",
    breaks=["moderations/flagged-consistent"],
)
RESULTS_REVERSED = declare(
    "moderation-results-reversed",
    "results of an array input come in reverse input order",
    "moderations/multi-input",
    breaks=["moderations/multi-input"],
)
IMAGE_IGNORED = declare(
    "moderation-image-ignored",
    "image parts of a multi-modal input are ignored (no category applied to image input)",
    "moderations/multimodal",
    breaks=["moderations/multimodal"],
)

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
        image = any(p.get("type") == "image_url" for p in raw) and not ctx.fault(IMAGE_IGNORED)
        results = [_result(text, image)]
    else:
        results = [_result(str(x), False) for x in raw or []]
        if ctx.fault(RESULTS_REVERSED):
            results.reverse()
    for result in results:
        if ctx.fault(MISSING_CATEGORY):
            for key in ("categories", "category_scores", "category_applied_input_types"):
                result[key].pop("illicit/violent", None)
        if ctx.fault(SCORES_PERCENT):
            result["category_scores"] = {k: v * 100 for k, v in result["category_scores"].items()}
        if ctx.fault(FLAGGED_INCONSISTENT):
            result["flagged"] = False
    return {"id": "modr-" + secrets.token_hex(12), "model": model, "results": results}
