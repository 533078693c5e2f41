"""Schema-violating variants of a valid request (the negative phase's own mutations).

Each ``Mutation`` breaks exactly one top-level field of a valid JSON body, or one enum query
parameter, in a way the schema certainly forbids, and names that field as the ``param`` the
error envelope should point at:

* ``missing-required``  a required property removed;
* ``wrong-type``        a property given a value of a type its schema does not admit;
* ``unknown-enum``      a closed-enum property (or enum query parameter) given an unknown value;
* ``out-of-range``      a numeric property pushed past its ``maximum``/``minimum``.

``mutations()`` re-validates every mutated body against the request schema and keeps only the
ones that really are invalid, so the negative phase never expects a 4xx for a valid request.
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


@dataclass(frozen=True)
class Mutation:
    kind: str  # missing-required | wrong-type | unknown-enum | out-of-range
    param: str  # the field the violation concerns
    body: Any  # the mutated JSON body (None when the query is mutated)
    query: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.param}"


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
        for candidate in _body_mutations(spec, body, shape):
            if not valid(candidate.body):
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
    props: dict[str, Any] = shape["properties"]
    found: list[Mutation] = []
    for name in sorted(shape["required"]):
        if name in body:
            mutated = copy.deepcopy(body)
            del mutated[name]
            found.append(Mutation("missing-required", name, mutated))
    for name, prop in sorted(props.items()):
        prop = spec.resolve(prop)
        types = primitive_types(spec, prop)
        if types:
            wrong = next(
                (v for t, v in _WRONG_VALUE.items() if t not in types and _type_of(v) not in types),
                None,
            )
            if wrong is not None:
                found.append(Mutation("wrong-type", name, {**body, name: wrong}))
        values = enum_values(spec, prop)
        if values and all(isinstance(v, str) for v in values):
            found.append(Mutation("unknown-enum", name, {**body, name: UNKNOWN_ENUM}))
        if isinstance(prop, dict) and isinstance(prop.get("maximum"), int | float):
            found.append(Mutation("out-of-range", name, {**body, name: prop["maximum"] + 1000}))
        elif isinstance(prop, dict) and isinstance(prop.get("minimum"), int | float):
            found.append(Mutation("out-of-range", name, {**body, name: prop["minimum"] - 1000}))
    return found


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
