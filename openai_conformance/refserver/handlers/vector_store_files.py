"""Vector store files and file batches (state and processing clock in ``_vstore``).

``POST /vector_stores/{id}/files`` attaches an uploaded file (404 for an unknown one); it is
``in_progress`` until processed, then ``completed`` (``failed`` for bytes that are not UTF-8
text). A file batch attaches several at once (``file_ids``, or ``files`` with per-file
attributes) and is ``in_progress`` until every file is processed; ``cancel`` cancels the files
still in progress and the batch reads ``cancelled`` (the documented enum has no
``cancelling``); a batch that already finished is answered unchanged. Lists honour
``limit``/``after``/``before``/``order`` and ``filter`` (a status).

The faults below each break one requirement of spec/requirements/vector_stores.yaml.
"""

from __future__ import annotations

from typing import Any

from ...contract.envelope import invalid
from ..context import Ctx, handles
from ..faults import declare
from ..store import new_id
from . import _vstore as vs
from .files import file_bytes, get_file

FILE_NOT_LISTED = declare(
    "vector-stores-attached-file-not-listed",
    "GET /vector_stores/{id}/files leaves out the most recently attached file",
    "vector_stores.file_attach_conformance",
    breaks=["vector_stores/files-attach"],
)
FILE_DELETE_KEPT = declare(
    "vector-stores-file-delete-kept",
    "DELETE /vector_stores/{id}/files/{file_id} answers deleted: true but keeps the file attached",
    "vector_stores.file_deleted_conformance",
    breaks=["vector_stores/file-delete"],
)
FILE_FAILS = declare(
    "vector-stores-text-file-fails",
    "A processed text file reads status failed (last_error server_error) instead of completed",
    "lifecycle_reached_conformance",
    breaks=["vector_stores/file-lifecycle"],
)
# Not "stuck in in_progress": that is indistinguishable from slow (DISABLED at the deadline).
BATCH_FAILS = declare(
    "vector-stores-batch-fails-when-done",
    "A file batch whose files all completed reads status failed",
    "lifecycle_reached_conformance",
    breaks=["vector_stores/file-batch-lifecycle"],
)
CANCEL_IGNORED = declare(
    "vector-stores-batch-cancel-ignored",
    "POST .../file_batches/{id}/cancel answers the batch but cancels nothing",
    "vector_stores.batch_cancel_conformance",
    breaks=["vector_stores/file-batch-cancel"],
)
BATCH_FILES_SHORT = declare(
    "vector-stores-batch-files-missing",
    "GET .../file_batches/{id}/files leaves out the batch's last file",
    "vector_stores.batch_files_conformance",
    breaks=["vector_stores/file-batch-files"],
)


def _file_view(ctx: Ctx, record: dict[str, Any], now: float) -> dict[str, Any]:
    view = vs.file_view(ctx.state, record, now)
    if ctx.fault(FILE_FAILS) and view["status"] == "completed":
        view["status"] = "failed"
        view["last_error"] = {"code": "server_error", "message": "Processing failed."}
    return view


def _page(ctx: Ctx, records: list[dict[str, Any]], kind: str, parent: str) -> dict[str, Any]:
    now = ctx.state.clock.now()
    rows = [_file_view(ctx, r, now) for r in records]
    wanted = ctx.query.get("filter")
    if wanted:
        if wanted not in vs.STATUSES:
            raise invalid(
                f"Invalid 'filter': {wanted!r}; expected one of {', '.join(vs.STATUSES)}.",
                "filter",
            )
        rows = [r for r in rows if r["status"] == wanted]
    return ctx.state.store.list_page(kind, ctx.query, parent, items=rows)


@handles("POST /vector_stores/{vector_store_id}/files")
async def attach(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    now = ctx.state.clock.now()
    record = vs.attach(
        ctx.state,
        vs_id,
        body["file_id"],
        now=now,
        attributes=body.get("attributes"),
        chunking=body.get("chunking_strategy"),
    )
    return _file_view(ctx, record, now)


@handles("GET /vector_stores/{vector_store_id}/files")
async def list_files(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    records = vs.store_files(ctx.state, vs_id)
    if ctx.fault(FILE_NOT_LISTED):
        records = records[:-1]  # the store keeps attach order
    return _page(ctx, records, vs.FILES, vs_id)


@handles("GET /vector_stores/{vector_store_id}/files/{file_id}")
async def retrieve_file(ctx: Ctx) -> dict[str, Any]:
    vs_id, file_id = ctx.path_params["vector_store_id"], ctx.path_params["file_id"]
    vs.get_store(ctx.state, vs_id)
    return _file_view(ctx, vs.get_attached(ctx.state, vs_id, file_id), ctx.state.clock.now())


@handles("POST /vector_stores/{vector_store_id}/files/{file_id}")
async def update_file(ctx: Ctx) -> dict[str, Any]:
    vs_id, file_id = ctx.path_params["vector_store_id"], ctx.path_params["file_id"]
    vs.get_store(ctx.state, vs_id)
    record = vs.get_attached(ctx.state, vs_id, file_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    with ctx.state.lock:
        record["attributes"] = body.get("attributes") or {}
    return _file_view(ctx, record, ctx.state.clock.now())


@handles("DELETE /vector_stores/{vector_store_id}/files/{file_id}")
async def detach(ctx: Ctx) -> dict[str, Any]:
    vs_id, file_id = ctx.path_params["vector_store_id"], ctx.path_params["file_id"]
    vs.get_store(ctx.state, vs_id)
    vs.get_attached(ctx.state, vs_id, file_id)
    if not ctx.fault(FILE_DELETE_KEPT):
        vs.detach(ctx.state, vs_id, file_id)  # the file itself stays (DELETE /files removes it)
    return {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}


@handles("GET /vector_stores/{vector_store_id}/files/{file_id}/content")
async def content(ctx: Ctx) -> dict[str, Any]:
    vs_id, file_id = ctx.path_params["vector_store_id"], ctx.path_params["file_id"]
    vs.get_store(ctx.state, vs_id)
    vs.get_attached(ctx.state, vs_id, file_id)
    text = file_bytes(ctx.state, file_id).decode("utf-8", "replace")
    return {
        "object": "vector_store.file_content.page",
        "data": [{"type": "text", "text": text}],
        "has_more": False,
        "next_page": None,
    }


def _batch_view(ctx: Ctx, record: dict[str, Any]) -> dict[str, Any]:
    view = vs.batch_view(ctx.state, record, ctx.state.clock.now())
    if ctx.fault(BATCH_FAILS) and view["status"] == "completed":
        view["status"] = "failed"
    return view


@handles("POST /vector_stores/{vector_store_id}/file_batches")
async def create_batch(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    entries = [
        {"file_id": f, "attributes": body.get("attributes")} for f in body.get("file_ids") or ()
    ] or [dict(e) for e in body.get("files") or ()]
    for entry in entries:  # every file must exist before any is attached
        get_file(ctx.state, entry["file_id"], "file_ids")
    now = ctx.state.clock.now()
    batch_id = new_id("vsfb_")
    for entry in entries:
        vs.attach(
            ctx.state,
            vs_id,
            entry["file_id"],
            now=now,
            attributes=entry.get("attributes"),
            chunking=entry.get("chunking_strategy") or body.get("chunking_strategy"),
            batch_id=batch_id,
        )
    record = {
        "id": batch_id,
        "object": "vector_store.files_batch",
        "created_at": int(now),
        "vector_store_id": vs_id,
        "_file_ids": list(dict.fromkeys(e["file_id"] for e in entries)),
    }
    ctx.state.store.put(vs.BATCHES, record, parent=vs_id)
    return _batch_view(ctx, record)


@handles("GET /vector_stores/{vector_store_id}/file_batches/{batch_id}")
async def retrieve_batch(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    return _batch_view(ctx, vs.get_batch(ctx.state, vs_id, ctx.path_params["batch_id"]))


@handles("POST /vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel")
async def cancel_batch(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    record = vs.get_batch(ctx.state, vs_id, ctx.path_params["batch_id"])
    now = ctx.state.clock.now()
    # A batch that already finished is answered as it is: the cancel came too late to matter.
    finished = vs.batch_view(ctx.state, record, now)["status"] != "in_progress"
    if not (finished or ctx.fault(CANCEL_IGNORED)):
        with ctx.state.lock:
            vs.cancel_batch(ctx.state, record, now)
    return _batch_view(ctx, record)


@handles("GET /vector_stores/{vector_store_id}/file_batches/{batch_id}/files")
async def list_batch_files(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    record = vs.get_batch(ctx.state, vs_id, ctx.path_params["batch_id"])
    files = vs.batch_files(ctx.state, record)
    if ctx.fault(BATCH_FILES_SHORT):
        files = files[:-1]
    return _page(ctx, files, vs.FILES, vs_id)
