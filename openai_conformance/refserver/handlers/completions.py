"""Legacy Completions (``POST /completions``): text, ``n``, ``stop``, ``max_tokens`` (default
16, as documented), ``echo``, legacy ``logprobs`` (tokens/token_logprobs/top_logprobs/
text_offset) and ``stream`` (``text_completion`` chunks, then ``data: [DONE]``)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

from .. import sse
from ..context import Ctx, handles
from ..faults import declare
from . import _text
from .models import require_model

DEFAULT_MAX_TOKENS = 16

ECHO_PROMPT = declare(
    "completions-echo-prompt",
    "the prompt is echoed in front of the text although echo is not set",
    "completions/text",
    breaks=["completions/text"],
)
N_IGNORED = declare(
    "completions-n-ignored",
    "n > 1 returns a single choice",
    "completions/n",
    breaks=["completions/n"],
)
STOP_IGNORED = declare(
    "completions-stop-ignored",
    "stop sequences are ignored",
    "completions/stop",
    breaks=["completions/stop"],
)
MAX_TOKENS_IGNORED = declare(
    "completions-max-tokens-ignored",
    "max_tokens is ignored: the whole text comes back with finish_reason stop",
    "completions/max-tokens",
    breaks=["completions/max-tokens"],
)
USAGE_WRONG_TOTAL = declare(
    "completions-usage-wrong-total",
    "usage.total_tokens counts the completion tokens only",
    "completions/usage",
    breaks=["completions/usage"],
)
NO_DONE = declare(
    "completions-no-done",
    "the completion stream ends without data: [DONE]",
    "completions/stream",
    breaks=["completions/stream"],
)
LOGPROBS_CHAT_SHAPE = declare(
    "completions-logprobs-chat-shape",
    "legacy logprobs come in the Chat Completions shape ({content: [...]})",
    "completions/logprobs",
    breaks=["completions/logprobs"],
)


def _legacy_logprobs(tokens: list[str], top: int, start: int) -> dict[str, Any]:
    offsets, at = [], start
    for t in tokens:
        offsets.append(at)
        at += len(t)
    return {
        "tokens": tokens,
        "token_logprobs": [_text.logprob_of(t) for t in tokens],
        "top_logprobs": [
            {
                a: _text.logprob_of(a, r)
                for r, a in enumerate([t, *_text.alternatives(t, top - 1)][:top])
            }
            for t in tokens
        ],
        "text_offset": offsets,
    }


@handles("POST /completions")
async def create_completion(ctx: Ctx) -> Any:
    body = ctx.body
    model = require_model(ctx.state, body.get("model"))["id"]
    prompts = body.get("prompt")
    if not isinstance(prompts, list) or (prompts and not isinstance(prompts[0], str)):
        prompts = [prompts if isinstance(prompts, str) else repr(prompts)]
    n = 1 if ctx.fault(N_IGNORED) else int(body.get("n") or 1)
    stop = None if ctx.fault(STOP_IGNORED) else body.get("stop")
    stop = [stop] if isinstance(stop, str) else (stop or [])
    max_tokens = body.get("max_tokens")
    max_tokens = DEFAULT_MAX_TOKENS if max_tokens is None else max_tokens
    if ctx.fault(MAX_TOKENS_IGNORED):
        max_tokens = 10_000
    echo = bool(body.get("echo")) or ctx.fault(ECHO_PROMPT)
    top = body.get("logprobs")
    choices: list[dict[str, Any]] = []
    completion_tokens = 0
    for p, prompt in enumerate(prompts):
        for i in range(n):
            text, reason = _text.apply_limits(
                _text.sentence(f"prompt:{prompt}", i), stop, max_tokens
            )
            completion_tokens += _text.count_tokens(text)
            shown = (prompt + text) if echo else text
            lp: dict[str, Any] | None = None
            if top is not None:
                lp = _legacy_logprobs(
                    _text.pieces(text), max(int(top), 1), len(prompt) if echo else 0
                )
                if ctx.fault(LOGPROBS_CHAT_SHAPE):
                    lp = {
                        "content": [
                            {"token": t, "logprob": v, "top_logprobs": []}
                            for t, v in zip(lp["tokens"], lp["token_logprobs"], strict=True)
                        ]
                    }
            choices.append(
                {"index": p * n + i, "text": shown, "finish_reason": reason, "logprobs": lp}
            )
    prompt_tokens = sum(_text.count_tokens(str(p)) for p in prompts)
    completion = {
        "id": "cmpl-" + secrets.token_hex(12),
        "object": "text_completion",
        "created": ctx.now,
        "model": model,
        "system_fingerprint": "fp_oaic_ref",
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": completion_tokens
            if ctx.fault(USAGE_WRONG_TOTAL)
            else prompt_tokens + completion_tokens,
        },
    }
    if not body.get("stream"):
        return completion
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

    async def stream() -> AsyncIterator[bytes]:
        base = {
            k: completion[k] for k in ("id", "object", "created", "model", "system_fingerprint")
        }
        for choice in choices:
            parts = _text.pieces(choice["text"])
            for k, piece in enumerate(parts):
                last = k == len(parts) - 1
                yield sse.encode(
                    {
                        **base,
                        "choices": [
                            {
                                "index": choice["index"],
                                "text": piece,
                                "logprobs": None,
                                "finish_reason": choice["finish_reason"] if last else None,
                            }
                        ],
                    }
                )
        if include_usage:
            yield sse.encode({**base, "choices": [], "usage": completion["usage"]})
        if not ctx.fault(NO_DONE):
            yield sse.DONE

    return sse.stream_response(stream())
