"""Turn the published document into the form the validators and generators use.

Normalisation only removes *representation* quirks, so that a correct response is never judged
wrong because of how the document is written. It never changes what the contract means; every
meaning-changing correction is an overlay in ``spec/overlays/`` with its reason and evidence.

Quirks handled here (see ``../shared/field-notes.md`` and ``spec/overlays/README.md``):

* YAML scalars that look like dates (``2025-04-14``) stay strings: the document is JSON-shaped
  and a ``datetime`` in an ``enum`` or ``const`` would never equal a JSON value.
* OpenAPI 3.0 ``nullable: true`` inside this 3.1 document means "or null" (its 3.0 meaning). It is
  rewritten to 3.1 form: ``type: [T, "null"]``, ``null`` added to ``enum``, or
  ``anyOf: [..., {type: null}]``; the ``allOf: [{$ref}, {nullable: true}]`` idiom included.
* OpenAPI 3.0 boolean ``exclusiveMinimum: true`` / ``exclusiveMaximum: true`` (a modifier of
  ``minimum``/``maximum``) becomes the 3.1 numeric form ``exclusiveMinimum: <minimum>``; left as
  a boolean, a 2020-12 validator rejects every value (``beta: 0.1`` in DPO hyperparameters).
* Duplicate names in ``required`` (the container object) are removed; strict meta-schema
  checks reject them, and a set has the same meaning.
* Unions (``oneOf``/``anyOf``) whose object variants are told apart by a constant property
  (``type``, ``object``, ...) get an ``x-oaic-dispatch`` annotation; the validator uses it to
  check an instance against the one variant it claims to be, so an error names the real field.
  The 58 ``discriminator`` objects in the document have no ``mapping``; dispatching on the
  variants' own constants is how they are meant to be read.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Bump when the normalised form changes, so stale caches are not reused.
NORMALISER_VERSION = 4

_NULL = {"type": "null"}
_DISPATCH_CANDIDATES = ("type", "object", "event", "role", "kind")


class _JsonShapedLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """A safe loader that keeps timestamps as the strings they are written as."""


def _keep_scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_JsonShapedLoader.add_constructor("tag:yaml.org,2002:timestamp", _keep_scalar)


def parse_document(raw: bytes) -> dict[str, Any]:
    """Parse JSON or YAML bytes into a JSON-shaped dict (dates stay strings)."""
    text = raw.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        import json

        doc = json.loads(text)
    else:
        doc = yaml.load(text, Loader=_JsonShapedLoader)
    if not isinstance(doc, dict):
        raise ValueError("the document is not a mapping at its top level")
    return doc


def _is_bare_nullable(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and node.get("nullable") is True
        and not (set(node) - {"nullable", "description", "title"})
    )


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """Rewrite one schema object that carries ``nullable: true`` (3.0) into 3.1 form."""
    node = {k: v for k, v in node.items() if k != "nullable"}
    typ = node.get("type")
    if isinstance(typ, str) and not any(k in node for k in ("$ref", "allOf", "anyOf", "oneOf")):
        node["type"] = [typ, "null"]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        return node
    annotations: dict[str, Any] = {
        k: node.pop(k) for k in ("description", "title", "default") if k in node
    }
    return {**annotations, "anyOf": [node, dict(_NULL)]}


def _normalise(node: Any) -> Any:
    if isinstance(node, list):
        return [_normalise(v) for v in node]
    if not isinstance(node, dict):
        return node
    all_of = node.get("allOf")
    if isinstance(all_of, list) and any(_is_bare_nullable(m) for m in all_of):
        # allOf: [{$ref: X}, {nullable: true}] means "X or null"; the bare member must go
        # before recursion, or it would become an always-true {anyOf: [{}, null]}.
        node = {**node, "allOf": [m for m in all_of if not _is_bare_nullable(m)], "nullable": True}
    out = {k: _normalise(v) for k, v in node.items()}
    if out.get("nullable") is True:
        out = _nullable(out)
    elif out.get("nullable") is False:
        out.pop("nullable")
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(exclusive)
        if isinstance(flag, bool):
            del out[exclusive]
            if flag and bound in out:
                out[exclusive] = out.pop(bound)
    req = out.get("required")
    if isinstance(req, list) and len(set(map(str, req))) != len(req):
        out["required"] = list(dict.fromkeys(req))
    return out


def _const_of(schema: dict[str, Any]) -> Any:
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and len([e for e in enum if e is not None]) == 1:
        return next(e for e in enum if e is not None)
    return _MISSING


_MISSING = object()


def _resolve_local(doc: dict[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """Follow local ``$ref``s and single-member ``allOf`` wrappers to an object schema."""
    while isinstance(schema, dict) and depth < 16:
        depth += 1
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = doc
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            schema = target
            continue
        return schema
    return schema if isinstance(schema, dict) else {}


def _variant_properties(doc: dict[str, Any], variant: Any) -> dict[str, Any]:
    resolved = _resolve_local(doc, variant)
    props = dict(resolved.get("properties") or {})
    for member in resolved.get("allOf") or []:
        props.update(_resolve_local(doc, member).get("properties") or {})
    return props


def _dispatch_for(doc: dict[str, Any], union: dict[str, Any], variants: list[Any]) -> dict | None:
    candidates: list[str] = []
    disc = union.get("discriminator")
    if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
        candidates.append(disc["propertyName"])
    candidates += [c for c in _DISPATCH_CANDIDATES if c not in candidates]
    props_per_variant = [_variant_properties(doc, v) for v in variants]
    for name in candidates:
        values: dict[str, int] = {}
        for index, props in enumerate(props_per_variant):
            prop = props.get(name)
            if not isinstance(prop, dict):
                continue
            const = _const_of(_resolve_local(doc, prop))
            if const is _MISSING or not isinstance(const, str) or const in values:
                values = {}
                break
            values[const] = index
        if len(values) >= 2:
            return {"property": name, "values": values}
    return None


def _annotate_unions(doc: dict[str, Any], node: Any) -> None:
    if isinstance(node, list):
        for v in node:
            _annotate_unions(doc, v)
        return
    if not isinstance(node, dict):
        return
    for keyword in ("oneOf", "anyOf"):
        variants = node.get(keyword)
        if isinstance(variants, list) and len(variants) >= 2:
            dispatch = _dispatch_for(doc, node, variants)
            if dispatch:
                node["x-oaic-dispatch"] = {"keyword": keyword, **dispatch}
                break
    for v in node.values():
        _annotate_unions(doc, v)


def normalise(doc: dict[str, Any]) -> dict[str, Any]:
    """Return the normalised copy of a parsed document (the input is not modified)."""
    out: dict[str, Any] = _normalise(doc)
    return out


def annotate_unions(doc: dict[str, Any]) -> None:
    """Add ``x-oaic-dispatch`` to every union told apart by a constant (in place).

    Runs after overlays, so an overlay that edits a variant is reflected in the dispatch table.
    """
    _annotate_unions(doc, doc)
