"""Generate a deterministic instance of a caller-supplied JSON Schema (tool parameters,
``response_format`` json_schema, ``text.format``).

Contract: ``instance(schema, seed)`` returns a JSON value that validates against ``schema``
for the subset of JSON Schema that function/structured-output schemas use: ``type`` (also a
list), ``properties``/``required``/``additionalProperties``, ``items``/``prefixItems``/
``minItems``/``maxItems``, ``enum``, ``const``, ``anyOf``/``oneOf``/``allOf`` (first viable
branch; allOf merged), local ``$ref`` into ``$defs``/``definitions``, string ``minLength``/
``maxLength``/``format`` (date-time, date, email, uri, uuid), numeric bounds. Optional
properties are included (structured outputs usually demand every property anyway).
Unknown constructs fall back to a string, which is the safe answer for ``{}``.
"""

from __future__ import annotations

from typing import Any

from ._text import WORDS, digest

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "ref@example.com",
    "uri": "https://example.com/ref",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
}


def instance(schema: Any, seed: str = "", root: Any = None, depth: int = 0) -> Any:
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 12:
        return "value"
    if "$ref" in schema and isinstance(schema["$ref"], str):
        return instance(_resolve(root, schema["$ref"]), seed, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "allOf" in schema and isinstance(schema["allOf"], list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(root, part["$ref"]) if "$ref" in part else part
            for k, v in part.items():
                if k in ("properties",) and k in merged:
                    merged[k] = {**merged[k], **v}
                elif k == "required" and k in merged:
                    merged[k] = [*merged[k], *v]
                else:
                    merged.setdefault(k, v)
        return instance(merged, seed, root, depth + 1)
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            branches = schema[key]
            # Prefer a non-null branch so the instance carries information.
            pick = next((b for b in branches if b.get("type") != "null"), branches[0])
            return instance(pick, seed, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        if "properties" in schema:
            kind = "object"
        elif "items" in schema:
            kind = "array"
        else:
            kind = "string"
    if kind == "object":
        props = schema.get("properties") or {}
        return {
            name: instance(sub, f"{seed}/{name}", root, depth + 1) for name, sub in props.items()
        }
    if kind == "array":
        low = int(schema.get("minItems", 1))
        high_items = schema.get("maxItems")
        count = max(low, 1) if high_items is None else min(max(low, 1), int(high_items))
        prefix = schema.get("prefixItems") or []
        out = [instance(p, f"{seed}[{i}]", root, depth + 1) for i, p in enumerate(prefix)]
        item = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        while len(out) < count:
            out.append(instance(item, f"{seed}[{len(out)}]", root, depth + 1))
        return out
    if kind == "integer" or kind == "number":
        bound = schema.get("minimum", schema.get("exclusiveMinimum"))
        value: float = 1 if bound is None else bound
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            value = schema["exclusiveMinimum"] + 1
        high = schema.get("maximum")
        if high is not None and value > high:
            value = high
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    fmt = schema.get("format")
    if fmt in _FORMATS:
        return _FORMATS[fmt]
    word = WORDS[digest("word", seed)[0] % len(WORDS)]
    low = int(schema.get("minLength", 0))
    text = word
    while len(text) < low:
        text += "x"
    if "maxLength" in schema:
        text = text[: int(schema["maxLength"])]
    return text


def _resolve(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        return {}
    node = root
    for part in ref[1:].strip("/").split("/") if ref.strip("#/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return {}
        node = node[part]
    return node
