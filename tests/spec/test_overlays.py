"""Overlays are evidence-carrying data; stale or undocumented ones are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_conformance.contract.overlays import apply_overlays, load_overlays, parse_path
from openai_conformance.errors import SpecError

GOOD = """
overlay: 1.0.0
info: {title: t, version: "1"}
x-oaic-kind: erratum
x-reason: because
x-evidence: [https://example.invalid/evidence]
actions:
  - target: $.paths.*.*.responses
    update: {4XX: {description: err}}
  - target: "$.components.schemas['A'].required"
    remove: true
"""


def _write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_path_parser_reads_dots_brackets_and_wildcards() -> None:
    assert parse_path("$.paths['/files/{id}'].get") == ["paths", "/files/{id}", "get"]
    assert parse_path("$.paths.*.*.responses") == ["paths", "*", "*", "responses"]


def test_overlay_updates_every_match_and_removes_targets(tmp_path: Path) -> None:
    doc = {
        "paths": {
            "/a": {"parameters": [], "get": {"responses": {"200": {}}}},
            "/b": {"post": {"responses": {}}, "delete": {"responses": {}}},
        },
        "components": {"schemas": {"A": {"required": ["x"], "type": "object"}}},
    }
    apply_overlays(doc, load_overlays(_write(tmp_path, GOOD)))
    assert doc["paths"]["/a"]["get"]["responses"] == {"200": {}, "4XX": {"description": "err"}}
    assert "4XX" in doc["paths"]["/b"]["post"]["responses"]
    assert "4XX" in doc["paths"]["/b"]["delete"]["responses"]
    assert doc["paths"]["/a"]["parameters"] == []
    assert "required" not in doc["components"]["schemas"]["A"]


def test_overlay_without_reason_or_evidence_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace("x-reason: because\n", "")
    with pytest.raises(SpecError, match="x-reason and x-evidence are required"):
        load_overlays(_write(tmp_path, text))


def test_overlay_whose_target_matches_nothing_is_an_error(tmp_path: Path) -> None:
    overlays = load_overlays(_write(tmp_path, GOOD))
    with pytest.raises(SpecError, match="matches nothing"):
        apply_overlays({"paths": {}, "components": {"schemas": {}}}, overlays)


def test_overlay_with_unknown_kind_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="x-oaic-kind"):
        load_overlays(_write(tmp_path, GOOD.replace("erratum", "hack")))


def test_every_checked_in_overlay_is_documented_and_applies(spec) -> None:
    assert spec.overlays, "the default document should carry the project's overlays"
    for overlay in spec.overlays:
        assert overlay.reason and overlay.evidence
        assert overlay.kind in {"convention", "erratum", "observed"}


def test_path_parser_reads_array_indices_and_targets_list_members(tmp_path: Path) -> None:
    assert parse_path("$.a.oneOf[1].b") == ["a", "oneOf", 1, "b"]
    text = GOOD.split("actions:")[0] + (
        "actions:\n  - target: $.s.oneOf[1]\n    update: {x: 1}\n"
        "  - target: $.s.oneOf[0].y\n    remove: true\n"
    )
    doc = {"s": {"oneOf": [{"y": 1}, {"z": 2}]}}
    apply_overlays(doc, load_overlays(_write(tmp_path, text)))
    assert doc == {"s": {"oneOf": [{}, {"z": 2, "x": 1}]}}
