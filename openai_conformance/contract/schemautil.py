"""Small read-only helpers over the contract's schemas (flattening, type sets).

Shared by request parsing (coercing form/query strings), the response faults and the engine.
Everything takes the ``Spec`` so ``$ref``s resolve against the loaded document.
"""

from __future__ import annotations

from typing import Any

from . import Spec

UNION_KEYS = ("anyOf", "oneOf")


def object_shape(spec: Spec, schema: Any, depth: int = 0) -> dict[str, Any]:
    """``{"properties": {...}, "required": [...]}`` of an object schema.

    Follows ``$ref``, merges ``allOf`` parts, and for unions takes the first variant that has
    properties (request bodies like ``CreateImageEditRequest`` are plain objects; this is for
    the rare wrapped ones).
    """
    schema = spec.resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return {"properties": {}, "required": []}
    props: dict[str, Any] = dict(schema.get("properties") or {})
    required: list[str] = list(schema.get("required") or [])
    for part in schema.get("allOf") or []:
        sub = object_shape(spec, part, depth + 1)
        props.update(sub["properties"])
        required += [r for r in sub["required"] if r not in required]
    if not props:
        for key in UNION_KEYS:
            for variant in schema.get(key) or []:
                sub = object_shape(spec, variant, depth + 1)
                if sub["properties"]:
                    return sub
    return {"properties": props, "required": required}


def type_set(spec: Spec, schema: Any, depth: int = 0) -> set[str]:
    """Every JSON type a schema admits (``set()`` when it does not say)."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return set()
    out: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        out.add(declared)
    elif isinstance(declared, list):
        out.update(str(t) for t in declared)
    if "const" in schema and not declared:
        out.add(json_type(schema["const"]))
    if "enum" in schema and not declared:
        out.update(json_type(v) for v in schema["enum"])
    for key in (*UNION_KEYS, "allOf"):
        for variant in schema.get(key) or []:
            out |= type_set(spec, variant, depth + 1)
    return out


def items_schema(spec: Spec, schema: Any, depth: int = 0) -> Any:
    """The ``items`` schema of an array schema (searching union variants), or ``{}``."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "items" in schema:
        return schema["items"]
    for key in (*UNION_KEYS, "allOf"):
        for variant in schema.get(key) or []:
            found = items_schema(spec, variant, depth + 1)
            if found:
                return found
    return {}


def has_enum(spec: Spec, schema: Any, depth: int = 0) -> bool:
    """True when the schema (or a union/allOf part) constrains values by enum or const."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict) or depth > 6:
        return False
    if "enum" in schema or "const" in schema:
        return True
    return any(
        has_enum(spec, v, depth + 1)
        for key in (*UNION_KEYS, "allOf")
        for v in schema.get(key) or []
    )


def is_binary(spec: Spec, schema: Any) -> bool:
    """A file part in a multipart schema (``format: binary``, possibly inside a union/array)."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict):
        return False
    if schema.get("format") == "binary" or "contentMediaType" in schema:
        return True
    if "items" in schema:
        return is_binary(spec, schema["items"])
    return any(is_binary(spec, v) for key in (*UNION_KEYS, "allOf") for v in schema.get(key) or [])


def json_type(value: Any) -> str:
    """The JSON Schema type name of a JSON value (``True`` is boolean, ``1`` integer)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"
