"""How the spec-driven engine understands each operation: its shape from path and method.

``classify(spec)`` maps every operation id to a ``Route``:

* ``create``   POST on a collection (a path with an item route ``/things/{id}`` under it or a
  list-shaped GET): stores a new record.
* ``list``     GET on a collection: a page of stored records.
* ``retrieve`` / ``modify`` / ``delete``: GET / POST-with-body / DELETE on ``/things/{id}``.
* ``action``   POST on ``/things/{id}/verb`` or a body-less POST on ``/things/{id}``
  (``cancel``, ``archive`` ...): acts on the record, returns the response schema rendered
  from it.
* ``sub``      GET on ``/things/{id}/noun`` that is not a collection (``/content``): rendered
  from the parent record.
* ``singleton`` GET/POST on a non-collection path that has both (``/organization/data_retention``):
  one record per parent, read and merged.
* ``compute``  anything else (``/vector_stores/{id}/search``, ``/realtime/client_secrets``):
  synthesized from the request and the response schema.

A collection's store kind is its path template with parameters blanked
(``threads/{}/messages``); records of nested collections are grouped by the ``/``-joined ids of
their ancestors. ``creatable`` collections must have had their parents created (404 otherwise);
other collections (run steps, audit logs, usage buckets) are seeded with one record on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..contract import Operation, Spec
from ..contract.schemautil import object_shape, type_set

_PARAM = re.compile(r"^{([^}]+)}$")


@dataclass(frozen=True)
class Route:
    shape: str  # create | list | retrieve | modify | delete | action | sub | singleton | compute
    collection: str  # store kind of the collection the op works on ("" for compute)
    item_param: str | None  # the path parameter naming the record (retrieve/modify/...)
    ancestors: tuple[tuple[str, str], ...]  # (collection kind, path param) outer to inner
    verb: str = ""  # action name (cancel, archive ...) or sub-resource name (content)


def is_param(segment: str) -> bool:
    return bool(_PARAM.match(segment))


def param_name(segment: str) -> str:
    m = _PARAM.match(segment)
    return m.group(1) if m else segment


def kind_of(segments: list[str]) -> str:
    return "/".join("{}" if is_param(s) else s for s in segments)


def _list_shaped(spec: Spec, op: Operation | None) -> bool:
    if op is None:
        return False
    schema = (op.response_for(200) or {}).get("application/json")
    if not schema:
        return False
    props = object_shape(spec, schema)["properties"]
    return "data" in props and "array" in type_set(spec, props["data"])


class _Index:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.by_path: dict[str, dict[str, Operation]] = {}
        for op in spec.operations:
            self.by_path.setdefault(op.path, {})[op.method] = op

    def has_item_route(self, path: str) -> bool:
        # Any route below ``path/{param}`` (``/chatkit/sessions/{id}/cancel`` makes
        # ``/chatkit/sessions`` a collection even without a retrieve route).
        prefix = path + "/{"
        return any(p.startswith(prefix) for p in self.by_path)

    def is_collection(self, path: str) -> bool:
        return self.has_item_route(path) or _list_shaped(
            self.spec, self.by_path.get(path, {}).get("GET")
        )

    def creatable(self, path: str) -> bool:
        return self.is_collection(path) and "POST" in self.by_path.get(path, {})


def _ancestors(index: _Index, segments: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for i, seg in enumerate(segments):
        if is_param(seg) and i > 0:
            out.append((kind_of(segments[:i]), param_name(seg)))
    return tuple(out)


def _classify(index: _Index, op: Operation) -> Route:
    segs = op.path.strip("/").split("/")
    method = op.method
    last = segs[-1]
    if is_param(last):
        coll = kind_of(segs[:-1])
        anc = _ancestors(index, segs[:-1])
        item = param_name(last)
        if method == "GET":
            return Route("retrieve", coll, item, anc)
        if method == "DELETE":
            return Route("delete", coll, item, anc)
        if method == "POST" and not op.request_content:
            verb = "cancel" if "cancel" in op.summary.lower() else "update"
            return Route("action", coll, item, anc, verb)
        return Route("modify", coll, item, anc)
    path = "/" + "/".join(segs)
    if index.is_collection(path):
        anc = _ancestors(index, segs)
        if method == "GET":
            return Route("list", kind_of(segs), None, anc)
        if method == "POST":
            return Route("create", kind_of(segs), None, anc)
        if method == "DELETE":
            return Route("compute", kind_of(segs), None, anc, "delete")
    if len(segs) >= 2 and is_param(segs[-2]):
        # /things/{id}/verb: an action or a sub-resource of the record
        coll = kind_of(segs[:-2])
        anc = _ancestors(index, segs[:-2])
        item = param_name(segs[-2])
        methods = index.by_path.get(path, {})
        if method == "GET" and "POST" in methods:
            return Route("singleton", kind_of(segs), item, (*anc, (coll, item)), last)
        if method == "POST" and "GET" in methods:
            return Route("singleton", kind_of(segs), item, (*anc, (coll, item)), last)
        if method == "GET":
            return Route("sub", coll, item, anc, last)
        return Route("action", coll, item, anc, last)
    methods = index.by_path.get(path, {})
    anc = _ancestors(index, segs)
    if method in ("GET", "POST") and {"GET", "POST"} <= set(methods):
        return Route("singleton", kind_of(segs), None, anc, last)
    return Route("compute", "", None, anc, last)


_CACHE: dict[int, tuple[Spec, dict[str, Route]]] = {}


def classify(spec: Spec) -> dict[str, Route]:
    """Every operation id of ``spec`` → its ``Route`` (memoised per spec object).

    ``Spec`` holds dicts, so it is not hashable; the cache is keyed by identity and keeps the
    spec alive (a process loads one or two specs).
    """
    hit = _CACHE.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    index = _Index(spec)
    routes = {op.id: _classify(index, op) for op in spec.operations}
    _CACHE[id(spec)] = (spec, routes)
    return routes


def kinds_with(spec: Spec, *shapes: str) -> frozenset[str]:
    """Store kinds some operation of one of these shapes works on.

    ``kinds_with(spec, "create")`` are the creatable kinds (parents must really exist);
    ``kinds_with(spec, "create", "list", "retrieve")`` the observable ones (others are virtual:
    ``/realtime/calls/{call_id}/hangup`` accepts any call id).
    """
    return frozenset(r.collection for r in classify(spec).values() if r.shape in shapes)
