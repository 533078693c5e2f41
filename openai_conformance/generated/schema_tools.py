"""Small read-only helpers over request schemas: declared properties, required names, types.

They look through ``$ref`` and ``allOf`` (the document builds most request bodies as
``allOf: [shared properties, own properties]``) and never through ``anyOf``/``oneOf``: a field
that only one branch declares is not a field the shaper may rely on.
"""

from __future__ import annotations

from typing import Any

from ..contract import Spec
from ..contract.schemautil import json_type


def flatten(spec: Spec, schema: Any, _depth: int = 0) -> dict[str, Any]:
    """``{"properties": {...}, "required": set, "additional": bool}`` of an object schema."""
    schema = spec.resolve(schema)
    out: dict[str, Any] = {"properties": {}, "required": set(), "additional": True}
    if not isinstance(schema, dict) or _depth > 8:
        return out
    for part in schema.get("allOf") or []:
        sub = flatten(spec, part, _depth + 1)
        out["properties"].update(sub["properties"])
        out["required"] |= sub["required"]
        out["additional"] = out["additional"] and sub["additional"]
    out["properties"].update(schema.get("properties") or {})
    out["required"] |= set(schema.get("required") or [])
    if schema.get("additionalProperties") is False:
        out["additional"] = False
    return out


def primitive_types(spec: Spec, schema: Any, _depth: int = 0) -> set[str]:
    """The JSON types a schema admits at its top level ({"string"}, {"integer", "null"}, ...).

    An empty set means "any" (no type constraint we can see).
    """
    schema = spec.resolve(schema)
    if not isinstance(schema, dict) or _depth > 8:
        return set()
    declared = schema.get("type")
    if isinstance(declared, str):
        types = {declared}
    elif isinstance(declared, list):
        types = {str(t) for t in declared}
    else:
        types = set()
    if "enum" in schema:
        types |= {json_type(v) for v in schema["enum"]}
    if "const" in schema:
        types.add(json_type(schema["const"]))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branch_types = [primitive_types(spec, b, _depth + 1) for b in schema[key]]
            if any(not t for t in branch_types):
                return set()
            for t in branch_types:
                types |= t
    for part in schema.get("allOf") or []:
        types |= primitive_types(spec, part, _depth + 1)
    return types


def enum_values(spec: Spec, schema: Any) -> list[Any] | None:
    """The closed set of values a schema allows, or None when it is open (e.g. anyOf string)."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None
