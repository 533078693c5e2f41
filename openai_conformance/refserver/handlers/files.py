"""Files: multipart upload, list (purpose filter, order, pagination), retrieve, content, delete.

Contract kept here (and broken on demand by the faults declared below):

- ``POST /files`` takes multipart ``file`` + ``purpose`` (+ ``expires_after``). An empty file is
  a 400 naming ``file``; ``batch`` and ``fine-tune`` files must be JSONL (every non-blank line a
  JSON object), else 400 naming ``file``. Files with purpose ``batch`` expire after 30 days by
  default (as ``FileExpirationAfter`` documents); ``expires_after`` overrides that.
- ``GET /files/{id}/content`` returns the stored bytes exactly, as ``application/octet-stream``
  (what OpenAI sends for every purpose; see overlay ``310-file-content-is-bytes``).
- After ``DELETE`` the id is gone: retrieve, content and delete answer the 404 envelope.

Other handler modules create and read files through ``create_file`` / ``get_file`` /
``file_bytes`` (batch output, fine-tune results, completed uploads).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from ...contract.envelope import invalid, not_found
from ..context import Ctx, handles
from ..faults import declare
from ..store import new_id

if TYPE_CHECKING:
    from ..state import ServerState

KIND = "file"
# Purposes a client may upload with (CreateFileRequest) and the server-written ones.
UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
OUTPUT_PURPOSES = ("assistants_output", "batch_output", "fine-tune-results")
JSONL_PURPOSES = ("batch", "fine-tune")
# FileExpirationAfter: "files with purpose=batch expire after 30 days" by default.
BATCH_FILE_TTL = 30 * 24 * 3600
CONTENT_TYPE = "application/octet-stream"

CONTENT_CORRUPT = declare(
    "files-content-corrupt",
    "GET /files/{id}/content changes one byte in the middle of the stored content.",
    "files: content download is byte-exact",
    breaks=["files/content-byte-exact"],
)
DELETE_NOOP = declare(
    "files-delete-does-not-delete",
    "DELETE /files/{id} answers deleted: true but keeps the file retrievable.",
    "files: deleted file answers 404",
    breaks=["files/deleted-is-gone"],
)
IGNORE_PURPOSE = declare(
    "files-ignore-purpose-filter",
    "GET /files ignores the purpose query parameter.",
    "files: list purpose filter",
    breaks=["files/list-purpose-filter"],
)
CURSOR_IGNORED = declare(
    "files-pagination-cursor-ignored",
    "GET /files ignores `after`, so every page is the first page.",
    "files: pagination walks every file exactly once",
    breaks=["files/list-pagination"],
)
HAS_MORE_WRONG = declare(
    "files-list-has-more-wrong",
    "GET /files always answers has_more: false, even when a page is cut by `limit`.",
    "files: has_more is true exactly when more pages exist",
    breaks=["files/list-envelope-consistent"],
)
ACCEPT_BAD_PURPOSE = declare(
    "files-accept-invalid-purpose",
    "POST /files stores a file with an undocumented purpose instead of a 400 naming `purpose`.",
    "files: invalid purpose is a 400 naming param purpose",
    breaks=["files/invalid-purpose-rejected"],
)
ACCEPT_EMPTY = declare(
    "files-accept-empty-file",
    "POST /files stores an empty file instead of answering 400.",
    "files/empty-file-rejected",
    breaks=["files/empty-file-rejected"],
)
ORDER_IGNORED = declare(
    "files-list-order-ignored",
    "GET /files ignores `order` and always lists newest first.",
    "files/list-order",
    breaks=["files/list-order"],
)
RETRIEVE_DIFFERS = declare(
    "files-retrieve-differs",
    "GET /files/{id} answers the file with another filename than the one it was created with.",
    "files/retrieve-matches-create",
    breaks=["files/retrieve-matches-create"],
)
DELETE_UNCONFIRMED = declare(
    "files-delete-not-confirmed",
    "DELETE /files/{id} deletes the file but answers deleted: false.",
    "files/delete",
    breaks=["files/delete"],
)
WRONG_CONTENT_TYPE = declare(
    "files-wrong-content-type",
    "GET /files/{id}/content serves the stored bytes as image/png.",
    "files/content-type",
    breaks=["files/content-type"],
)
# Declared here, where the upload is refused, and honoured by handlers/batches.py as well.
ACCEPT_MALFORMED_JSONL = declare(
    "batches-accept-malformed-jsonl",
    "POST /files accepts a batch file with a line that is not JSON, and a batch on it "
    "skips that line silently and completes.",
    "batches/malformed-jsonl",
    breaks=["batches/malformed-jsonl"],
)


def create_file(
    state: ServerState,
    *,
    filename: str,
    purpose: str,
    data: bytes,
    now: int,
    expires_at: int | None = None,
) -> dict[str, Any]:
    """Store ``data`` as a new file object (``OpenAIFile`` shape) and return the object."""
    obj: dict[str, Any] = {
        "id": new_id("file-"),
        "object": "file",
        "bytes": len(data),
        "created_at": now,
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }
    if expires_at is not None:
        obj["expires_at"] = expires_at
    with state.blobs.lock:
        state.blobs[obj["id"]] = bytes(data)
    state.store.put(KIND, obj)
    return obj


def expired(obj: dict[str, Any], now: int) -> bool:
    expires_at = obj.get("expires_at")
    return isinstance(expires_at, int) and expires_at <= now


def get_file(state: ServerState, file_id: str, param: str | None = None) -> dict[str, Any]:
    """The file object, or the 404 envelope (expired files are gone, as OpenAI deletes them)."""
    obj = state.store.get(KIND, file_id)
    if obj is None or expired(obj, int(state.clock.now())):
        raise not_found("file", file_id, param)
    return obj


def file_bytes(state: ServerState, file_id: str) -> bytes:
    """The stored content of an existing file (call ``get_file`` first for the 404)."""
    return state.blobs.get(file_id, b"")


def jsonl_problem(data: bytes) -> str | None:
    """Why ``data`` is not JSONL of objects (None when it is)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "the file is not UTF-8 text"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            return f"line {number} is not valid JSON ({exc.msg})"
        if not isinstance(value, dict):
            return f"line {number} is not a JSON object"
    return None


async def _read_upload(value: Any) -> tuple[bytes, str]:
    """Bytes and filename of a multipart file field (starlette UploadFile or raw bytes)."""
    if hasattr(value, "read"):
        data = await value.read()
        await value.close()  # release the spooled temp file even if this request then fails
        return bytes(data), str(getattr(value, "filename", None) or "upload")
    if isinstance(value, bytes | bytearray):
        return bytes(value), "upload"
    if isinstance(value, str):  # a form field sent as text, not as a file part
        return value.encode("utf-8"), "upload"
    raise invalid("'file' must be a file part of the multipart body.", "file")


def _expires_after(body: dict[str, Any], purpose: str, now: int) -> int | None:
    raw = body.get("expires_after")
    if isinstance(raw, str):  # multipart sends nested fields as text; accept JSON there
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise invalid("'expires_after' must be an object.", "expires_after") from exc
    if raw is None:
        return now + BATCH_FILE_TTL if purpose == "batch" else None
    if not isinstance(raw, dict) or raw.get("anchor") != "created_at":
        raise invalid("'expires_after.anchor' must be 'created_at'.", "expires_after.anchor")
    seconds = raw.get("seconds")
    if isinstance(seconds, str) and seconds.isdigit():
        seconds = int(seconds)
    if not isinstance(seconds, int) or not 3600 <= seconds <= 2_592_000:
        raise invalid(
            "'expires_after.seconds' must be an integer between 3600 and 2592000.",
            "expires_after.seconds",
        )
    return now + seconds


@handles("POST /files")
async def create(ctx: Ctx) -> dict[str, Any]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    purpose = body.get("purpose")
    if purpose not in UPLOAD_PURPOSES and not ctx.fault(ACCEPT_BAD_PURPOSE):
        raise invalid(
            f"Invalid value for 'purpose': {purpose!r}. Expected one of "
            + ", ".join(repr(p) for p in UPLOAD_PURPOSES)
            + ".",
            "purpose",
        )
    if "file" not in body or body["file"] is None:
        raise invalid("Missing required parameter: 'file'.", "file")
    data, filename = await _read_upload(body["file"])
    if not data and not ctx.fault(ACCEPT_EMPTY):
        raise invalid("The uploaded file is empty.", "file", code="empty_file")
    if purpose in JSONL_PURPOSES and not (purpose == "batch" and ctx.fault(ACCEPT_MALFORMED_JSONL)):
        problem = jsonl_problem(data)
        if problem:
            raise invalid(
                f"Files with purpose {purpose!r} must be JSONL: {problem}.",
                "file",
                code="invalid_file_format",
            )
    now = ctx.now
    return create_file(
        ctx.state,
        filename=filename,
        purpose=str(purpose),
        data=data,
        now=now,
        expires_at=_expires_after(body, str(purpose), now),
    )


# The fault must reach the handler past request validation, which rejects the purpose first.
create.oaic_unvalidated_faults = frozenset({ACCEPT_BAD_PURPOSE})  # type: ignore[attr-defined]


@handles("GET /files")
async def list_files(ctx: Ctx) -> dict[str, Any]:
    now = ctx.now
    rows = [f for f in ctx.state.store.all(KIND) if not expired(f, now)]
    purpose = ctx.query.get("purpose")
    if purpose and not ctx.fault(IGNORE_PURPOSE):
        rows = [f for f in rows if f["purpose"] == purpose]
    query = dict(ctx.query)
    if ctx.fault(CURSOR_IGNORED):
        query.pop("after", None)
    if ctx.fault(ORDER_IGNORED):
        query.pop("order", None)
    page = ctx.state.store.list_page(KIND, query, items=rows, default_limit=10000, max_limit=10000)
    if ctx.fault(HAS_MORE_WRONG):
        page["has_more"] = False
    return page


@handles("GET /files/{file_id}")
async def retrieve(ctx: Ctx) -> dict[str, Any]:
    obj = get_file(ctx.state, ctx.path_params["file_id"])
    if ctx.fault(RETRIEVE_DIFFERS):
        return {**obj, "filename": "renamed-" + obj["filename"]}
    return obj


@handles("DELETE /files/{file_id}")
async def delete(ctx: Ctx) -> dict[str, Any]:
    file_id = ctx.path_params["file_id"]
    get_file(ctx.state, file_id)
    if not ctx.fault(DELETE_NOOP):
        ctx.state.store.delete(KIND, file_id)
        with ctx.state.blobs.lock:
            ctx.state.blobs.pop(file_id, None)
    return {"id": file_id, "object": "file", "deleted": not ctx.fault(DELETE_UNCONFIRMED)}


@handles("GET /files/{file_id}/content")
async def content(ctx: Ctx) -> Response:
    file_id = ctx.path_params["file_id"]
    get_file(ctx.state, file_id)
    data = file_bytes(ctx.state, file_id)
    if ctx.fault(CONTENT_CORRUPT) and data:
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    media_type = "image/png" if ctx.fault(WRONG_CONTENT_TYPE) else CONTENT_TYPE
    return Response(content=data, media_type=media_type)
