"""Schema synthesis: a deterministic, minimal, valid instance of any schema of the contract.

``Synth(spec).value(schema)`` builds the smallest plausible instance: ``const``/``enum`` first
value, ``default`` when it fits, type-appropriate scalars honouring ``minimum``/``maximum``,
``minLength``/``maxLength``, ``pattern`` (the document only uses ``^[a-zA-Z0-9_-]+$``) and
``format``, arrays of ``minItems`` items, objects with their required properties, the first
satisfiable non-null variant of ``oneOf``/``anyOf`` and merged ``allOf`` parts. ``$ref`` chains
resolve through the spec; a recursion guard stops self-referencing schemas (an optional
property is simply left out, a required one gets the shallowest variant).

``Synth.render(record, schema)`` is the engine's tool: a response body for ``schema`` taking
every value it can from ``record`` (stored state, request fields) and synthesizing the rest.
For unions it picks the variant whose constants (``type``, ``object`` ...) match the record.

Property-name hints make values plausible without breaking validity: ``created_at``-like
integers get the clock, ``*_id`` strings an id-looking value, ``model`` a model id.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable
from typing import Any

from ..contract import Spec
from ..contract.schemautil import UNION_KEYS, type_set

_MAX_DEPTH = 24
_TYPE_ORDER = ("object", "string", "integer", "number", "boolean", "array", "null")
_TIME_NAMES = ("created", "timestamp", "effective_at", "start_time", "end_time")


def _type_ok(value: Any, types: set[str]) -> bool:
    if not types:
        return True
    checks = {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    return any(checks.get(t, False) for t in types)


class Synth:
    """Builds instances of the contract's schemas (stateless apart from the clock hint)."""

    def __init__(self, spec: Spec, now: Callable[[], float] | None = None) -> None:
        self.spec = spec
        self.now = now or time.time

    # ------------------------------------------------------------------- schema helpers

    def _merged(self, schema: Any) -> dict[str, Any]:
        """Resolve ``$ref`` and fold ``allOf`` parts into one schema dict."""
        schema = self.spec.resolve(schema)
        if not isinstance(schema, dict):
            return {}
        if "allOf" not in schema:
            return schema
        out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props = dict(out.get("properties") or {})
        required = list(out.get("required") or [])
        for part in schema["allOf"]:
            sub = self._merged(part)
            for key, value in sub.items():
                if key == "properties":
                    props.update(value)
                elif key == "required":
                    required += [r for r in value if r not in required]
                elif key not in out:
                    out[key] = value
        if props:
            out["properties"] = props
        if required:
            out["required"] = required
        return out

    def _variants(self, schema: dict[str, Any]) -> list[Any] | None:
        for key in UNION_KEYS:
            if key in schema:
                return list(schema[key])
        return None

    def _non_null_first(self, variants: list[Any]) -> list[Any]:
        def is_null(v: Any) -> bool:
            return type_set(self.spec, v) == {"null"}

        return [v for v in variants if not is_null(v)] + [v for v in variants if is_null(v)]

    # ------------------------------------------------------------------- synthesis

    def value(self, schema: Any, name: str | None = None, depth: int = 0) -> Any:
        """A minimal valid instance of ``schema`` (``name`` is the property it is for)."""
        s = self._merged(schema)
        if "const" in s:
            return copy.deepcopy(s["const"])
        if s.get("enum"):
            non_null = [v for v in s["enum"] if v is not None]
            return copy.deepcopy(non_null[0] if non_null else s["enum"][0])
        variants = self._variants(s)
        if variants is not None:
            base = {k: v for k, v in s.items() if k not in UNION_KEYS}
            ordered = self._non_null_first(variants)
            outer = self._types(base)
            if outer:  # a typed union (TranscriptionChunkingStrategy): variants of that type
                fits = [v for v in ordered if type_set(self.spec, v) & outer]
                ordered = fits + [v for v in ordered if v not in fits]
            if depth > _MAX_DEPTH:
                ordered = sorted(ordered, key=self._weight)
            choice = ordered[0] if ordered else {}
            if base.get("properties") or base.get("required"):
                choice = {"allOf": [base, choice]}
            return self.value(choice, name, depth + 1)
        default = s.get("default")
        types = self._types(s)
        if default is not None and _type_ok(default, types) and not isinstance(default, dict):
            return copy.deepcopy(default)
        kind = next((t for t in _TYPE_ORDER if t in types and t != "null"), None)
        if kind is None:
            if "properties" in s or "required" in s:
                kind = "object"
            elif "items" in s:
                kind = "array"
            elif "null" in types:
                return None
            else:
                kind = "string"
        return getattr(self, f"_{kind}")(s, name, depth)

    def _types(self, s: dict[str, Any]) -> set[str]:
        declared = s.get("type")
        if isinstance(declared, str):
            return {declared}
        if isinstance(declared, list):
            return {str(t) for t in declared}
        return set()

    def _weight(self, schema: Any) -> int:
        """How deep a variant tends to nest (used to escape recursion): fewer refs is lighter."""
        s = self._merged(schema)
        return len(s.get("required") or []) + (10 if "$ref" in str(s.get("properties")) else 0)

    def _object(self, s: dict[str, Any], name: str | None, depth: int) -> dict[str, Any]:
        props = s.get("properties") or {}
        out: dict[str, Any] = {}
        for prop in s.get("required") or []:
            out[prop] = self.value(props.get(prop, {}), prop, depth + 1)
        minimum = s.get("minProperties") or 0
        for prop, sub in props.items():
            if len(out) >= minimum:
                break
            out.setdefault(prop, self.value(sub, prop, depth + 1))
        extra = s.get("additionalProperties")
        if len(out) < minimum and isinstance(extra, dict):
            out["key"] = self.value(extra, "key", depth + 1)
        return out

    def _array(self, s: dict[str, Any], name: str | None, depth: int) -> list[Any]:
        count = int(s.get("minItems") or 0)
        if count == 0:
            return []
        item = s.get("items") or {}
        first = self.value(item, name, depth + 1)
        if not s.get("uniqueItems"):
            return [copy.deepcopy(first) for _ in range(count)]
        out = [first]
        for i in range(1, count):  # make unique strings/ints distinct; others best effort
            if isinstance(first, str):
                out.append(f"{first}{i}")
            elif isinstance(first, int):
                out.append(first + i)
            else:
                out.append(copy.deepcopy(first))
        return out

    def _string(self, s: dict[str, Any], name: str | None, depth: int) -> str:
        fmt = s.get("format")
        if fmt == "uri":
            return "https://example.com/resource"
        if fmt == "date-time":
            return "2024-01-01T00:00:00Z"
        if fmt == "binary":
            return ""
        example = s.get("example")
        text = example if isinstance(example, str) and example else self._plausible_string(name)
        low, high = int(s.get("minLength") or 0), s.get("maxLength")
        if s.get("pattern") and not all(c.isalnum() or c in "_-" for c in text):
            text = "value"
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None and len(text) > int(high):
            text = text[: int(high)]
        return text

    def _plausible_string(self, name: str | None) -> str:
        if not name:
            return "string"
        if name == "model":
            return "ref-chat"
        if name == "id" or name.endswith("_id"):
            stem = name.removesuffix("_id") or "obj"
            digest = hashlib.sha1(stem.encode()).hexdigest()[:12]
            return f"{stem}_{digest}"
        return name

    def _integer(self, s: dict[str, Any], name: str | None, depth: int) -> int:
        if name and (name.endswith("_at") or name in _TIME_NAMES) and "maximum" not in s:
            return int(self.now())
        return int(self._bounded(s, 0))

    def _number(self, s: dict[str, Any], name: str | None, depth: int) -> float:
        return float(self._bounded(s, 0))

    def _bounded(self, s: dict[str, Any], value: float) -> float:
        if "minimum" in s:
            value = max(value, s["minimum"])
        if "exclusiveMinimum" in s and value <= s["exclusiveMinimum"]:
            value = s["exclusiveMinimum"] + 1
        if "maximum" in s:
            value = min(value, s["maximum"])
        if "exclusiveMaximum" in s and value >= s["exclusiveMaximum"]:
            value = s["exclusiveMaximum"] - 1
        return value

    def _boolean(self, s: dict[str, Any], name: str | None, depth: int) -> bool:
        return False

    def _null(self, s: dict[str, Any], name: str | None, depth: int) -> None:
        return None

    # ------------------------------------------------------------------- rendering

    def render(self, record: Any, schema: Any, name: str | None = None, depth: int = 0) -> Any:
        """A valid instance of ``schema`` that keeps every fitting value of ``record``."""
        if depth > _MAX_DEPTH:
            return self.value(schema, name, depth)
        s = self._merged(schema)
        if "const" in s:
            return copy.deepcopy(s["const"])
        if "enum" in s:
            return copy.deepcopy(record) if record in s["enum"] else self.value(s, name, depth)
        variants = self._variants(s)
        if variants is not None:
            base = {k: v for k, v in s.items() if k not in UNION_KEYS}
            choice = self._pick_variant(record, variants)
            if choice is None:
                return self.value(s, name, depth)
            if base.get("properties") or base.get("required"):
                choice = {"allOf": [base, choice]}
            return self.render(record, choice, name, depth + 1)
        types = self._types(s)
        if isinstance(record, dict) and (
            "object" in types or "properties" in s or ("required" in s and not types)
        ):
            return self._render_object(record, s, depth)
        if isinstance(record, list) and ("array" in types or "items" in s):
            item = s.get("items") or {}
            return [self.render(r, item, name, depth + 1) for r in record]
        if record is not None and _type_ok(record, types) and not isinstance(record, dict | list):
            return record
        if record is None and "null" in types:
            return None
        return self.value(s, name, depth)

    def _render_object(self, record: dict[str, Any], s: dict[str, Any], depth: int) -> Any:
        props = s.get("properties")
        if not props:  # a map (metadata-like): keep the record's entries
            return copy.deepcopy(record) if s.get("additionalProperties", True) else {}
        out: dict[str, Any] = {}
        for prop, sub in props.items():
            if prop in record:
                out[prop] = self.render(record[prop], sub, prop, depth + 1)
        for prop in s.get("required") or []:
            if prop not in out:
                out[prop] = self.value(props.get(prop, {}), prop, depth + 1)
        return out

    def _pick_variant(self, record: Any, variants: list[Any]) -> Any:
        """The variant matching the record: constants agree, then type fits, then non-null."""
        ordered = self._non_null_first(variants)
        if isinstance(record, dict):
            best, best_score = None, -1
            for variant in ordered:
                v = self._merged(variant)
                if self._variants(v) is not None and "properties" not in v:
                    score = 0 if best is None else -1  # nested union: considered, not preferred
                else:
                    score = self._const_score(record, v)
                if score > best_score:
                    best, best_score = variant, score
            return best
        for variant in ordered:
            if record is not None and _type_ok(record, type_set(self.spec, variant)):
                v = self._merged(variant)
                if "enum" in v and record not in v["enum"]:
                    continue
                if "const" in v and record != v["const"]:
                    continue
                return variant
        return ordered[0] if ordered else None

    def _const_score(self, record: dict[str, Any], v: dict[str, Any]) -> int:
        props = v.get("properties") or {}
        types = self._types(v)
        if types and "object" not in types:
            return -1
        score = 1
        for prop, sub in props.items():
            sub = self._merged(sub)
            allowed = [sub["const"]] if "const" in sub else sub.get("enum")
            if allowed is None or prop not in record:
                score += 1 if prop in record else 0
                continue
            if record[prop] not in allowed:
                return -1
            score += 10
        missing = [r for r in v.get("required") or [] if r not in record]
        return score - len(missing)
