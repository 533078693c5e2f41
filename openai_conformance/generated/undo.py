"""Undo for what a generated request created: find the matching DELETE or cancel in the spec.

``undo_route(spec, op)`` answers, for a create operation (``POST /vector_stores``), the
operation that undoes one created object and the path parameter the new id fills:

* ``DELETE <create path>/{id}`` (deletable resources), else
* ``POST <create path>/{id}/cancel`` (cancellable jobs: batches, fine-tuning jobs, runs).

``register_created(cleanup, client, spec, op, path, exchange)`` registers that undo with the
cleanup registry (``scenario.cleanup.CleanupRegistry``) when ``exchange`` is a 2xx whose body
names an ``id``; the concrete create path (parents already filled in) prefixes the undo path.
Nothing is registered for operations that create nothing undoable (no matching route).
"""

from __future__ import annotations

from typing import Any

from ..checks.exchange import view
from ..contract import Operation, Spec


def _routes(spec: Spec) -> dict[tuple[str, str], Operation]:
    return {(o.method.upper(), o.path): o for o in spec.operations}


def undo_route(spec: Spec, op: Operation) -> tuple[Operation, str] | None:
    """(undo operation, id parameter) for a create operation, or None."""
    if op.method.upper() != "POST":
        return None
    routes = _routes(spec)
    prefix = op.path.rstrip("/") + "/{"
    # sorted: DELETE comes before POST, so a deletable resource is deleted, not cancelled
    for (method, path), undo in sorted(routes.items(), key=lambda kv: kv[0]):
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        param, _, tail = rest.partition("}")
        if not param or "{" in param:
            continue
        if (method == "DELETE" and tail == "") or (method == "POST" and tail == "/cancel"):
            return undo, param
    return None


def register_created(
    cleanup: Any, client: Any, spec: Spec, op: Operation, path: str, exchange: Any
) -> bool:
    """Register the undo of the object ``exchange`` created with ``op`` at ``path``.

    True when an undo was registered; False when the answer is not a 2xx with an ``id`` or
    ``op`` has no matching DELETE/cancel route.
    """
    if cleanup is None or not 200 <= getattr(exchange, "status", 0) < 300:
        return False
    route = undo_route(spec, op)
    if route is None:
        return False
    body = view(exchange).json_or_none()
    ident = body.get("id") if isinstance(body, dict) else None
    if not isinstance(ident, str):
        return False
    return register_undo(cleanup, client, spec, op, path, ident)


def register_undo(
    cleanup: Any, client: Any, spec: Spec, op: Operation, path: str, ident: str
) -> bool:
    """Register the undo of object ``ident`` created with ``op`` at the concrete ``path``."""
    route = undo_route(spec, op)
    if cleanup is None or route is None or not ident or "/" in ident:
        return False
    undo, param = route
    suffix = undo.path[len(op.path.rstrip("/")) :].replace("{" + param + "}", ident)
    target = path.split("?", 1)[0].rstrip("/") + suffix
    cleanup.register(
        op.path.strip("/").split("/")[-1] or "object",
        ident,
        lambda: client.request(undo.method, target, operation=undo.id),
        f"{ident} created by {op.id} (undo: {undo.method.upper()} {target})",
    )
    return True
