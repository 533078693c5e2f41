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

from ...contract.envelope import ApiError, invalid
from ..context import Ctx, handles
from ..faults import declare
from ..state import ServerState
from . import _text
from .models import find_model, require_model

DEFAULT_DIMENSIONS = 256
MAX_DIMENSIONS = {"text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}

BASE64_UNSUPPORTED = declare(
    "embeddings-base64-unsupported",
    "encoding_format base64 is rejected with 400",
    "embeddings.base64_conformance",
    breaks=["embeddings/base64"],
)
WRONG_DIMENSIONS = declare(
    "embeddings-wrong-dimensions",
    "the 'dimensions' parameter is ignored (vectors keep the default length)",
    "embeddings.dimensions_conformance",
    breaks=["embeddings/dimensions"],
)
UNORDERED = declare(
    "embeddings-unordered",
    "data[] is sent in reverse input order (index values still correct)",
    "embeddings.order_conformance",
    breaks=["embeddings/order"],
)
STRING_SPLIT = declare(
    "embeddings-string-input-split",
    "a single string input is embedded word by word (one vector per word)",
    "embeddings/string-input",
    breaks=["embeddings/string-input"],
)
ARRAY_TRUNCATED = declare(
    "embeddings-array-input-truncated",
    "an array of strings is answered with the embedding of its first item only",
    "embeddings/array-input",
    breaks=["embeddings/array-input", "embeddings/order"],
)
TOKENS_REJECTED = declare(
    "embeddings-token-input-rejected",
    "token-array inputs (arrays of integers) are rejected with 400",
    "embeddings/token-input, embeddings/token-arrays-input",
    breaks=["embeddings/token-arrays-input", "embeddings/token-input"],
)
BASE64_MISMATCH = declare(
    "embeddings-base64-mismatch",
    "base64 embeddings carry float64 bytes (8 per value) instead of float32",
    "embeddings/base64",
    breaks=["embeddings/base64"],
)
USAGE_ZERO = declare(
    "embeddings-usage-zero",
    "usage reports prompt_tokens 0 and total_tokens 0",
    "embeddings/usage",
    breaks=["embeddings/usage"],
)
UNKNOWN_MODEL_ACCEPTED = declare(
    "embeddings-unknown-model-accepted",
    "an unknown model is served with the default embedding model instead of a 404",
    "embeddings/unknown-model",
    breaks=["embeddings/unknown-model"],
)
EMPTY_INPUT_ACCEPTED = declare(
    "embeddings-empty-input-accepted",
    "an empty string input is embedded instead of being rejected with 400",
    "embeddings/empty-input",
    breaks=["embeddings/empty-input"],
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
    asked = request_body.get("model")
    if UNKNOWN_MODEL_ACCEPTED in faults and find_model(state, str(asked)) is None:
        request_body = {**request_body, "model": "ref-embed"}
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
    raw = request_body.get("input")
    if TOKENS_REJECTED in faults and isinstance(raw, list) and raw and not isinstance(raw[0], str):
        raise invalid("'input' must be a string or an array of strings.", "input")
    if STRING_SPLIT in faults and isinstance(raw, str):
        raw = raw.split() or raw
    if ARRAY_TRUNCATED in faults and isinstance(raw, list) and raw and isinstance(raw[0], str):
        raw = raw[:1]
    inputs = _inputs(raw)
    if EMPTY_INPUT_ACCEPTED in faults:
        inputs = [(seed or "(empty)", n) for seed, n in inputs]
    if any(not seed for seed, _ in inputs):
        raise invalid("'input' cannot contain an empty string.", "input")
    data = []
    for index, (seed, _) in enumerate(inputs):
        vector = _text.unit_vector(seed, dims)
        value: Any = vector
        if fmt == "base64":
            width = "d" if BASE64_MISMATCH in faults else "f"
            value = base64.b64encode(struct.pack(f"<{dims}{width}", *vector)).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": value})
    if UNORDERED in faults:
        data.reverse()
    tokens = 0 if USAGE_ZERO in faults else sum(n for _, n in inputs)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


@handles("POST /embeddings")
async def create_embedding(ctx: Ctx) -> Any:
    return embedding_body(ctx.state, ctx.body, ctx.faults)
