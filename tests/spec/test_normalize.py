"""Normalisation removes representation quirks without changing meaning."""

from __future__ import annotations

from openai_conformance.contract.normalize import annotate_unions, normalise, parse_document


def test_yaml_dates_stay_strings() -> None:
    doc = parse_document(b"openapi: 3.1.0\npaths: {}\nx: 2025-04-14\ny: [2024-08-06]\n")
    assert doc["x"] == "2025-04-14"
    assert doc["y"] == ["2024-08-06"]


def test_nullable_scalar_becomes_type_union_with_null() -> None:
    out = normalise({"type": "integer", "nullable": True, "minimum": 1})
    assert out == {"type": ["integer", "null"], "minimum": 1}


def test_nullable_enum_admits_null() -> None:
    out = normalise({"type": "string", "enum": ["a", "b"], "nullable": True})
    assert out["enum"] == ["a", "b", None]
    assert out["type"] == ["string", "null"]


def test_nullable_ref_becomes_any_of_ref_or_null() -> None:
    out = normalise({"$ref": "#/components/schemas/X", "nullable": True, "description": "d"})
    assert out == {
        "description": "d",
        "anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}],
    }


def test_all_of_with_bare_nullable_member_means_ref_or_null() -> None:
    node = {"allOf": [{"$ref": "#/components/schemas/X"}, {"nullable": True, "description": "d"}]}
    out = normalise(node)
    assert out == {"anyOf": [{"allOf": [{"$ref": "#/components/schemas/X"}]}, {"type": "null"}]}


def test_nullable_false_is_dropped() -> None:
    assert normalise({"type": "string", "nullable": False}) == {"type": "string"}


def test_duplicate_required_names_are_removed_in_order() -> None:
    assert normalise({"required": ["id", "name", "id"]}) == {"required": ["id", "name"]}


def test_input_document_is_not_modified() -> None:
    node = {"type": "string", "nullable": True}
    normalise(node)
    assert node == {"type": "string", "nullable": True}


def test_union_with_type_constants_gets_dispatch_annotation() -> None:
    doc = {
        "components": {
            "schemas": {
                "A": {"type": "object", "properties": {"type": {"type": "string", "enum": ["a"]}}},
                "B": {"type": "object", "properties": {"type": {"const": "b"}}},
                "U": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/A"},
                        {"$ref": "#/components/schemas/B"},
                    ],
                    "discriminator": {"propertyName": "type"},
                },
            }
        }
    }
    annotate_unions(doc)
    dispatch = doc["components"]["schemas"]["U"]["x-oaic-dispatch"]
    assert dispatch == {"keyword": "oneOf", "property": "type", "values": {"a": 0, "b": 1}}


def test_union_without_distinct_constants_is_not_annotated() -> None:
    doc = {"U": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
    annotate_unions(doc)
    assert "x-oaic-dispatch" not in doc["U"]


def test_boolean_exclusive_minimum_becomes_numeric_bound() -> None:
    out = normalise({"type": "number", "minimum": 0, "exclusiveMinimum": True})
    assert out == {"type": "number", "exclusiveMinimum": 0}
    assert normalise({"maximum": 1, "exclusiveMaximum": False}) == {"maximum": 1}
