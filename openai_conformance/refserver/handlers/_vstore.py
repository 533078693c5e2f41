"""Vector stores as state: stores, attached files, file batches and their processing clock.

Nothing runs in the background: every status is computed from the server clock when read.

* An attached file is processed for ``PER_FILE_S`` simulated seconds after the file attached
  before it (files of one request queue up, so ``file_counts`` grow while a poller watches);
  it then ends ``completed`` when its bytes are UTF-8 text, ``failed`` otherwise
  (``last_error.code`` ``unsupported_file``). A cancel marks the files still in progress
  ``cancelled`` at that instant.
* A file batch is ``in_progress`` while one of its files is, then ``cancelled`` once cancelled,
  ``failed`` when every file failed, else ``completed``.
* A store is ``in_progress`` while one of its files is, else ``completed``; ``file_counts``
  count its files by status (``total`` is their sum).

Search (``search``) scores each paragraph of each completed file by the share of the query's
words it contains (a number in [0, 1]); a file's best paragraph is its result. Deterministic,
so a test can predict which file a distinctive word finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...contract.envelope import not_found
from .files import KIND as FILE_KIND
from .files import file_bytes, get_file
from .lifecycle import records

if TYPE_CHECKING:
    from ..state import ServerState

STORES = "vector_store"
FILES = "vector_store.file"
BATCHES = "vector_store.file_batch"
PER_FILE_S = 60.0
STATUSES = ("in_progress", "completed", "failed", "cancelled")
#: The documented ``auto`` strategy, as a file reports it once chunked.
AUTO_CHUNKS = {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Processing:
    """Private state of one attached file: when processing ends, how, and any cancel."""

    done_at: float
    outcome: str  # completed | failed
    batch_id: str | None = None
    cancelled_at: float | None = None

    def status(self, now: float) -> str:
        cancelled = self.cancelled_at
        if cancelled is not None and cancelled < self.done_at and now >= cancelled:
            return "cancelled"
        return self.outcome if now >= self.done_at else "in_progress"


def _runs(state: ServerState) -> dict[str, Processing]:
    """Processing of each attached file, by ``"<vector store id>/<file id>"``."""
    return records(state, FILES)


def _key(vs_id: str, file_id: str) -> str:
    return f"{vs_id}/{file_id}"


def get_store(state: ServerState, vs_id: str) -> dict[str, Any]:
    found = state.store.get(STORES, vs_id)
    if found is None:
        raise not_found("vector store", vs_id, "vector_store_id")
    return found


def get_attached(state: ServerState, vs_id: str, file_id: str) -> dict[str, Any]:
    found = state.store.get(FILES, file_id, parent=vs_id)
    if found is None:
        raise not_found("vector store file", file_id, "file_id")
    return found


def get_batch(state: ServerState, vs_id: str, batch_id: str) -> dict[str, Any]:
    found = state.store.get(BATCHES, batch_id, parent=vs_id)
    if found is None:
        raise not_found("vector store file batch", batch_id, "batch_id")
    return found


def queue_end(state: ServerState, vs_id: str, now: float) -> float:
    """When the store's processing queue is free (files are processed one after another)."""
    ends = [run.done_at for key, run in _runs(state).items() if key.startswith(vs_id + "/")]
    return max([now, *ends])


def attach(
    state: ServerState,
    vs_id: str,
    file_id: str,
    *,
    now: float,
    attributes: Any = None,
    chunking: Any = None,
    batch_id: str | None = None,
) -> dict[str, Any]:
    """Attach an uploaded file (404 for an unknown one) and queue its processing."""
    file_obj = get_file(state, file_id, "file_id")
    data = file_bytes(state, file_id)
    try:
        ok = bool(data.decode("utf-8").strip())
    except UnicodeDecodeError:
        ok = False
    run = Processing(queue_end(state, vs_id, now) + PER_FILE_S, "completed" if ok else "failed")
    run.batch_id = batch_id
    record = {
        "id": file_obj["id"],
        "object": "vector_store.file",
        "usage_bytes": len(data),
        "created_at": int(now),
        "vector_store_id": vs_id,
        "attributes": attributes if isinstance(attributes, dict) else {},
        "chunking_strategy": _chunking(chunking),
    }
    _runs(state)[_key(vs_id, file_id)] = run
    state.store.put(FILES, record, parent=vs_id)
    return record


def _chunking(requested: Any) -> dict[str, Any]:
    if isinstance(requested, dict) and requested.get("type") == "static":
        return {"type": "static", "static": dict(requested.get("static") or {})}
    return {"type": "static", "static": dict(AUTO_CHUNKS)}


def detach(state: ServerState, vs_id: str, file_id: str) -> None:
    state.store.delete(FILES, file_id, parent=vs_id)
    _runs(state).pop(_key(vs_id, file_id), None)


def file_status(state: ServerState, vs_id: str, file_id: str, now: float) -> str:
    run = _runs(state).get(_key(vs_id, file_id))
    return run.status(now) if run else "completed"


def file_view(state: ServerState, record: dict[str, Any], now: float) -> dict[str, Any]:
    """The VectorStoreFileObject a client sees at ``now``."""
    status = file_status(state, record["vector_store_id"], record["id"], now)
    error = None
    if status == "failed":
        error = {"code": "unsupported_file", "message": "The file is not UTF-8 text."}
    return {**record, "status": status, "last_error": error}


def counts(statuses: list[str]) -> dict[str, int]:
    out = {s: statuses.count(s) for s in STATUSES}
    out["total"] = len(statuses)
    return out


def store_files(state: ServerState, vs_id: str) -> list[dict[str, Any]]:
    return state.store.all(FILES, parent=vs_id)


def store_view(state: ServerState, record: dict[str, Any], now: float) -> dict[str, Any]:
    """The VectorStoreObject at ``now``: status and file_counts from its files."""
    files = store_files(state, record["id"])
    statuses = [file_status(state, record["id"], f["id"], now) for f in files]
    view = dict(record)
    view["file_counts"] = counts(statuses)
    view["usage_bytes"] = sum(int(f.get("usage_bytes") or 0) for f in files)
    view["status"] = "in_progress" if "in_progress" in statuses else "completed"
    expires_at = record.get("expires_at")
    if isinstance(expires_at, int) and now >= expires_at:
        view["status"] = "expired"
    return view


def batch_files(state: ServerState, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The attached-file records of a batch still attached to its store, in batch order."""
    vs_id = record["vector_store_id"]
    found = (state.store.get(FILES, f, parent=vs_id) for f in record["_file_ids"])
    return [f for f in found if f is not None]


def batch_view(state: ServerState, record: dict[str, Any], now: float) -> dict[str, Any]:
    """The VectorStoreFileBatchObject at ``now``."""
    vs_id = record["vector_store_id"]
    statuses = [file_status(state, vs_id, f, now) for f in record["_file_ids"]]
    if "in_progress" in statuses:
        status = "in_progress"
    elif record.get("_cancelled"):
        status = "cancelled"
    elif statuses and all(s == "failed" for s in statuses):
        status = "failed"
    else:
        status = "completed"
    view = {k: v for k, v in record.items() if not k.startswith("_")}
    return {**view, "status": status, "file_counts": counts(statuses)}


def cancel_batch(state: ServerState, record: dict[str, Any], now: float) -> None:
    """Files of the batch still in progress are cancelled now."""
    vs_id = record["vector_store_id"]
    for file_id in record["_file_ids"]:
        run = _runs(state).get(_key(vs_id, file_id))
        if run is not None and run.status(now) == "in_progress":
            run.cancelled_at = now
    record["_cancelled"] = True


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def search(
    state: ServerState, vs_id: str, queries: list[str], now: float, threshold: float
) -> list[dict[str, Any]]:
    """Result items of every completed file with a paragraph matching the query, best first
    (ties in attach order); ``threshold`` drops results scoring below it."""
    wanted = set().union(*(words(q) for q in queries)) if queries else set()
    results = []
    for record in store_files(state, vs_id):
        if file_status(state, vs_id, record["id"], now) != "completed" or not wanted:
            continue
        text = file_bytes(state, record["id"]).decode("utf-8", "replace")
        best, chunk = 0.0, ""
        for para in (p.strip() for p in text.split("\n\n")):
            score = len(words(para) & wanted) / len(wanted) if para else 0.0
            if score > best:
                best, chunk = score, para
        if best > 0 and best >= threshold:
            file_obj = state.store.get(FILE_KIND, record["id"]) or {}
            results.append(
                {
                    "file_id": record["id"],
                    "filename": str(file_obj.get("filename") or record["id"]),
                    "score": round(best, 6),
                    "attributes": record.get("attributes") or {},
                    "content": [{"type": "text", "text": chunk}],
                }
            )
    results.sort(key=lambda r: -r["score"])
    return results
