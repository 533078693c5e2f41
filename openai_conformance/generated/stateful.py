"""The stateful phase: create → retrieve → list → modify → delete → retrieve, per lifecycle.

Driven by the link table (``links.lifecycles``) rather than schemathesis's state machine: each
step has one explicit expectation, the sequence is bounded (six requests per resource) and a
failure names the step. Checks, besides the generic ones on every response:

* ``resource_availability_conformance``: the created object is retrievable (same ``id``) and
  appears in the list (first page, newest first, ``limit=100``);
* ``use_after_free_conformance``: after a successful delete, retrieving the object is a 404
  with the error envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..checks.context import CheckContext
from ..checks.exchange import view
from ..checks.failures import Failure, show
from .cases import fill_path
from .judge import REQUIREMENTS, generic
from .links import Lifecycle
from .pool import ResourcePool, seed_kwargs

Send = Callable[..., Any]


def run_lifecycle(
    lc: Lifecycle,
    pool: ResourcePool,
    ctx: CheckContext,
    *,
    can_delete: bool = True,
) -> list[Failure]:
    """All failures of one lifecycle sequence (empty: the resource behaves)."""
    spec = ctx.spec
    failures: list[Failure] = []
    parents = pool.path_ids(lc.item_path.rsplit("/", 1)[0]) if lc.parents else {}
    if parents is None:
        raise LookupError(f"could not create the parents of {lc.item_path}")
    ids = pool.create(lc, parents)  # CreateFailed propagates: the caller reports it
    ident = ids[lc.id_param]

    def step(role: str, **kwargs: Any) -> Any:
        op = spec.operation(lc.steps[role])
        path = fill_path(op.path, {p: ids[p] for p in op.path_params if p in ids})
        exchange = pool.send(op.method, path, operation=op.id, **kwargs)
        failures.extend(generic(exchange, op, ctx))
        return exchange

    if "retrieve" in lc.steps:
        got = step("retrieve")
        body = view(got).json_or_none()
        if got.status != 200 or not isinstance(body, dict) or body.get("id") != ident:
            failures.append(_availability(lc, got, f"retrieving {ident} right after creating it"))
    if "list" in lc.steps:
        listed = step("list", params={"limit": 100, "order": "desc"})
        body = view(listed).json_or_none()
        rows = body.get("data") if isinstance(body, dict) else None
        if listed.status == 200 and not (
            isinstance(rows, list)
            and any(isinstance(r, dict) and r.get("id") == ident for r in rows)
        ):
            failures.append(_availability(lc, listed, f"listing right after creating {ident}"))
    if "modify" in lc.steps and lc.modify_seed:
        # A modify may replace the metadata or name: it keeps the run id, as the create did
        # (the cleanup and the inventory know the run's objects by it).
        modify = spec.operation(lc.steps["modify"])
        step("modify", **pool.tagged(modify, seed_kwargs(lc.modify_seed, pool.models, pool.ids)))
    if "delete" in lc.steps and can_delete:
        deleted = step("delete")
        if 200 <= deleted.status < 300 and "retrieve" in lc.steps:
            again = step("retrieve")
            if again.status != 404:
                failures.append(
                    Failure(
                        title=f"deleted {lc.resource} object is still retrievable",
                        check="use_after_free_conformance",
                        requirement=REQUIREMENTS["use_after_free_conformance"],
                        operation=lc.steps["retrieve"],
                        message=f"{ident} was deleted with {lc.steps['delete']} "
                        f"({deleted.status}) but retrieving it answered {again.status}",
                        expected="404 with the error envelope",
                        actual=str(again.status),
                    ).with_exchange(again)
                )
    return failures


def _availability(lc: Lifecycle, exchange: Any, what: str) -> Failure:
    v = view(exchange)
    return Failure(
        title=f"created {lc.resource} object is not available",
        check="resource_availability_conformance",
        requirement=REQUIREMENTS["resource_availability_conformance"],
        operation=v.operation_id,
        message=f"{what}: the object created by {lc.create} is missing",
        expected="200 with the created object's id (in data[] for a list)",
        actual=f"{v.status} {show(v.json_or_none())}",
    ).with_exchange(exchange)
