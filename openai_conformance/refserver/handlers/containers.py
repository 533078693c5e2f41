"""Containers and their files: ``/containers`` CRUD, files uploaded or copied in, content.

A container is ``{id cntr_..., object container, name, created_at, status active (the
value the status description names; its example shows running), expires_after,
last_active_at, memory_limit}``; ``expires_after`` is the request's (anchor
``last_active_at`` and ``minutes``), else the documented default of 20 minutes after the last
activity. Creating or deleting a file is activity (``last_active_at`` moves). Expiry itself is
not simulated: the server clock runs 1000x, so a 20-minute window would close within a test,
and what an expired container answers is not documented.

A container file comes from a multipart ``file`` part or from ``file_id`` (a copy of a file
of the files API: 404 when that file does not exist); its content is kept byte for byte and
served as ``application/octet-stream``. ``path`` is ``/mnt/data/<filename>``, ``source``
``user``. Lists are newest first by default, as documented. ``DELETE`` answers the deletion
object OpenAI sends (``{id, object: container.deleted|container.file.deleted, deleted}``); the
contract documents the 200 without a body.

The faults below each break one requirement of spec/requirements/containers.yaml (the
scenario suite suites/containers cites them).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from ...contract.envelope import invalid, not_found
from ..context import Ctx, handles
from ..faults import declare
from .files import _read_upload, file_bytes, get_file

if TYPE_CHECKING:
    from ..state import ServerState

CONTAINERS, FILES = "container", "container.file"
DEFAULT_EXPIRY = {"anchor": "last_active_at", "minutes": 20}
MAX_FILE_IDS = 20

WRONG_OBJECT = declare(
    "containers-wrong-object",
    'POST /containers answers "object": "object" instead of "container" (issue 14)',
    "containers.create_echo_conformance",
    breaks=["containers/create-echoes"],
)
RETRIEVE_DRIFTS = declare(
    "containers-retrieve-name-drifts",
    "GET /containers/{id} answers a name other than the one the container was created with",
    "containers.retrieve_matches_create_conformance",
    breaks=["containers/retrieve-matches-create"],
)
NOT_LISTED = declare(
    "containers-not-listed",
    "GET /containers never lists containers created with a name",
    "pagination_walk_conformance",
    breaks=["containers/list-contains"],
)
DELETE_KEPT = declare(
    "containers-delete-kept",
    "DELETE /containers/{id} answers 200 but the container stays retrievable",
    "assert_error (a retrieve after the delete is not 404)",
    breaks=["containers/delete"],
)
EXPIRY_DROPPED = declare(
    "containers-expires-after-dropped",
    "POST /containers ignores the requested expires_after and answers the default",
    "containers.expires_after_conformance",
    breaks=["containers/expires-after"],
)
FILE_BYTES_WRONG = declare(
    "container-files-bytes-wrong",
    "POST /containers/{id}/files answers bytes one more than the uploaded size",
    "containers.file_echo_conformance",
    # A copy from file_id is answered the same way: its size is wrong too.
    breaks=["containers/file-upload", "containers/file-from-file-id"],
)
CONTENT_ALTERED = declare(
    "container-files-content-altered",
    "GET /containers/{id}/files/{file_id}/content flips one bit of the stored content",
    "containers.file_content_conformance",
    # A copy's content is served the same way: it differs from the source too.
    breaks=["containers/file-content-roundtrip", "containers/file-from-file-id"],
)
COPY_EMPTY = declare(
    "container-files-copy-empty",
    "POST /containers/{id}/files with file_id creates an empty file instead of a copy",
    "containers.file_copy_conformance",
    breaks=["containers/file-from-file-id"],
)
FILE_NOT_LISTED = declare(
    "container-files-not-listed",
    "GET /containers/{id}/files leaves out the newest file",
    "containers.files_list_conformance",
    breaks=["containers/files-list"],
)
FILE_DELETE_KEPT = declare(
    "container-files-delete-kept",
    "DELETE /containers/{id}/files/{file_id} answers 200 but the file stays retrievable",
    "containers.file_deleted_conformance, assert_error",
    breaks=["containers/file-delete"],
)


def _get(state: ServerState, container_id: str) -> dict[str, Any]:
    found = state.store.get(CONTAINERS, container_id)
    if found is None:
        raise not_found("container", container_id, "container_id")
    return found


def _touch(ctx: Ctx, container: dict[str, Any]) -> None:
    with ctx.state.lock:
        container["last_active_at"] = ctx.now


def _add_file(ctx: Ctx, container: dict[str, Any], data: bytes, filename: str) -> dict[str, Any]:
    name = filename.rsplit("/", 1)[-1] or "upload"
    obj = {
        "id": "cfile_" + secrets.token_hex(16),
        "object": "container.file",
        "container_id": container["id"],
        "created_at": ctx.now,
        "bytes": len(data),
        "path": f"/mnt/data/{name}",
        "source": "user",
    }
    with ctx.state.blobs.lock:
        ctx.state.blobs[obj["id"]] = bytes(data)
    ctx.state.store.put(FILES, obj, container["id"])
    _touch(ctx, container)
    return obj


def _copy(ctx: Ctx, container: dict[str, Any], file_id: str, param: str) -> dict[str, Any]:
    source = get_file(ctx.state, file_id, param)
    data = b"" if ctx.fault(COPY_EMPTY) else file_bytes(ctx.state, file_id)
    return _add_file(ctx, container, data, str(source.get("filename") or file_id))


# ------------------------------------------------------------------------------ containers


@handles("POST /containers")
async def create_container(ctx: Ctx) -> Any:
    body = ctx.body or {}
    file_ids = list(body.get("file_ids") or [])
    if len(file_ids) > MAX_FILE_IDS:
        raise invalid(f"At most {MAX_FILE_IDS} file_ids.", "file_ids")
    for file_id in file_ids:  # every file must exist before anything is created
        get_file(ctx.state, str(file_id), "file_ids")
    expiry = body.get("expires_after")
    container = {
        "id": "cntr_" + secrets.token_hex(24),
        "object": "object" if ctx.fault(WRONG_OBJECT) else "container",
        "name": body.get("name") or "container",
        "created_at": ctx.now,
        "status": "active",
        "expires_after": dict(
            DEFAULT_EXPIRY if ctx.fault(EXPIRY_DROPPED) or not expiry else expiry
        ),
        "last_active_at": ctx.now,
        "memory_limit": body.get("memory_limit") or "1g",
    }
    if isinstance(body.get("network_policy"), dict):
        container["network_policy"] = body["network_policy"]
    ctx.state.store.put(CONTAINERS, container)
    for file_id in file_ids:
        _copy(ctx, container, str(file_id), "file_ids")
    return container


@handles("GET /containers/{container_id}")
async def retrieve_container(ctx: Ctx) -> Any:
    found = _get(ctx.state, ctx.path_params["container_id"])
    if ctx.fault(RETRIEVE_DRIFTS):
        return {**found, "name": found["name"] + " (renamed)"}
    return found


@handles("GET /containers")
async def list_containers(ctx: Ctx) -> Any:
    rows = ctx.state.store.all(CONTAINERS)
    if ctx.fault(NOT_LISTED):
        rows = [r for r in rows if r.get("name") == "container"]
    name = ctx.query.get("name")
    rows = [r for r in rows if not name or r.get("name") == name]
    query = {k: v for k, v in ctx.query.items() if k != "name"}
    return ctx.state.store.list_page(CONTAINERS, query, default_order="desc", items=rows)


@handles("DELETE /containers/{container_id}")
async def delete_container(ctx: Ctx) -> Any:
    container_id = ctx.path_params["container_id"]
    _get(ctx.state, container_id)
    if not ctx.fault(DELETE_KEPT):
        for obj in ctx.state.store.all(FILES, container_id):
            with ctx.state.blobs.lock:
                ctx.state.blobs.pop(obj["id"], None)
        ctx.state.store.delete(CONTAINERS, container_id)
        ctx.state.store.delete_children(container_id)
    return {"id": container_id, "object": "container.deleted", "deleted": True}


# ------------------------------------------------------------------------------ files


@handles("POST /containers/{container_id}/files")
async def create_file(ctx: Ctx) -> Any:
    container = _get(ctx.state, ctx.path_params["container_id"])
    body = ctx.body if isinstance(ctx.body, dict) else {}
    upload = body.get("file")
    if upload is not None and not isinstance(upload, str | int | float):
        data, filename = await _read_upload(upload)
        obj = _add_file(ctx, container, data, filename)
    elif isinstance(body.get("file_id"), str) and body["file_id"]:
        obj = _copy(ctx, container, body["file_id"], "file_id")
    else:
        raise invalid("Provide a multipart 'file' part or a 'file_id'.", "file")
    if ctx.fault(FILE_BYTES_WRONG):
        return {**obj, "bytes": obj["bytes"] + 1}
    return obj


def _get_file(ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any]]:
    container = _get(ctx.state, ctx.path_params["container_id"])
    file_id = ctx.path_params["file_id"]
    found = ctx.state.store.get(FILES, file_id, container["id"])
    if found is None:
        raise not_found("container file", file_id, "file_id")
    return container, found


@handles("GET /containers/{container_id}/files")
async def list_files(ctx: Ctx) -> Any:
    container = _get(ctx.state, ctx.path_params["container_id"])
    rows = ctx.state.store.all(FILES, container["id"])
    if ctx.fault(FILE_NOT_LISTED):
        rows = rows[:-1]
    return ctx.state.store.list_page(FILES, ctx.query, default_order="desc", items=rows)


@handles("GET /containers/{container_id}/files/{file_id}")
async def retrieve_file(ctx: Ctx) -> Any:
    return _get_file(ctx)[1]


@handles("GET /containers/{container_id}/files/{file_id}/content")
async def file_content(ctx: Ctx) -> Response:
    _, found = _get_file(ctx)
    data = ctx.state.blobs.get(found["id"], b"")
    if ctx.fault(CONTENT_ALTERED) and data:
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    return Response(content=data, media_type="application/octet-stream")


@handles("DELETE /containers/{container_id}/files/{file_id}")
async def delete_file(ctx: Ctx) -> Any:
    container, found = _get_file(ctx)
    if not ctx.fault(FILE_DELETE_KEPT):
        ctx.state.store.delete(FILES, found["id"], container["id"])
        with ctx.state.blobs.lock:
            ctx.state.blobs.pop(found["id"], None)
        _touch(ctx, container)
    return {"id": found["id"], "object": "container.file.deleted", "deleted": True}
