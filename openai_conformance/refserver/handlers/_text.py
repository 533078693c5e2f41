"""The deterministic text model behind every reference-server inference endpoint.

Contract: the same input always yields the same output, so suites can compare a streamed
answer with a non-streamed one, and a self-test can predict usage figures.

- A **token** is a whitespace-separated word (``count_tokens("a b  c") == 3``).
- ``sentence(seed, variant)`` is a stable pseudo-sentence (8-15 words ending with ``.``)
  derived from a SHA-256 of ``seed`` and ``variant`` (choice index), never empty.
- ``pieces(text)`` splits text into per-token stream deltas (``["The", " quick", ...]``) whose
  concatenation is exactly ``text``; token counting and streaming share this split, so
  ``len(pieces(t)) == count_tokens(t)`` for any text without leading whitespace.
- ``apply_limits`` applies ``stop`` strings, then a token budget, returning the finish reason.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

WORDS = [
    "the",
    "reference",
    "server",
    "answers",
    "every",
    "request",
    "with",
    "a",
    "stable",
    "sentence",
    "built",
    "from",
    "words",
    "like",
    "amber",
    "basil",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "island",
    "juniper",
    "kestrel",
    "lagoon",
    "meadow",
    "nectar",
    "orchard",
    "pebble",
    "quartz",
    "river",
    "saffron",
    "timber",
    "umber",
    "valley",
    "willow",
    "yarrow",
    "zephyr",
    "bright",
    "calm",
    "deep",
    "early",
    "faint",
    "gentle",
    "honest",
    "idle",
    "jolly",
    "keen",
    "lively",
    "mellow",
    "noble",
    "open",
    "proud",
    "quiet",
    "rapid",
    "silent",
    "tender",
    "vivid",
    "warm",
]

_PIECE = re.compile(r"\s*\S+")


def digest(*parts: Any) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode("utf-8"))
        h.update(b"\x00")
    return h.digest()


def count_tokens(text: str) -> int:
    return len(text.split())


def pieces(text: str) -> list[str]:
    """Per-token pieces whose concatenation is ``text`` (trailing whitespace kept on the last)."""
    found = _PIECE.findall(text)
    if not found:
        return [text] if text else []
    tail = text[sum(len(p) for p in found) :]
    if tail:
        found[-1] += tail
    return found


def sentence(seed: str, variant: int = 0) -> str:
    d = digest("sentence", seed, variant)
    length = 8 + d[0] % 8
    words = [WORDS[d[(i % 31) + 1] * (i + 1) % len(WORDS)] for i in range(length)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def apply_limits(text: str, stop: list[str] | None, max_tokens: int | None) -> tuple[str, str]:
    """Cut ``text`` at the first stop string, then to ``max_tokens`` tokens.

    Returns ``(text, finish_reason)`` where the reason is ``length`` only when the budget cut
    tokens off (a stop cut first wins, as with OpenAI).
    """
    cut = len(text)
    for s in stop or []:
        if s:
            at = text.find(s)
            if at != -1:
                cut = min(cut, at)
    text = text[:cut]
    if max_tokens is not None:
        parts = pieces(text)
        if len(parts) > max_tokens:
            return "".join(parts[:max_tokens]), "length"
    return text, "stop"


def logprob_of(token: str, rank: int = 0) -> float:
    """A stable, negative log-probability for ``token`` (rank 0 is the chosen token)."""
    d = digest("logprob", token, rank)
    return -round(0.01 + (d[0] / 255.0) * 0.5 + rank * 0.75, 4)


def alternatives(token: str, k: int) -> list[str]:
    """``k`` distinct alternative tokens for ``token`` (never ``token`` itself)."""
    lead = token[: len(token) - len(token.lstrip())]
    out: list[str] = []
    i = 0
    while len(out) < k:
        cand = lead + WORDS[digest("alt", token, i)[0] % len(WORDS)]
        if cand != token and cand not in out:
            out.append(cand)
        i += 1
    return out


def token_bytes(token: str) -> list[int]:
    return list(token.encode("utf-8"))


def chat_logprobs(tokens: list[str], top: int) -> list[dict[str, Any]]:
    """``ChatCompletionTokenLogprob`` entries for each token with ``top`` alternatives."""
    out = []
    for tok in tokens:
        alts = [tok, *alternatives(tok, max(top - 1, 0))][:top] if top else []
        out.append(
            {
                "token": tok,
                "logprob": logprob_of(tok),
                "bytes": token_bytes(tok),
                "top_logprobs": [
                    {"token": a, "logprob": logprob_of(a, r), "bytes": token_bytes(a)}
                    for r, a in enumerate(alts)
                ],
            }
        )
    return out


def unit_vector(seed: str, dims: int) -> list[float]:
    """A deterministic unit vector (float32-representable values) of ``dims`` components."""
    import struct

    raw = b""
    block = 0
    while len(raw) < dims * 4:
        raw += digest("embed", seed, block)
        block += 1
    values = [((b - 127.5) / 127.5) for b in raw[: dims * 4 : 4]]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    unit = [v / norm for v in values]
    # Round-trip through float32 so the base64 encoding decodes to exactly these floats.
    packed = struct.pack(f"<{dims}f", *unit)
    return list(struct.unpack(f"<{dims}f", packed))
