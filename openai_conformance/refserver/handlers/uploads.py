"""Uploads: create → add parts → complete (or cancel, or expire), yielding a real file.

State machine (``Upload.status``): ``pending`` → ``completed`` | ``cancelled`` | ``expired``.
An upload expires one hour after creation (``expires_at``; OpenAI documents the same hour)
unless completed or cancelled first; expiry is computed from the server clock when read.

- ``POST /uploads``: ``bytes`` (1 byte .. 8 GB), ``filename``, ``mime_type`` (``type/subtype``),
  ``purpose``.
- ``POST /uploads/{id}/parts``: multipart ``data`` (≤ 64 MB) → ``upload.part``; only while
  pending.
- ``POST /uploads/{id}/complete``: ``part_ids`` (each a part of this upload, no repeats) and
  optional ``md5`` (hex digest of the concatenation, verified). The concatenation in
  ``part_ids`` order must be exactly ``bytes`` long. The result is ``completed`` with a nested
  ``file`` whose content is that concatenation.
- ``POST /uploads/{id}/cancel``: pending → cancelled.

Every refusal is a 400 envelope naming the parameter (or 404 for an unknown upload).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ...contract.envelope import invalid, not_found
from ..context import Ctx, handles
from ..faults import declare
from ..store import new_id
from .files import create_file
from .lifecycle import records

KIND = "upload"
UPLOAD_TTL = 3600
MAX_UPLOAD_BYTES = 8 * 1024**3
MAX_PART_BYTES = 64 * 1024**2

WRONG_ORDER = declare(
    "uploads-complete-wrong-order",
    "Completing an upload concatenates parts in the order they were added, not part_ids order.",
    "uploads: completed file equals the parts in part_ids order",
    breaks=["uploads/complete-assembles-in-order", "uploads/complete-with-md5"],
)
ACCEPT_MISMATCH = declare(
    "uploads-accept-bytes-mismatch",
    "Completing an upload succeeds although the parts do not add up to the declared bytes.",
    "uploads: byte count mismatch is a 400",
    breaks=["uploads/bytes-mismatch-rejected"],
)
PARTS_AFTER_CANCEL = declare(
    "uploads-parts-after-cancel",
    "Adding a part to a cancelled upload succeeds.",
    "uploads: a cancelled upload accepts no parts",
    breaks=["uploads/no-parts-after-cancel"],
)
ACCEPT_FOREIGN_PART = declare(
    "uploads-accept-foreign-part",
    "Completing an upload accepts a part id of another upload (and uses its bytes).",
    "uploads/unknown-part-rejected",
    breaks=["uploads/unknown-part-rejected"],
)
COMPLETE_TWICE = declare(
    "uploads-complete-twice",
    "Completing an already completed upload succeeds again (and creates a second file).",
    "uploads: an upload cannot be completed twice",
    breaks=["uploads/complete-once"],
)
CANCEL_IGNORED = declare(
    "uploads-cancel-ignored",
    "POST /uploads/{id}/cancel answers the upload still pending and leaves it pending.",
    "uploads/cancel",
    breaks=["uploads/cancel", "uploads/no-parts-after-cancel"],
)


def _upload(ctx: Ctx) -> dict[str, Any]:
    """The upload object with its status brought up to date (pending past expires_at → expired)."""
    upload_id = ctx.path_params["upload_id"]
    obj = ctx.state.store.get(KIND, upload_id)
    if obj is None:
        raise not_found("upload", upload_id, "upload_id")
    if obj["status"] == "pending" and ctx.now >= obj["expires_at"]:
        obj["status"] = "expired"
    return obj


def _parts(ctx: Ctx, upload_id: str) -> dict[str, bytes]:
    """Part contents by part id, in the order they were added."""
    bucket: dict[str, dict[str, bytes]] = records(ctx.state, KIND)
    return bucket.setdefault(upload_id, {})


def _not_pending(obj: dict[str, Any], action: str) -> Exception:
    return invalid(
        f"Cannot {action} upload {obj['id']}: its status is {obj['status']!r}, not 'pending'.",
        "upload_id",
        code="invalid_upload_state",
    )


@handles("POST /uploads")
async def create(ctx: Ctx) -> dict[str, Any]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    size = body.get("bytes")
    if not isinstance(size, int) or not 1 <= size <= MAX_UPLOAD_BYTES:
        raise invalid(f"'bytes' must be between 1 and {MAX_UPLOAD_BYTES}.", "bytes")
    mime = str(body.get("mime_type", ""))
    kind, _, subtype = mime.partition("/")
    if not kind or not subtype:
        raise invalid(f"Invalid 'mime_type' {mime!r}: expected type/subtype.", "mime_type")
    filename = str(body.get("filename", ""))
    if not filename.strip():
        raise invalid("'filename' must not be empty.", "filename")
    now = ctx.now
    obj: dict[str, Any] = {
        "id": new_id("upload_"),
        "object": "upload",
        "bytes": size,
        "created_at": now,
        "filename": filename,
        "purpose": body["purpose"],
        "status": "pending",
        "expires_at": now + UPLOAD_TTL,
        "file": None,
    }
    return ctx.state.store.put(KIND, obj)


@handles("POST /uploads/{upload_id}/parts")
async def add_part(ctx: Ctx) -> dict[str, Any]:
    obj = _upload(ctx)
    allowed = obj["status"] == "pending" or (
        obj["status"] == "cancelled" and ctx.fault(PARTS_AFTER_CANCEL)
    )
    if not allowed:
        raise _not_pending(obj, "add a part to")
    value = (ctx.body or {}).get("data") if isinstance(ctx.body, dict) else None
    if value is None:
        raise invalid("Missing required parameter: 'data'.", "data")
    if hasattr(value, "read"):
        data = bytes(await value.read())
        await value.close()  # release the spooled temp file even if this request then fails
    else:
        data = str(value).encode()
    if len(data) > MAX_PART_BYTES:
        raise invalid(f"A part may be at most {MAX_PART_BYTES} bytes.", "data")
    part = {
        "id": new_id("part_"),
        "object": "upload.part",
        "created_at": ctx.now,
        "upload_id": obj["id"],
    }
    _parts(ctx, obj["id"])[part["id"]] = data
    return part


@handles("POST /uploads/{upload_id}/complete")
async def complete(ctx: Ctx) -> dict[str, Any]:
    obj = _upload(ctx)
    again = obj["status"] == "completed" and ctx.fault(COMPLETE_TWICE)
    if obj["status"] != "pending" and not again:
        raise _not_pending(obj, "complete")
    body = ctx.body if isinstance(ctx.body, dict) else {}
    part_ids = list(body.get("part_ids") or [])
    parts = _parts(ctx, obj["id"])
    if ctx.fault(ACCEPT_FOREIGN_PART):
        everyone: dict[str, dict[str, bytes]] = records(ctx.state, KIND)
        parts = {k: v for bucket in everyone.values() for k, v in bucket.items()}
    for pid in part_ids:
        if pid not in parts:
            raise invalid(f"Part {pid!r} does not belong to upload {obj['id']}.", "part_ids")
    if len(set(part_ids)) != len(part_ids):
        raise invalid("'part_ids' lists a part more than once.", "part_ids")
    if ctx.fault(WRONG_ORDER):
        chosen = set(part_ids)
        data = b"".join(v for k, v in parts.items() if k in chosen)
    else:
        data = b"".join(parts[pid] for pid in part_ids)
    if len(data) != obj["bytes"] and not ctx.fault(ACCEPT_MISMATCH):
        raise invalid(
            f"The parts add up to {len(data)} bytes, but the upload was created with "
            f"bytes={obj['bytes']}.",
            "part_ids",
            code="bytes_mismatch",
        )
    md5 = body.get("md5")
    if md5 and hashlib.md5(data).hexdigest() != str(md5).lower():
        raise invalid("The md5 checksum does not match the uploaded parts.", "md5")
    file_obj = create_file(
        ctx.state, filename=obj["filename"], purpose=obj["purpose"], data=data, now=ctx.now
    )
    obj["status"] = "completed"
    obj["file"] = file_obj
    return obj


@handles("POST /uploads/{upload_id}/cancel")
async def cancel(ctx: Ctx) -> dict[str, Any]:
    obj = _upload(ctx)
    if obj["status"] != "pending":
        raise _not_pending(obj, "cancel")
    if not ctx.fault(CANCEL_IGNORED):
        obj["status"] = "cancelled"
    return obj
