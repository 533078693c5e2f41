"""Chat token log probabilities, judged the same way whether they were streamed or not.

``entry_problems(entries, top)`` checks a ``logprobs.content`` array
(``ChatCompletionTokenLogprob`` entries): each has a string ``token``, a finite ``logprob``
<= 0 (a log-probability), ``bytes`` that is null or the UTF-8 bytes of ``token`` and at most
``top`` ``top_logprobs`` alternatives, each with a string token and a logprob <= 0.

``stream_logprob_problems(choice, top)`` checks one streamed choice (``ChoiceAssembly``):
every chunk whose delta carries content carries ``logprobs.content`` (not null), its entries
pass ``entry_problems``, and their tokens concatenate to that chunk's delta content. Tokens
are compared as text, else as the concatenated ``bytes`` (a character split over two tokens
shows as partial bytes in each token string); a chunk boundary that splits a character is
accepted when the whole choice's bytes concatenate to its whole content.

``stream_tokens(choice)``: the tokens of every streamed entry, in order (what a deterministic
target's non-streamed ``logprobs.content`` lists for the same request).

Both problem functions return ``(pointer, message, expected, actual)`` tuples; the stream
pointers are ``/events/<i>/choices/<k>/logprobs...`` so a Failure names the exact chunk.
"""

from __future__ import annotations

import math
from typing import Any

from .chat_assembly import ChoiceAssembly, LogprobChunk

Issue = tuple[str, str, Any, Any]


def _logprob_issue(value: Any, where: str) -> Issue | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return (where, "logprob is not a finite number", "a number <= 0", value)
    if value > 0:
        return (where, "logprob is positive (a log-probability is <= 0)", "<= 0", value)
    return None


def entry_problems(entries: Any, top: int) -> list[Issue]:
    """Problems of one ``logprobs.content`` array requested with ``top_logprobs: top``."""
    if not isinstance(entries, list):
        return [("", "logprobs.content is not an array", "an array of token entries", entries)]
    out: list[Issue] = []
    for i, entry in enumerate(entries):
        at = f"/{i}"
        if not isinstance(entry, dict):
            out.append((at, "a logprobs entry is not an object", "an object", entry))
            continue
        token = entry.get("token")
        if not isinstance(token, str):
            out.append((f"{at}/token", "the entry has no string token", "a string", token))
        issue = _logprob_issue(entry.get("logprob"), f"{at}/logprob")
        if issue:
            out.append(issue)
        raw = entry.get("bytes")
        if raw is not None and not (
            isinstance(raw, list) and all(isinstance(b, int) and 0 <= b < 256 for b in raw)
        ):
            out.append((f"{at}/bytes", "bytes is not a list of byte values", "[0..255]", raw))
        tops = entry.get("top_logprobs")
        if not isinstance(tops, list):
            out.append((f"{at}/top_logprobs", "top_logprobs is not an array", "an array", tops))
            continue
        if len(tops) > top:
            out.append(
                (
                    f"{at}/top_logprobs",
                    f"{len(tops)} alternatives although top_logprobs was {top}",
                    f"at most {top}",
                    len(tops),
                )
            )
        for j, alt in enumerate(tops):
            where = f"{at}/top_logprobs/{j}"
            if not isinstance(alt, dict) or not isinstance(alt.get("token"), str):
                out.append((where, "an alternative has no string token", "{token, logprob}", alt))
                continue
            issue = _logprob_issue(alt.get("logprob"), f"{where}/logprob")
            if issue:
                out.append(issue)
    return out


def _tokens(entries: list[Any]) -> str:
    return "".join(
        e["token"] for e in entries if isinstance(e, dict) and isinstance(e.get("token"), str)
    )


def _bytes(entries: list[Any]) -> bytes | None:
    out = bytearray()
    for e in entries:
        raw = e.get("bytes") if isinstance(e, dict) else None
        if not isinstance(raw, list) or not all(isinstance(b, int) and 0 <= b < 256 for b in raw):
            return None
        out.extend(raw)
    return bytes(out)


def _matches(entries: list[Any], content: str) -> bool:
    return _tokens(entries) == content or _bytes(entries) == content.encode("utf-8")


def _content_of(chunk: LogprobChunk) -> Any:
    lp = chunk.logprobs
    return lp.get("content") if isinstance(lp, dict) else None


def streams_logprobs(choice: ChoiceAssembly) -> bool:
    """Some chunk of the choice carries a non-null ``logprobs`` (``logprobs: true`` honoured
    at all; whatever its shape, which ``stream_logprob_problems`` judges)."""
    return any(c.logprobs is not None for c in choice.logprob_chunks)


def stream_logprob_problems(choice: ChoiceAssembly, top: int) -> list[Issue]:
    """Problems of one streamed choice's logprobs (see module doc)."""
    out: list[Issue] = []
    mismatched: list[Issue] = []
    all_entries: list[Any] = []
    for chunk in choice.logprob_chunks:
        base = f"/events/{chunk.event}/choices/{chunk.position}/logprobs"
        entries = _content_of(chunk)
        if entries is None:
            if chunk.content:
                out.append(
                    (
                        f"{base}/content",
                        "a content chunk carries no logprobs.content although logprobs was "
                        "requested",
                        "the token entries of this chunk's content",
                        chunk.logprobs,
                    )
                )
            continue
        out += [(f"{base}/content{p}", m, e, a) for p, m, e, a in entry_problems(entries, top)]
        if not isinstance(entries, list):
            continue
        all_entries += entries
        if not _matches(entries, chunk.content or ""):
            mismatched.append(
                (
                    f"{base}/content",
                    "the chunk's logprobs tokens do not concatenate to its delta content",
                    repr(chunk.content or ""),
                    repr(_tokens(entries)),
                )
            )
    whole = "".join(c.content or "" for c in choice.logprob_chunks)
    if mismatched and not _matches(all_entries, whole):
        out += mismatched
    return out


def stream_tokens(choice: ChoiceAssembly) -> list[Any]:
    """The ``token`` of every streamed logprobs entry of the choice, in stream order."""
    out: list[Any] = []
    for chunk in choice.logprob_chunks:
        entries = _content_of(chunk)
        if isinstance(entries, list):
            out += [e.get("token") if isinstance(e, dict) else None for e in entries]
    return out
