"""Legacy Completions: text, n, stop, max_tokens, usage, the stream and the logprobs shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from completion_steps import OP, PROMPT

from openai_conformance.checks import (
    assert_conforms,
    raise_failures,
    stream_event_schema_conformance,
)
from openai_conformance.checks.context import CheckContext
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.wire.client import ConformanceClient


def _problem(check: str, title: str, exchange: Any, **kw: Any) -> Failure:
    return Failure.of(check, title, operation=OP, exchange=exchange, **kw)


def _choices(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in body.get("choices") or [] if isinstance(c, dict)]


@pytest.mark.requirement("completions/text")
def test_completion_returns_text_without_the_prompt(
    complete: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = complete()
    choices = _choices(body)
    text = choices[0].get("text") if choices else None
    if body.get("object") != "text_completion" or not isinstance(text, str) or not text.strip():
        lc.fail(
            _problem(
                "text_conformance", "no text_completion with generated text", exchange,
                pointer="/choices/0/text", expected="object text_completion, non-empty text",
                actual=f"object {body.get('object')!r}, text {text!r}",
            )
        )  # fmt: skip
    if text.startswith(PROMPT):
        lc.fail(
            _problem(
                "text_conformance", "the prompt is echoed although echo is not set", exchange,
                pointer="/choices/0/text", expected="the generated text only",
                actual=text[:80],
            )
        )  # fmt: skip


@pytest.mark.requirement("completions/n")
def test_n_returns_n_choices_with_distinct_indexes(
    complete: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = complete(n=3, temperature=1)
    indexes = sorted((c.get("index") for c in _choices(body)), key=repr)
    if indexes != [0, 1, 2]:
        lc.fail(
            _problem(
                "n_conformance", "n=3 did not give three choices", exchange,
                pointer="/choices", expected="indexes [0, 1, 2]", actual=f"indexes {indexes}",
            )
        )  # fmt: skip


@pytest.mark.requirement("completions/stop")
def test_stop_sequence_never_appears_in_the_text(
    complete: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    # A word from the second half of an unconstrained answer is a stop string the model is
    # likely to produce again (for a deterministic target: certainly).
    first, _ = complete()
    words = ((_choices(first) or [{}])[0].get("text") or "").split()
    if len(words) < 4:  # nothing to judge, not a defect (as chat/stop)
        pytest.skip("the answer is too short to place a stop sequence inside it")
    stop = " " + words[len(words) // 2 + 1]
    body, exchange = complete(stop=[stop])
    text = (_choices(body) or [{}])[0].get("text") or ""
    if stop in text:
        lc.fail(
            _problem(
                "stop_conformance", "the stop sequence appears in the text", exchange,
                pointer="/choices/0/text", expected=f"text without {stop!r}", actual=text[:120],
            )
        )  # fmt: skip


@pytest.mark.requirement("completions/max-tokens")
def test_max_tokens_cuts_the_text_with_finish_reason_length(
    complete: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = complete(max_tokens=3)
    choice = (_choices(body) or [{}])[0]
    used = (body.get("usage") or {}).get("completion_tokens")
    if choice.get("finish_reason") != "length" or not isinstance(used, int) or used > 3:
        lc.fail(
            _problem(
                "max_tokens_conformance", "max_tokens=3 did not cut the answer", exchange,
                pointer="/choices/0/finish_reason",
                expected="finish_reason length, completion_tokens <= 3",
                actual=f"finish_reason {choice.get('finish_reason')!r}, completion_tokens {used}",
            )
        )  # fmt: skip


@pytest.mark.requirement("completions/usage")
def test_usage_totals_add_up(complete: Callable[..., tuple[dict[str, Any], Any]]) -> None:
    body, exchange = complete()
    usage = body.get("usage") or {}
    p, c, t = (usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
    ints = all(isinstance(x, int) for x in (p, c, t))
    if not ints or p <= 0 or c <= 0 or t != p + c:
        lc.fail(
            _problem(
                "usage_conformance", "usage does not add up", exchange, pointer="/usage",
                expected="prompt_tokens > 0, completion_tokens > 0, total = prompt + completion",
                actual=usage,
            )
        )  # fmt: skip


@pytest.mark.requirement("completions/stream")
def test_stream_sends_chunks_and_ends_with_done(
    client: ConformanceClient, completion_request: dict[str, Any], check_ctx: CheckContext
) -> None:
    with client.stream("POST", "/completions", json={**completion_request, "stream": True}) as s:
        if s.status == 200 and s.is_event_stream:
            events = list(s.events())
        else:
            s.read()
            events = []
    exchange = s.exchange
    if exchange.status != 200:
        assert_conforms(exchange, OP)
    raise_failures(stream_event_schema_conformance(exchange, OP, check_ctx))
    # Each chunk validates against the chunk schema (overlay 043) in the check above.
    failures = []
    if not events or not events[-1].is_done:
        failures.append(
            _problem(
                "stream_conformance", "the stream does not end with data: [DONE]", exchange,
                pointer="/events", expected="data: [DONE] last",
                actual=events[-1].data[:80] if events else "(no events)",
            )
        )  # fmt: skip
    lc.fail(failures)


@pytest.mark.requirement("completions/logprobs")
def test_logprobs_have_the_legacy_shape(
    complete: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = complete(logprobs=2)
    failures = []
    for i, choice in enumerate(_choices(body)):
        lp = choice.get("logprobs") if isinstance(choice.get("logprobs"), dict) else {}
        fields = [lp.get(k) for k in ("tokens", "token_logprobs", "top_logprobs", "text_offset")]
        lengths = {len(f) if isinstance(f, list) else -1 for f in fields}
        tops = fields[2] if isinstance(fields[2], list) else []
        too_many = [j for j, top in enumerate(tops) if not isinstance(top, dict) or len(top) > 2]
        if len(lengths) != 1 or -1 in lengths or 0 in lengths or too_many:
            failures.append(
                _problem(
                    "logprobs_conformance", f"choices[{i}].logprobs is not the legacy shape",
                    exchange, pointer=f"/choices/{i}/logprobs",
                    expected="tokens, token_logprobs, top_logprobs (<= 2 each), text_offset "
                    "of equal non-zero length", actual=str(choice.get("logprobs"))[:160],
                )
            )  # fmt: skip
    lc.fail(failures)
