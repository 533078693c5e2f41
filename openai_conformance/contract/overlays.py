"""Apply the documented corrections in ``spec/overlays/*.yaml`` to the normalised document.

Each overlay file is an `OpenAPI Overlay 1.0 <https://spec.openapis.org/overlay/v1.0.0.html>`_
document with three required extensions that make it evidence rather than a silent patch::

    overlay: 1.0.0
    info: {title: ..., version: "1"}
    x-oaic-kind: convention | erratum | observed
                     # documented convention, the spec is wrong, or what the live API does
                     # against the letter (evidence: corpus exchanges; left out by --strict-spec)
    x-reason: why the published document is not the whole truth here
    x-evidence: [links or quotes that show it]
    actions:
      - target: $.components.schemas.Foo.properties.bar   # JSONPath subset, see below
        description: what this action changes
        update: {...}        # deep-merged into every matched object
      - target: $.components.schemas.Foo.required
        remove: true

An ``observed`` overlay may also use the transform ``x-oaic-optional-nullable: true`` instead of
``update``/``remove``: every matched node is a ``responses`` object (or a schema); in every
2xx response schema under it, and in every component schema those reach through ``$ref``,
each property that its object schema does not list as required also accepts ``null``
(``_optional_nullable``). It encodes one observed rule: the API sends ``null`` for an unset
optional field.

Supported JSONPath: ``$`` followed by ``.name``, ``['name']``, ``[N]`` (an array index) and ``*``
(any child of a mapping whose value is itself a mapping). That is all the overlays need, and a
target that matches nothing is an error: an overlay that no longer applies must be noticed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError

_SEGMENT = re.compile(r"\.([A-Za-z0-9_\-{}$]+|\*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")
OBSERVED = "observed"  # the live API's consistent behaviour, evidenced by recorded traffic
_KINDS = {"convention", "erratum", OBSERVED}
NULLABLE = "x-oaic-optional-nullable"
_NULL = {"type": "null"}
_SCHEMA_REF = "#/components/schemas/"


@dataclass(frozen=True)
class Overlay:
    """One overlay file, with the metadata reports show next to the verdicts it affects."""

    name: str
    title: str
    kind: str
    reason: str
    evidence: tuple[str, ...]
    actions: tuple[dict[str, Any], ...] = field(repr=False)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "reason": self.reason,
            "evidence": list(self.evidence),
            "targets": [a["target"] for a in self.actions],
        }


def parse_path(target: str) -> list[str | int]:
    """Split a JSONPath subset expression into segments (``*`` is a wildcard, ints index)."""
    if not target.startswith("$"):
        raise SpecError(f"overlay target {target!r} must start with '$'")
    rest, pos = target[1:], 0
    segments: list[str | int] = []
    while pos < len(rest):
        match = _SEGMENT.match(rest, pos)
        if not match:
            raise SpecError(f"overlay target {target!r}: cannot parse at {rest[pos:]!r}")
        if match.group(3) is not None:
            segments.append(int(match.group(3)))
        else:
            segments.append(match.group(1) if match.group(1) is not None else match.group(2))
        pos = match.end()
    return segments


def _select(node: Any, segments: list[str | int]) -> list[tuple[Any, Any]]:
    """Return (parent, key) pairs for every node the path matches."""
    parents: list[Any] = [node]
    matches: list[tuple[Any, Any]] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        nxt: list[Any] = []
        for parent in parents:
            if isinstance(seg, int):
                if isinstance(parent, list) and 0 <= seg < len(parent):
                    if last:
                        matches.append((parent, seg))
                    else:
                        nxt.append(parent[seg])
                continue
            if not isinstance(parent, dict):
                continue
            keys = [k for k, v in parent.items() if isinstance(v, dict)] if seg == "*" else [seg]
            for key in keys:
                if key not in parent:
                    continue
                if last:
                    matches.append((parent, key))
                else:
                    nxt.append(parent[key])
        parents = nxt
    return matches


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def load_overlays(folder: Path) -> list[Overlay]:
    """Read every ``*.yaml`` overlay in ``folder`` (sorted by name) and check its metadata."""
    overlays = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise SpecError(f"overlay {path.name} is not valid YAML: {exc}") from exc
        where = f"overlay {path.name}"
        if not isinstance(data, dict) or str(data.get("overlay", "")).split(".")[0] != "1":
            raise SpecError(f"{where} is not an OpenAPI Overlay 1.x document")
        kind, reason, evidence = (
            data.get("x-oaic-kind"),
            data.get("x-reason"),
            data.get("x-evidence"),
        )
        if kind not in _KINDS:
            raise SpecError(f"{where}: x-oaic-kind must be one of {sorted(_KINDS)}")
        if not reason or not evidence:
            raise SpecError(f"{where}: x-reason and x-evidence are required (no silent patches)")
        actions = data.get("actions") or []
        for action in actions:
            if "target" not in action or not ({"update", "remove", NULLABLE} & set(action)):
                raise SpecError(f"{where}: every action needs a target and update or remove")
            parse_path(action["target"])
        overlays.append(
            Overlay(
                name=path.stem,
                title=str((data.get("info") or {}).get("title", path.stem)),
                kind=kind,
                reason=" ".join(str(reason).split()),
                evidence=tuple(str(e) for e in evidence),
                actions=tuple(actions),
            )
        )
    return overlays


def apply_overlays(doc: dict[str, Any], overlays: list[Overlay]) -> None:
    """Apply overlays in order, in place. A target that matches nothing is an error."""
    for overlay in overlays:
        for action in overlay.actions:
            matches = _select(doc, parse_path(action["target"]))
            if not matches:
                raise SpecError(
                    f"overlay {overlay.name}: target {action['target']} matches nothing in this "
                    "document; the overlay is stale or the document changed",
                )
            if action.get(NULLABLE):
                seen: set[str] = set()
                for parent, key in matches:
                    _optional_nullable(doc, parent[key], seen)
                continue
            for parent, key in matches:
                if action.get("remove"):
                    del parent[key]
                    continue
                update = action["update"]
                if isinstance(update, dict) and isinstance(parent[key], dict):
                    _merge(parent[key], update)
                else:
                    parent[key] = copy.deepcopy(update)


def _optional_nullable(doc: dict[str, Any], node: Any, seen: set[str]) -> None:
    """Make every optional property reachable from ``node`` accept null (see module doc).

    ``node`` is a ``responses`` object (only 2xx answers are walked), a media-type map or a
    schema. Component schemas are changed in place, once each (``seen``)."""
    if not isinstance(node, dict):
        return
    if "content" in node or any(str(k)[:1] in "12345" for k in node):
        for code, answer in node.items():
            if str(code).startswith("2") and isinstance(answer, dict):
                for media in (answer.get("content") or {}).values():
                    if isinstance(media, dict):
                        _walk_nullable(doc, media.get("schema"), seen)
        return
    _walk_nullable(doc, node, seen)


def _or_null(prop: Any) -> Any:
    """``prop`` widened to accept null (unchanged when it already does)."""
    if not isinstance(prop, dict) or not prop:
        return prop
    typ = prop.get("type")
    composite = {"$ref", "anyOf", "oneOf", "allOf", "const", "not"} & set(prop)
    if typ is not None and not composite:
        types = typ if isinstance(typ, list) else [typ]
        if "null" in types:
            return prop
        out = {**prop, "type": [*types, "null"]}
        if isinstance(prop.get("enum"), list) and None not in prop["enum"]:
            out["enum"] = [*prop["enum"], None]
        return out
    if typ is None and not composite:
        return prop  # no type constraint: null is already valid
    for key in ("anyOf", "oneOf"):
        members = prop.get(key)
        if isinstance(members, list) and any(m == _NULL for m in members):
            return prop
    return {"anyOf": [prop, dict(_NULL)]}


def _walk_nullable(doc: dict[str, Any], node: Any, seen: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_nullable(doc, item, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
        name = ref[len(_SCHEMA_REF) :]
        if name not in seen:
            seen.add(name)
            _walk_nullable(doc, doc.get("components", {}).get("schemas", {}).get(name), seen)
    props = node.get("properties")
    if isinstance(props, dict):
        required = set(node.get("required") or ())
        for name in list(props):
            if name not in required:
                props[name] = _or_null(props[name])
            _walk_nullable(doc, props[name], seen)
    for key in ("items", "additionalProperties", "not", "then", "else", "if"):
        if isinstance(node.get(key), dict):
            _walk_nullable(doc, node[key], seen)
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        if isinstance(node.get(key), list):
            _walk_nullable(doc, node[key], seen)
