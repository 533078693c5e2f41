"""Form bodies (multipart/form-data, x-www-form-urlencoded) decoded into JSON-like values.

The official SDKs flatten nested request values into bracket notation, at any depth::

    session[audio][input][format][type]=audio/pcm     → {"session": {"audio": {"input":
    session[audio][input][format][rate]=24000            {"format": {"type": "audio/pcm",
                                                          "rate": 24000}}}}}
    include[]=a & include[]=b  (or include=a&include=b) → {"include": ["a", "b"]}
    tools[][type]=x & tools[][name]=y                   → {"tools": [{"type": "x", "name": "y"}]}
    items[0]=a & items[1]=b                             → {"items": ["a", "b"]}

``decode(spec, schema, pairs)`` builds that tree from ``(key, value)`` pairs in wire order and
coerces every string leaf to the type its schema admits (``dispatch.coerce``): integers,
numbers, booleans, JSON objects/arrays sent as one string. A key that is not bracket notation
is taken literally (the schema's validation names it if it is unknown). For a union-typed
object the variant whose constants (``type``...) match the sent values guides the coercion.
File parts (``UploadFile``) are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from . import Spec
from .schemautil import UNION_KEYS, items_schema, object_shape, type_set

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")

Coerce = Callable[[Spec, Any, Any], Any]


class _Leaf:
    """The raw values sent for one key (repeated keys accumulate)."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[Any] = []


def split_key(key: str) -> list[str]:
    """``a[b][][c]`` → ``["a", "b", "", "c"]``; a non-bracket key is one segment."""
    m = _KEY.match(key)
    if not m:
        return [key]
    return [m.group(1), *_SEGMENT.findall(m.group(2))]


def _is_index(segment: str) -> bool:
    return segment == "" or _number(segment) is not None


# An index beyond the end appends instead of padding: `a[99999999999][b]=1` from a hostile or
# generated client must not allocate a list of that length (it once exhausted 24 GiB).
def _number(segment: str) -> int | None:
    """The array index a bracket segment names (ASCII digits only: '²'.isdigit() is True)."""
    return int(segment) if segment.isascii() and segment.isdigit() else None


def _put(node: dict[str, Any], path: list[str], value: Any) -> None:
    key, rest = path[0], path[1:]
    if not rest:
        leaf = node.get(key)
        if not isinstance(leaf, _Leaf):
            leaf = node[key] = _Leaf()
        leaf.values.append(value)
        return
    if _is_index(rest[0]):
        arr = node.get(key)
        if not isinstance(arr, list):
            arr = node[key] = []
        _put_element(arr, rest, value)
        return
    sub = node.get(key)
    if not isinstance(sub, dict):
        sub = node[key] = {}
    _put(sub, rest, value)


def _put_element(arr: list[Any], path: list[str], value: Any) -> None:
    index, rest = path[0], path[1:]
    if not rest:  # key[]=v or key[3]=v: a scalar element
        leaf = _Leaf()
        leaf.values.append(value)
        number = _number(index)
        if number is not None and number < len(arr):
            arr[number] = leaf
        else:
            arr.append(leaf)
        return
    number = _number(index)
    if number is not None:
        if number >= len(arr):
            arr.append({})
            number = len(arr) - 1
        element = arr[number]
    else:
        # key[][a]=1&key[][b]=2 is one element; a repeated sub-key starts the next one.
        element = arr[-1] if arr else None
        if not isinstance(element, dict) or rest[0] in element:
            element = {}
            arr.append(element)
    if not isinstance(element, dict):
        element = {}
        if number is not None:
            arr[number] = element
        else:
            arr.append(element)
    _put(element, rest, value)


def _properties(spec: Spec, schema: Any, node: dict[str, Any]) -> dict[str, Any]:
    """The properties that describe ``node``: for a union, the variant whose constant-valued
    properties match what was sent (``type=audio/pcm``), else the first with properties."""
    resolved = spec.resolve(schema)
    if isinstance(resolved, dict) and any(k in resolved for k in UNION_KEYS):
        for key in UNION_KEYS:
            for variant in resolved.get(key) or []:
                props = object_shape(spec, variant)["properties"]
                if props and _matches(spec, props, node):
                    return props
    return dict(object_shape(spec, schema)["properties"])


def _matches(spec: Spec, props: dict[str, Any], node: dict[str, Any]) -> bool:
    for name, sub in props.items():
        sub = spec.resolve(sub)
        allowed = [sub["const"]] if "const" in sub else sub.get("enum")
        leaf = node.get(name)
        if allowed and isinstance(leaf, _Leaf) and leaf.values and leaf.values[-1] not in allowed:
            return False
    return True


def _convert(spec: Spec, schema: Any, node: Any, coerce: Coerce) -> Any:
    if isinstance(node, _Leaf):
        values = node.values
        single_json = len(values) == 1 and isinstance(values[0], str) and values[0][:1] == "["
        types = type_set(spec, schema)
        # One plain value for a string-or-array field (``input=text``) is the string.
        as_array = "array" in types and (len(values) > 1 or "string" not in types)
        if as_array and not single_json:
            item = items_schema(spec, schema)
            return [coerce(spec, item, v) for v in values]
        return coerce(spec, schema, values[-1])
    if isinstance(node, list):
        item = items_schema(spec, schema)
        return [_convert(spec, item, element, coerce) for element in node]
    props = _properties(spec, schema, node)
    return {k: _convert(spec, props.get(k, {}), v, coerce) for k, v in node.items()}


def decode(spec: Spec, schema: Any, pairs: Iterable[tuple[str, Any]], coerce: Coerce) -> Any:
    """The body a form encodes (see module doc); ``coerce(spec, schema, raw)`` types leaves."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        _put(tree, split_key(key), value)
    return _convert(spec, schema, tree, coerce)


def decode_raw(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The tree the pairs encode with the raw (string) values, no schema involved: a key sent
    once gives its value, a key sent several times the list of them. Generators use it to see
    whether a body survives the bracket encoding unchanged."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        _put(tree, split_key(key), value)
    return _raw(tree)


def _raw(node: Any) -> Any:
    if isinstance(node, _Leaf):
        return node.values[0] if len(node.values) == 1 else list(node.values)
    if isinstance(node, list):
        return [_raw(element) for element in node]
    return {k: _raw(v) for k, v in node.items()}
