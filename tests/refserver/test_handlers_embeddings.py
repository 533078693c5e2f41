"""Self-tests of embeddings: input kinds, dimensions, base64 == float, usage, order, faults."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from handler_support import assert_valid, faulty, serve

from openai_conformance.refserver.server import ReferenceServer


@pytest.fixture(scope="module")
def srv() -> Iterator[tuple[ReferenceServer, httpx.Client]]:
    yield from serve()


def embed(c: httpx.Client, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    return c.post("/embeddings", json={"model": "ref-embed", **kw}, headers=headers or {})


@pytest.mark.parametrize("value", ["hello world", ["a", "b c"], [1, 2, 3], [[1, 2], [3]]])
def test_every_input_kind_gives_ordered_unit_vectors(srv, value) -> None:
    _, c = srv
    body = embed(c, input=value).json()
    assert_valid(body, "CreateEmbeddingResponse")
    assert [d["index"] for d in body["data"]] == list(range(len(body["data"])))
    for d in body["data"]:
        assert len(d["embedding"]) == 256
        assert math.isclose(math.sqrt(sum(x * x for x in d["embedding"])), 1.0, rel_tol=1e-5)
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] > 0


def test_dimensions_is_honoured_and_vectors_are_deterministic(srv) -> None:
    _, c = srv
    a = embed(c, input="x", dimensions=64).json()["data"][0]["embedding"]
    b = embed(c, input="x", dimensions=64).json()["data"][0]["embedding"]
    assert len(a) == 64 and a == b


def test_base64_decodes_to_exactly_the_float_vector(srv) -> None:
    _, c = srv
    floats = embed(c, input="x").json()["data"][0]["embedding"]
    body = embed(c, input="x", encoding_format="base64").json()
    assert_valid(body, "CreateEmbeddingResponse")
    raw = base64.b64decode(body["data"][0]["embedding"])
    assert len(raw) == 256 * 4
    assert list(struct.unpack("<256f", raw)) == floats


def test_embedding_faults_visibly_change_the_answer(srv) -> None:
    _, c = srv
    assert (
        embed(
            c, faulty("embeddings-base64-unsupported"), input="x", encoding_format="base64"
        ).status_code
        == 400
    )
    vec = embed(c, faulty("embeddings-wrong-dimensions"), input="x", dimensions=8).json()
    assert len(vec["data"][0]["embedding"]) != 8
    rev = embed(c, faulty("embeddings-unordered"), input=["a", "b"]).json()
    assert [d["index"] for d in rev["data"]] == [1, 0]
