"""Schema-violating variants of a valid request (the negative phase's own mutations).

Each ``Mutation`` breaks exactly one field of a valid JSON body, or one enum query parameter,
in a way the schema certainly forbids, and names the top-level field it sits in as the
``param`` the error envelope should point at (``error.param`` may name a path inside it,
``messages[0].role``). Fields are broken at the top level and inside the objects the body
holds, down to ``MAX_DEPTH`` (the first element of an array of objects stands for its
siblings):

* ``missing-required``  a required property removed;
* ``wrong-type``        a property given a value of a type its schema does not admit;
* ``unknown-enum``      a closed-enum property (or enum query parameter) given an unknown value;
* ``out-of-range``      a numeric property pushed past its ``maximum``/``minimum``;
* ``too-long``          a string one character past its ``maxLength``;
* ``too-few-items`` / ``too-many-items``  an array below ``minItems`` / past ``maxItems``;
* ``wrong-item-type``   an array whose item has a type its item schema does not admit.

``mutations()`` re-validates every mutated body against the request schema and keeps only the
ones that really are invalid, so the negative phase never expects a 4xx for a valid request.
They cost next to nothing beside a drawn negative case (a schemathesis draw of a large body
takes tens of milliseconds), so the negative phase sends them first.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..contract import Operation, Spec
from .schema_tools import enum_values, flatten, primitive_types

UNKNOWN_ENUM = "oaic-not-a-valid-value"
_WRONG_VALUE = {  # a value of another JSON type, for each type a property may have
    "string": 12345,
    "integer": "not-a-number",
    "number": "not-a-number",
    "boolean": "not-a-boolean",
    "array": "not-an-array",
    "object": "not-an-object",
    "null": 0,
}


MAX_DEPTH = 3  # body, its objects, their objects: deep enough for messages[0].content parts
# Size breaks stay small: a request one past a 10 MB maxLength tests the target's body limit
# (and costs every party the bytes), not its validation.
MAX_SIZE = 4096  # longest maxLength broken (characters)
MAX_ITEMS = 64  # largest maxItems broken


@dataclass(frozen=True)
class Mutation:
    kind: str  # one of the kinds listed in the module docstring
    param: str  # the top-level field the violation sits in
    body: Any  # the mutated JSON body (None when the query is mutated)
    query: dict[str, Any] | None = None
    field: str = ""  # the broken field's path when it is nested ("messages[0].role")

    @property
    def label(self) -> str:
        return f"{self.kind} {self.field or self.param}"


def mutations(
    spec: Spec,
    op: Operation,
    body: Any,
    query: dict[str, Any],
    valid: Callable[[Any], bool],
) -> list[Mutation]:
    """All single-field mutations of a valid request, each confirmed invalid by ``valid``."""
    out: list[Mutation] = []
    schema = op.request_content.get("application/json")
    if schema is not None and isinstance(body, dict):
        shape = flatten(spec, schema)
        labels: set[str] = set()
        for candidate in _body_mutations(spec, body, shape):
            # One per label: a union's branches often repeat a constraint (``minItems``).
            if candidate.label not in labels and not valid(candidate.body):
                labels.add(candidate.label)
                out.append(candidate)
    for param in op.parameters:
        if param.location != "query":
            continue
        values = enum_values(spec, param.schema)
        if values and all(isinstance(v, str) for v in values):
            out.append(
                Mutation("unknown-enum", param.name, None, {**query, param.name: UNKNOWN_ENUM})
            )
    return out


def _body_mutations(spec: Spec, body: dict[str, Any], shape: dict[str, Any]) -> list[Mutation]:
    found = [
        Mutation(kind, name, mutated)
        for kind, name, mutated in _object_mutations(spec, body, shape)
    ]
    for name, value in sorted(body.items()):
        prop = shape["properties"].get(name)
        if prop is None:
            continue
        for kind, path, inner in _nested(spec, value, prop, 2):
            mutated = {**body, name: inner}
            found.append(Mutation(kind, name, mutated, field=f"{name}{path}"))
    return found


def _object_mutations(
    spec: Spec, obj: dict[str, Any], shape: dict[str, Any]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, field name, mutated object) for each field of ``obj`` broken in place."""
    props: dict[str, Any] = shape["properties"]
    found: list[tuple[str, str, dict[str, Any]]] = []
    for name in sorted(shape["required"]):
        if name in obj:
            mutated = copy.deepcopy(obj)
            del mutated[name]
            found.append(("missing-required", name, mutated))
    for name, prop in sorted(props.items()):
        prop = spec.resolve(prop)
        wrong = _wrong_value(primitive_types(spec, prop))
        if wrong is not None:
            found.append(("wrong-type", name, {**obj, name: wrong}))
        values = enum_values(spec, prop)
        if values and all(isinstance(v, str) for v in values):
            found.append(("unknown-enum", name, {**obj, name: UNKNOWN_ENUM}))
        if isinstance(prop, dict) and isinstance(prop.get("maximum"), int | float):
            found.append(("out-of-range", name, {**obj, name: prop["maximum"] + 1000}))
        elif isinstance(prop, dict) and isinstance(prop.get("minimum"), int | float):
            found.append(("out-of-range", name, {**obj, name: prop["minimum"] - 1000}))
        found.extend(
            (kind, name, {**obj, name: v}) for kind, v in _size_breaks(spec, prop, obj.get(name))
        )
    return found


def _size_breaks(spec: Spec, prop: Any, value: Any) -> list[tuple[str, Any]]:
    """(kind, value) pairs that break a length or item constraint of ``prop``: a string one
    past ``maxLength``, an array below ``minItems`` or past ``maxItems`` (repeating the value's
    first item), an array whose items have the wrong type."""
    branches = [b for b in _branches(spec, prop, 0) if isinstance(b, dict)]
    out: list[tuple[str, Any]] = []
    for branch in branches:
        longest = branch.get("maxLength")
        if branch.get("type") == "string" and isinstance(longest, int) and longest <= MAX_SIZE:
            out.append(("too-long", "x" * (longest + 1)))
        if branch.get("type") != "array":
            continue
        fewest, most = branch.get("minItems"), branch.get("maxItems")
        if isinstance(fewest, int) and fewest > 0:
            out.append(("too-few-items", []))
        if isinstance(most, int) and most <= MAX_ITEMS and isinstance(value, list) and value:
            out.append(("too-many-items", [value[0]] * (most + 1)))
        wrong = _wrong_value(primitive_types(spec, branch.get("items")))
        if wrong is not None:
            out.append(("wrong-item-type", [wrong]))
    return out


def _nested(spec: Spec, value: Any, schema: Any, depth: int) -> list[tuple[str, str, Any]]:
    """(kind, path below ``value``, mutated ``value``) for the fields of the objects inside
    ``value``: an object is broken in place, an array through its first object element."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(value, list) and value and isinstance(value[0], dict):
        items = _items(spec, schema)
        if items is None:
            return []
        return [
            (kind, f"[0]{path}", [inner, *value[1:]])
            for kind, path, inner in _nested(spec, value[0], items, depth)
        ]
    if not isinstance(value, dict) or not value:
        return []
    shape = _branch_shape(spec, schema, value)
    if shape is None:
        return []
    found = [(kind, f".{name}", obj) for kind, name, obj in _object_mutations(spec, value, shape)]
    for name, inner_value in sorted(value.items()):
        prop = shape["properties"].get(name)
        if prop is not None:
            for kind, path, inner in _nested(spec, inner_value, prop, depth + 1):
                found.append((kind, f".{name}{path}", {**value, name: inner}))
    return found


def _items(spec: Spec, schema: Any) -> Any:
    """The item schema of an array schema (looking through one level of anyOf/oneOf)."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict):
        return None
    if isinstance(schema.get("items"), dict):
        return schema["items"]
    for branch in (schema.get("anyOf") or []) + (schema.get("oneOf") or []):
        branch = spec.resolve(branch)
        if isinstance(branch, dict) and isinstance(branch.get("items"), dict):
            return branch["items"]
    return None


def _branch_shape(spec: Spec, schema: Any, value: dict[str, Any]) -> dict[str, Any] | None:
    """The object shape (``flatten``) of the branch of ``schema`` that ``value`` is drawn from:
    of the branches whose required fields ``value`` has and whose const/enum fields agree with
    it, the one declaring most of its keys (a drawn object may carry undeclared keys). None
    when no branch fits; a wrong guess is harmless (the mutated body is re-validated whole)."""
    best: tuple[int, dict[str, Any] | None] = (0, None)
    for candidate in _branches(spec, schema, 0):
        shape = flatten(spec, candidate)
        props = shape["properties"]
        declared = [k for k in value if k in props]
        if len(declared) <= best[0] or not shape["required"] <= set(value):
            continue
        if all((vals := enum_values(spec, props[k])) is None or value[k] in vals for k in declared):
            best = (len(declared), shape)
    return best[1]


def _branches(spec: Spec, schema: Any, depth: int) -> list[Any]:
    """``schema`` and the anyOf/oneOf branches below it (resolved, 4 levels at most)."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict) or depth > 4:
        return []
    branches = [schema]
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            branches.extend(_branches(spec, branch, depth + 1))
    return branches


def _wrong_value(types: set[str]) -> Any:
    """A value of a JSON type that ``types`` does not admit (None: no types are known)."""
    if not types:
        return None
    return next(
        (v for t, v in _WRONG_VALUE.items() if t not in types and _type_of(v) not in types), None
    )


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    return "object"


def pick(found: list[Mutation], count: int, salt: int) -> list[Mutation]:
    """A deterministic, kind-diverse selection of ``count`` mutations (salt from the seed)."""
    if not found:
        return []
    by_kind: dict[str, list[Mutation]] = {}
    for m in found:
        by_kind.setdefault(m.kind, []).append(m)
    kinds = sorted(by_kind)
    chosen: list[Mutation] = []
    i = 0
    while len(chosen) < min(count, len(found)):
        group = by_kind[kinds[(salt + i) % len(kinds)]]
        candidate = group[(salt // max(1, len(kinds)) + i) % len(group)]
        if candidate not in chosen:
            chosen.append(candidate)
        i += 1
        if i > 10 * count + len(found):
            break
    return chosen
