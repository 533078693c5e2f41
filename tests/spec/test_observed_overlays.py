"""Observed overlays: evidenced by the corpus, left out by --strict-spec, cached per mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openai_conformance.contract import loader
from openai_conformance.contract.overlays import OBSERVED, apply_overlays, load_overlays
from openai_conformance.contract.validation import SchemaValidator

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = re.compile(r"^(tests/data/traffic/\S+)#(\d+)$")


def test_every_observed_overlay_cites_corpus_exchanges_that_exist() -> None:
    from openai_conformance.traffic.formats import Recorded, read_file

    observed = [o for o in load_overlays(loader.OVERLAYS_DIR) if o.kind == OBSERVED]
    assert observed
    for overlay in observed:
        cited = [m for m in (EVIDENCE.match(e) for e in overlay.evidence) if m]
        assert cited, f"{overlay.name} cites no exchange of tests/data/traffic"
        for match in cited:
            items = read_file(ROOT / match.group(1))
            index = int(match.group(2))
            assert any(isinstance(i, Recorded) and i.index == index for i in items), match[0]


def test_strict_spec_leaves_out_observed_overlays_and_is_cached_apart(tmp_path: Path) -> None:
    judged = loader.load_spec(cache_dir=tmp_path, strict=False)
    letter = loader.load_spec(cache_dir=tmp_path, strict=True)
    assert any(o.kind == OBSERVED for o in judged.overlays)
    assert not any(o.kind == OBSERVED for o in letter.overlays)
    assert len(list(tmp_path.glob("spec-*.pickle"))) == 2  # one cache entry per mode
    schema = {"$ref": "#/components/schemas/CreateChatCompletionResponse"}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "hi", "refusal": None},
                "logprobs": None,
            }
        ],
    }
    assert SchemaValidator(judged).validate(body, schema) == []
    assert [v.pointer for v in SchemaValidator(letter).validate(body, schema)] == [
        "/system_fingerprint"
    ]


def test_strict_mode_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loader.STRICT_ENV, "1")
    assert loader.strict_default() is True
    monkeypatch.setenv(loader.STRICT_ENV, "0")
    assert loader.strict_default() is False


def _nullable_doc() -> dict:
    return {
        "paths": {
            "/x": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Q"}}
                        }
                    },
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/R"}}
                            }
                        },
                        "4XX": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/E"}}
                            }
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "R": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string"},
                        "tag": {"type": "string", "enum": ["a"]},
                        "inner": {"$ref": "#/components/schemas/I"},
                    },
                },
                "I": {"type": "object", "properties": {"n": {"type": "integer"}}},
                "Q": {"type": "object", "properties": {"q": {"type": "string"}}},
                "E": {"type": "object", "properties": {"e": {"type": "string"}}},
            }
        },
    }


def test_optional_nullable_transform_touches_optional_2xx_properties_only(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nx-oaic-kind: observed\n"
        "x-reason: r\nx-evidence: [e]\nactions:\n"
        "  - target: $.paths.*.*.responses\n    x-oaic-optional-nullable: true\n"
    )
    doc = _nullable_doc()
    apply_overlays(doc, load_overlays(tmp_path))
    s = doc["components"]["schemas"]
    assert s["R"]["properties"]["id"] == {"type": "string"}  # required: untouched
    assert s["R"]["properties"]["tag"] == {"type": ["string", "null"], "enum": ["a", None]}
    assert s["R"]["properties"]["inner"] == {
        "anyOf": [{"$ref": "#/components/schemas/I"}, {"type": "null"}]
    }
    assert s["I"]["properties"]["n"] == {"type": ["integer", "null"]}  # reached through $ref
    assert s["Q"]["properties"]["q"] == {"type": "string"}  # request schema: untouched
    assert s["E"]["properties"]["e"] == {"type": "string"}  # error answers: untouched


def test_keepalive_stream_event_is_observed_and_nothing_looser(tmp_path: Path) -> None:
    judged = SchemaValidator(loader.load_spec(cache_dir=tmp_path, strict=False))
    letter = SchemaValidator(loader.load_spec(cache_dir=tmp_path, strict=True))
    event = {"type": "keepalive", "sequence_number": 2}
    assert judged.validate(event, "ResponseStreamEvent") == []
    assert letter.validate(event, "ResponseStreamEvent") != []  # --strict-spec: the letter
    for bad in (
        {"type": "keepalive"},
        {**event, "extra": 1},
        {"type": "ping", "sequence_number": 2},
    ):
        assert judged.validate(bad, "ResponseStreamEvent") != [], bad
