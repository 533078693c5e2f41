"""The locked default document loads, is cached by hash, and mismatches are clear errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from openai_conformance.contract import loader
from openai_conformance.contract.source import SpecLock, read_source, verify_lock
from openai_conformance.errors import SpecError


def test_default_document_matches_the_lock() -> None:
    lock = SpecLock.read()
    raw = read_source(None)
    assert raw.sha256 == lock.sha256
    assert raw.is_default


def test_default_document_has_all_operations(spec) -> None:
    assert len(spec.operations) == 271
    assert spec.version == SpecLock.read().upstream_version
    assert len({op.id for op in spec.operations}) == 271


def test_lock_mismatch_names_both_hashes_and_the_fix() -> None:
    raw = read_source(None)
    lock = SpecLock.read()
    forged = SpecLock(lock.source, lock.package, "9.9.9", "1.0.0", "0" * 64)
    with pytest.raises(SpecError) as info:
        verify_lock(raw, forged)
    text = info.value.render()
    assert raw.sha256 in text and "0" * 64 in text and "--spec" in text


def test_missing_spec_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="does not exist"):
        read_source(str(tmp_path / "nope.yaml"))


def test_garbage_spec_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("{not: [valid", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid JSON or YAML"):
        loader.load_spec(str(path), cache_dir=tmp_path, use_cache=False)


def test_non_openapi_document_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": "world"}', encoding="utf-8")
    with pytest.raises(SpecError, match=r"not an OpenAPI 3\.x document"):
        loader.load_spec(str(path), cache_dir=tmp_path, use_cache=False)


def test_other_document_loads_without_project_overlays(tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_text(
        '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},'
        ' "paths": {"/x/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}',
        encoding="utf-8",
    )
    spec = loader.load_spec(str(path), cache_dir=tmp_path)
    assert not spec.is_default and spec.overlays == ()
    assert spec.match("GET", "/x/42") is not None


def test_cache_is_keyed_by_hash_and_reused(tmp_path: Path) -> None:
    loader._memo.clear()
    cold = loader.load_spec(cache_dir=tmp_path)
    files = list(tmp_path.glob("spec-*.pickle"))
    assert len(files) == 1 and cold.sha256[:16] in files[0].name
    loader._memo.clear()
    warm = loader.load_spec(cache_dir=tmp_path)  # speed: tests/bench/bench_spec.py
    assert warm.document == cold.document
    loader._memo.clear()


def test_corrupt_cache_entry_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    loader._memo.clear()
    loader.load_spec(cache_dir=tmp_path)
    entry = next(tmp_path.glob("spec-*.pickle"))
    entry.write_bytes(b"not a pickle")
    loader._memo.clear()
    spec = loader.load_spec(cache_dir=tmp_path)
    assert len(spec.operations) == 271
    with entry.open("rb") as fh:
        assert pickle.load(fh).sha256 == spec.sha256
    loader._memo.clear()


def test_path_matching_prefers_literal_segments(spec) -> None:
    op, params = spec.match("GET", "/videos/characters/char_1")
    assert op.id == "GET /videos/characters/{character_id}" and params == {"character_id": "char_1"}
    op, params = spec.match("GET", "/videos/vid_1")
    assert op.id == "GET /videos/{video_id}"
    assert spec.match("PATCH", "/files") is None
    assert spec.match("GET", "/no/such/route") is None


def test_error_convention_documents_4xx_and_5xx_for_every_operation(spec) -> None:
    for op in spec.operations:
        for status in (400, 404, 500):
            content = op.response_for(status)
            assert content is not None, op.id
            assert "application/json" in content, op.id
