"""The lifecycle table of the stateful phase, read from the OpenAPI links in the document.

``spec/overlays/links.yaml`` adds ``links`` named ``retrieve``/``list``/``modify``/``delete`` to
the success response of each regular create operation, and an ``x-oaic-seed`` (the minimal
request) to the create and modify operations (and ``x-oaic-seed-variants``, named alternative
seeds, where an operation needs a particular kind of object: a ``fine-tune`` file).
``lifecycles(spec)`` turns those into ``Lifecycle`` records the stateful sequences and the
resource pool are driven by::

    Lifecycle(create="POST /files", item_path="/files/{file_id}", id_param="file_id",
              steps={"retrieve": "GET /files/{file_id}", "list": "GET /files", ...},
              parents=(), seed={...})

Reading links from the document (not a private table) keeps one source of truth that other
OpenAPI tools understand too; driving the sequences ourselves (instead of schemathesis's state
machine) keeps each step's check explicit, bounded and cheap (one create per resource).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..contract import Operation, Spec
from ..errors import SpecError

ROLES = ("retrieve", "list", "modify", "delete")
ID_EXPRESSION = "$response.body#/id"


@dataclass(frozen=True)
class Lifecycle:
    """One regular resource: how to create it and which operations act on what was created."""

    create: str  # operation id, METHOD /path
    item_path: str  # e.g. /threads/{thread_id}/messages/{message_id}
    id_param: str  # path parameter the created object's id fills (message_id)
    parents: tuple[str, ...]  # path parameters the create itself needs (thread_id)
    steps: dict[str, str] = field(default_factory=dict)  # role -> operation id
    # {"json": ...} or {"multipart": {...}, "files": {...}} (x-oaic-seed of the create)
    seed: dict[str, Any] = field(default_factory=dict)
    modify_seed: dict[str, Any] = field(default_factory=dict)
    # x-oaic-seed-variants of the create: other minimal requests by name ("fine-tune": a file
    # with that purpose), for operations that only accept a particular kind of object.
    seed_variants: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def resource(self) -> str:
        return self.item_path.strip("/").split("/")[0]


def lifecycles(spec: Spec) -> tuple[Lifecycle, ...]:
    """Every lifecycle the document's links describe (empty when the overlay is absent)."""
    hit = _memo.get(id(spec))
    if hit is None or hit[0] is not spec:
        hit = _memo[id(spec)] = (spec, _lifecycles(spec))
    return hit[1]


_memo: dict[int, tuple[Spec, tuple[Lifecycle, ...]]] = {}  # Spec is unhashable (dict fields)


def _lifecycles(spec: Spec) -> tuple[Lifecycle, ...]:
    found: list[Lifecycle] = []
    for op in spec.operations:
        raw = spec.pointer(op.pointer)
        for status, response in (raw.get("responses") or {}).items():
            links = spec.resolve(response).get("links") if str(status).startswith("2") else None
            if links:
                found.append(_lifecycle(spec, op, raw, links))
    return tuple(found)


def _lifecycle(spec: Spec, op: Operation, raw: dict[str, Any], links: dict[str, Any]) -> Lifecycle:
    steps: dict[str, str] = {}
    item_path = id_param = None
    for role, link in links.items():
        if role not in ROLES:
            raise SpecError(f"links of {op.id}: unknown link name {role!r}; use one of {ROLES}")
        try:
            target = spec.operation(link["operationId"])
        except KeyError:
            raise SpecError(f"links of {op.id}: no operation {link.get('operationId')!r}") from None
        steps[role] = target.id
        for name, expr in (link.get("parameters") or {}).items():
            if expr == ID_EXPRESSION:
                id_param, item_path = name, target.path
    if item_path is None or id_param is None:
        raise SpecError(f"links of {op.id}: no link passes {ID_EXPRESSION} to an item route")
    modify_seed: dict[str, Any] = {}
    if "modify" in steps:
        modify_seed = spec.pointer(spec.operation(steps["modify"]).pointer).get("x-oaic-seed") or {}
    return Lifecycle(
        create=op.id,
        item_path=item_path,
        id_param=id_param,
        parents=op.path_params,
        steps=steps,
        seed=raw.get("x-oaic-seed") or {},
        modify_seed=modify_seed,
        seed_variants=raw.get("x-oaic-seed-variants") or {},
    )


def lifecycle_for_path(spec: Spec, path: str) -> list[Lifecycle]:
    """The lifecycles whose items a path's parameters name, outermost first.

    ``/threads/{thread_id}/messages/{message_id}/x`` → [threads, thread messages]: the pool
    creates a thread, then a message in it, to fill both parameters.
    """
    segments = path.strip("/").split("/")
    chain = []
    for lc in lifecycles(spec):
        item = lc.item_path.strip("/").split("/")
        if segments[: len(item)] == item:
            chain.append(lc)
    return sorted(chain, key=lambda lc: lc.item_path.count("/"))
