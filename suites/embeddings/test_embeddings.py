"""Embeddings: every input form, dimensions, base64 vs float, usage, order, and refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from embedding_steps import OP, close, count_problems, float_vector, indexes, problem

from openai_conformance.checks import assert_error
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.media import decode_float32_base64
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

TEXTS = ["The first input sentence.", "A second, different sentence.", "Third one here."]


def _claimed(config: RunConfig, feature: str) -> None:
    if not config.claims(feature):
        raise Disabled(f"the profile does not claim {feature}")


@pytest.mark.requirement("embeddings/string-input")
def test_string_input_returns_one_float_vector(
    embed: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = embed("The quick brown fox jumps over the lazy dog.")
    lc.fail(count_problems(body, 1, "string_input_conformance", exchange))


@pytest.mark.requirement("embeddings/array-input")
def test_array_input_returns_one_embedding_per_item(
    embed: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = embed(TEXTS)
    lc.fail(count_problems(body, len(TEXTS), "array_input_conformance", exchange))


@pytest.mark.requirement("embeddings/token-input")
def test_token_array_input_returns_one_embedding(
    embed: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = embed([464, 2068, 7586, 21831])
    lc.fail(count_problems(body, 1, "token_input_conformance", exchange))


@pytest.mark.requirement("embeddings/token-arrays-input")
def test_array_of_token_arrays_returns_one_embedding_per_array(
    embed: Callable[..., tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = embed([[464, 2068], [7586, 21831, 374], [1115]])
    lc.fail(count_problems(body, 3, "token_arrays_input_conformance", exchange))


@pytest.mark.requirement("embeddings/dimensions")
def test_dimensions_sets_the_vector_length(
    embed: Callable[..., tuple[dict[str, Any], Any]], oaic_config: RunConfig
) -> None:
    _claimed(oaic_config, "embeddings.dimensions")
    dims = 64
    body, exchange = embed(TEXTS[:2], dimensions=dims)
    lengths = [len(d.get("embedding") or []) for d in body.get("data") or []]
    if not lengths or any(n != dims for n in lengths):
        lc.fail(
            problem(
                "dimensions_conformance", f"dimensions={dims} not honoured", exchange,
                pointer="/data/0/embedding", expected=f"{dims} values per vector",
                actual=f"vector lengths {lengths}",
            )
        )  # fmt: skip


@pytest.mark.requirement("embeddings/base64")
def test_base64_embedding_decodes_to_the_float_vector(
    embed: Callable[..., tuple[dict[str, Any], Any]], oaic_config: RunConfig
) -> None:
    _claimed(oaic_config, "embeddings.base64")
    text = TEXTS[:1]
    floats, _ = embed(text, encoding_format="float")
    encoded, exchange = embed(text, encoding_format="base64")
    vector = float_vector((floats.get("data") or [{}])[0])
    raw = ((encoded.get("data") or [{}])[0]).get("embedding")
    if vector is None:
        lc.fail(
            problem(
                "base64_conformance", "the float response has no vector to compare with", exchange
            )
        )
    if not isinstance(raw, str):
        lc.fail(
            problem(
                "base64_conformance",
                "encoding_format base64 did not answer a base64 string", exchange,
                pointer="/data/0/embedding", expected="a base64 string",
                actual=str(raw)[:80],
            )
        )  # fmt: skip
    try:
        decoded = decode_float32_base64(raw)
    except ValueError as exc:
        lc.fail(
            problem(
                "base64_conformance",
                "the base64 embedding does not decode",
                exchange,
                message=str(exc),
            )
        )
    if len(decoded) != len(vector) or not close(decoded, vector, oaic_config.deterministic):
        lc.fail(
            problem(
                "base64_conformance",
                "the base64 embedding differs from the float vector", exchange,
                pointer="/data/0/embedding",
                expected=f"{len(vector) * 4} bytes = {len(vector)} float32 equal to the floats",
                actual=f"{len(decoded) * 4} bytes; first values {decoded[:3]} vs {vector[:3]}",
            )
        )  # fmt: skip


@pytest.mark.requirement("embeddings/usage")
def test_usage_counts_prompt_tokens(embed: Callable[..., tuple[dict[str, Any], Any]]) -> None:
    body, exchange = embed(TEXTS)
    usage = body.get("usage") or {}
    prompt, total = usage.get("prompt_tokens"), usage.get("total_tokens")
    if not isinstance(prompt, int) or prompt <= 0 or total != prompt:
        lc.fail(
            problem(
                "usage_conformance", "usage does not count the prompt", exchange,
                pointer="/usage", expected="prompt_tokens > 0 and total_tokens == prompt_tokens",
                actual=usage,
            )
        )  # fmt: skip


@pytest.mark.requirement("embeddings/order")
def test_data_is_listed_in_input_order(embed: Callable[..., tuple[dict[str, Any], Any]]) -> None:
    body, exchange = embed(TEXTS)
    seen = indexes(body)
    if seen != list(range(len(TEXTS))):
        lc.fail(
            problem(
                "order_conformance", "data is not in input order", exchange, pointer="/data",
                expected=f"indexes {list(range(len(TEXTS)))} in this order",
                actual=f"indexes {seen}",
            )
        )  # fmt: skip


@pytest.mark.requirement("embeddings/unknown-model")
def test_unknown_model_returns_404_envelope(
    client: ConformanceClient, embeddings_served: None
) -> None:
    exchange = client.request(
        "POST", "/embeddings", json={"model": "oaic-no-such-model", "input": "hello"}
    )
    assert_error(exchange, status=404, op=OP)


@pytest.mark.requirement("embeddings/empty-input")
def test_empty_input_returns_400_envelope(
    client: ConformanceClient, embeddings_model: str, embeddings_served: None
) -> None:
    exchange = client.request("POST", "/embeddings", json={"model": embeddings_model, "input": ""})
    assert_error(exchange, status=400, op=OP)
