"""Bracket-encoded form bodies decode safely, whatever indices a client sends."""

from __future__ import annotations

import tracemalloc

from openai_conformance.contract.formcodec import decode_raw


def test_nested_objects_and_arrays_decode_to_the_body_they_encode() -> None:
    pairs = [("a[b][0][c]", "1"), ("a[b][1][c]", "2"), ("tags[]", "x"), ("tags[]", "y")]
    assert decode_raw(pairs) == {"a": {"b": [{"c": "1"}, {"c": "2"}]}, "tags": ["x", "y"]}


def test_huge_index_appends_instead_of_allocating_a_list_of_that_length() -> None:
    tracemalloc.start()
    body = decode_raw([("a[99999999999][b]", "1"), ("c[123456789]", "2")])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert body == {"a": [{"b": "1"}], "c": ["2"]}
    assert peak < 10_000_000


def test_non_ascii_digits_are_keys_not_indices() -> None:
    # '²'.isdigit() is True but int('²') raises: it must be read as an object key.
    assert decode_raw([("a[²]", "1")]) == {"a": {"²": "1"}}
