"""Checkpoint permissions: which projects may use a fine-tuned checkpoint.

``POST/GET /fine_tuning/checkpoints/{checkpoint}/permissions`` and ``DELETE …/{permission_id}``.
A checkpoint exists when some job's checkpoints (``fine_tuning.checkpoints``) name it; anything
else is a 404 naming ``fine_tuned_model_checkpoint``. Permissions are stored per checkpoint in
creation order; the list answers newest first unless ``order=ascending``.
"""

from __future__ import annotations

from typing import Any

from ...contract.envelope import invalid, not_found
from ..context import Ctx, handles
from ..faults import declare
from ..store import new_id
from .fine_tuning import KIND, checkpoints, runs

PERMISSION_KIND = "checkpoint.permission"

PERMISSION_NOT_LISTED = declare(
    "fine-tuning-permission-not-listed",
    "GET .../permissions leaves out the most recently created checkpoint permission.",
    "fine_tuning/checkpoint-permissions",
    breaks=["fine_tuning/checkpoint-permissions"],
)


def _checkpoint_exists(ctx: Ctx, name: str) -> None:
    now = ctx.state.clock.now()
    job_runs = runs(ctx.state)
    for job in ctx.state.store.all(KIND):
        if any(
            c["fine_tuned_model_checkpoint"] == name
            for c in checkpoints(job, job_runs[job["id"]], now)
        ):
            return
    raise not_found("checkpoint", name, "fine_tuned_model_checkpoint")


@handles("POST /fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions")
async def create_permissions(ctx: Ctx) -> dict[str, Any]:
    name = ctx.path_params["fine_tuned_model_checkpoint"]
    _checkpoint_exists(ctx, name)
    created = []
    for project in (ctx.body or {}).get("project_ids") or []:
        perm = {
            "id": new_id("cp_"),
            "object": "checkpoint.permission",
            "created_at": ctx.now,
            "project_id": project,
        }
        created.append(ctx.state.store.put(PERMISSION_KIND, perm, parent=name))
    if not created:
        raise invalid("'project_ids' must list at least one project.", "project_ids")
    return {
        "object": "list",
        "data": created,
        "first_id": created[0]["id"],
        "last_id": created[-1]["id"],
        "has_more": False,
    }


@handles("GET /fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions")
async def list_permissions(ctx: Ctx) -> dict[str, Any]:
    name = ctx.path_params["fine_tuned_model_checkpoint"]
    _checkpoint_exists(ctx, name)
    rows = ctx.state.store.all(PERMISSION_KIND, parent=name)
    if ctx.fault(PERMISSION_NOT_LISTED):
        rows = rows[:-1]  # the store keeps creation order: drop the newest
    project = ctx.query.get("project_id")
    if project:
        rows = [r for r in rows if r["project_id"] == project]
    query = dict(ctx.query)
    query["order"] = "asc" if query.get("order") == "ascending" else "desc"
    return ctx.state.store.list_page("", query, items=rows, default_limit=10, max_limit=100)


@handles(
    "DELETE /fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions/{permission_id}"
)
async def delete_permission(ctx: Ctx) -> dict[str, Any]:
    name = ctx.path_params["fine_tuned_model_checkpoint"]
    perm_id = ctx.path_params["permission_id"]
    if ctx.state.store.delete(PERMISSION_KIND, perm_id, parent=name) is None:
        raise not_found("checkpoint permission", perm_id, "permission_id")
    return {"id": perm_id, "object": "checkpoint.permission", "deleted": True}
