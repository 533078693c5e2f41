"""Embeddings: deterministic unit vectors from a hash of each input.

``embedding_body(state, request_body, faults)`` (HTTP-free, used by batches) accepts a string,
an array of strings, a token array or an array of token arrays. Each input gets
``_text.unit_vector(repr(input), dims)`` with ``dims`` = ``dimensions`` or the model default
(256); values are float32-exact so ``encoding_format: base64`` (little-endian float32 bytes,
base64) decodes to exactly the float vector. ``usage.prompt_tokens`` counts words of text
inputs and the length of token arrays. ``data`` is ordered by ``index``.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from ..context import Ctx, handles
from ..errors import ApiError, invalid
from ..faults import declare
from ..state import ServerState
from . import _text
from .models import require_model

DEFAULT_DIMENSIONS = 256
MAX_DIMENSIONS = {"text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}

BASE64_UNSUPPORTED = declare(
    "embeddings-base64-unsupported",
    "encoding_format base64 is rejected with 400",
    "embeddings.base64_conformance",
)
WRONG_DIMENSIONS = declare(
    "embeddings-wrong-dimensions",
    "the 'dimensions' parameter is ignored (vectors keep the default length)",
    "embeddings.dimensions_conformance",
)
UNORDERED = declare(
    "embeddings-unordered",
    "data[] is sent in reverse input order (index values still correct)",
    "embeddings.order_conformance",
)


def _inputs(raw: Any) -> list[tuple[str, int]]:
    """(seed, token count) per input."""
    if isinstance(raw, str):
        return [(raw, _text.count_tokens(raw))]
    if isinstance(raw, list) and raw and all(isinstance(x, int) for x in raw):
        return [(repr(raw), len(raw))]
    if isinstance(raw, list):
        out = []
        for item in raw:
            if isinstance(item, str):
                out.append((item, _text.count_tokens(item)))
            elif isinstance(item, list):
                out.append((repr(item), len(item)))
        return out
    raise invalid("'input' must be a string, an array of strings or of token arrays.", "input")


def embedding_body(
    state: ServerState, request_body: dict[str, Any], faults: frozenset[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(request_body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    model = require_model(state, request_body.get("model"))["id"]
    fmt = request_body.get("encoding_format") or "float"
    if fmt == "base64" and BASE64_UNSUPPORTED in faults:
        raise invalid("encoding_format 'base64' is not supported.", "encoding_format")
    dims = request_body.get("dimensions")
    limit = MAX_DIMENSIONS.get(model, 3072)
    if dims is not None and not 1 <= dims <= limit:
        raise invalid(f"'dimensions' must be between 1 and {limit} for {model}.", "dimensions")
    if dims is None or WRONG_DIMENSIONS in faults:
        dims = DEFAULT_DIMENSIONS
    inputs = _inputs(request_body.get("input"))
    if any(not seed for seed, _ in inputs):
        raise invalid("'input' cannot contain an empty string.", "input")
    data = []
    for index, (seed, _) in enumerate(inputs):
        vector = _text.unit_vector(seed, dims)
        value: Any = vector
        if fmt == "base64":
            value = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": value})
    if UNORDERED in faults:
        data.reverse()
    tokens = sum(n for _, n in inputs)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


@handles("POST /embeddings")
async def create_embedding(ctx: Ctx) -> Any:
    return embedding_body(ctx.state, ctx.body, ctx.faults)
