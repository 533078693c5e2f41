"""Vector stores: create, list, retrieve, modify, delete and search (state in ``_vstore``).

A store created with ``file_ids`` attaches them and is ``in_progress`` until they are
processed on the server clock (``_vstore.PER_FILE_S`` each, one after another); its
``file_counts`` and ``usage_bytes`` are computed from its files whenever it is read. Search
scores paragraphs of completed files by the share of query words they contain (``_vstore.
search``), honours ``max_num_results`` and ``ranking_options.score_threshold``; attribute
``filters`` are not implemented (every file matches them).

The generic engine faults ``create-not-listed`` and ``delete-does-not-delete`` are honoured
here as for every engine resource (the generated self-tests use vector stores as their
representative). The faults declared below each break one requirement of
spec/requirements/vector_stores.yaml (suites/vector_stores cites them).
"""

from __future__ import annotations

from typing import Any

from ..context import Ctx, handles
from ..engine import CREATE_NOT_LISTED, DELETE_DOES_NOT_DELETE, engine_for
from ..faults import declare
from ..store import new_id
from . import _vstore as vs
from .files import get_file

DAY = 24 * 3600

METADATA_DROPPED = declare(
    "vector-stores-metadata-dropped",
    "POST /vector_stores stores and answers empty metadata instead of the request's",
    "vector_stores.create_echo_conformance",
    breaks=["vector_stores/create-echoes"],
)
RETRIEVE_DRIFTS = declare(
    "vector-stores-retrieve-name-drifts",
    "GET /vector_stores/{id} answers the name with ' (copy)' appended",
    "vector_stores.retrieve_matches_create_conformance",
    breaks=["vector_stores/retrieve-matches-create"],
)
# A store stuck in in_progress would be indistinguishable from a slow one (the deadline makes
# it DISABLED, not FAIL): the lifecycle fault ends in the wrong terminal state instead.
EXPIRES_WHEN_READY = declare(
    "vector-stores-expire-when-ready",
    "A vector store without expires_after reads expired instead of completed once its files "
    "are processed",
    "lifecycle_reached_conformance",
    breaks=["vector_stores/lifecycle"],
)
COUNTS_INCONSISTENT = declare(
    "vector-stores-file-counts-inconsistent",
    "A vector store's file_counts.total is one more than the files it holds",
    "vector_stores.file_counts_conformance",
    breaks=["vector_stores/file-counts"],
)
SEARCH_UNORDERED = declare(
    "vector-stores-search-scores-ascending",
    "POST /vector_stores/{id}/search answers its results worst score first",
    "vector_stores.search_results_conformance",
    breaks=["vector_stores/search"],
)
SEARCH_IGNORES_MAX = declare(
    "vector-stores-search-ignores-max-num-results",
    "POST /vector_stores/{id}/search ignores max_num_results and answers every match",
    "vector_stores.search_max_results_conformance",
    breaks=["vector_stores/search-max-results"],
)
DELETE_KEPT = declare(
    "vector-stores-delete-kept",
    "DELETE /vector_stores/{id} answers deleted: true but the store stays retrievable",
    "vector_stores.deleted_conformance",
    breaks=["vector_stores/delete"],
)
CURSOR_IGNORED = declare(
    "vector-stores-list-cursor-ignored",
    "GET /vector_stores ignores 'after' and answers the first page again",
    "pagination_walk_conformance",
    breaks=["vector_stores/list-pagination"],
)


def _expiry(expires_after: Any, base: int) -> int | None:
    if isinstance(expires_after, dict) and isinstance(expires_after.get("days"), int):
        return base + int(expires_after["days"]) * DAY
    return None


def _view(ctx: Ctx, record: dict[str, Any], now: float) -> dict[str, Any]:
    view = vs.store_view(ctx.state, record, now)
    if (
        ctx.fault(EXPIRES_WHEN_READY)
        and view["status"] == "completed"
        and view["file_counts"]["total"]
    ):
        view["status"] = "expired"
    if ctx.fault(COUNTS_INCONSISTENT):
        view["file_counts"] = {**view["file_counts"], "total": view["file_counts"]["total"] + 1}
    return view


@handles("POST /vector_stores")
async def create(ctx: Ctx) -> dict[str, Any]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    now = ctx.state.clock.now()
    record: dict[str, Any] = {
        "id": new_id("vs_"),
        "object": "vector_store",
        "created_at": int(now),
        "name": str(body.get("name") or ""),
        "metadata": {} if ctx.fault(METADATA_DROPPED) else dict(body.get("metadata") or {}),
        "last_active_at": int(now),
        "expires_after": body.get("expires_after"),
        "expires_at": _expiry(body.get("expires_after"), int(now)),
    }
    if body.get("description") is not None:
        record["description"] = body["description"]
    # Attach before storing: an unknown file id is a 404 and nothing is created.
    for file_id in dict.fromkeys(body.get("file_ids") or ()):
        get_file(ctx.state, file_id, "file_ids")
    ctx.state.store.put(vs.STORES, record)
    for file_id in dict.fromkeys(body.get("file_ids") or ()):
        vs.attach(ctx.state, record["id"], file_id, now=now, chunking=body.get("chunking_strategy"))
    if ctx.fault(CREATE_NOT_LISTED):
        engine_for(ctx).hidden.add(record["id"])
    return _view(ctx, record, now)


@handles("GET /vector_stores")
async def list_stores(ctx: Ctx) -> dict[str, Any]:
    now = ctx.state.clock.now()
    hidden = engine_for(ctx).hidden
    rows = [_view(ctx, r, now) for r in ctx.state.store.all(vs.STORES) if r["id"] not in hidden]
    query = {k: v for k, v in ctx.query.items() if not (k == "after" and ctx.fault(CURSOR_IGNORED))}
    return ctx.state.store.list_page(vs.STORES, query, items=rows)


@handles("GET /vector_stores/{vector_store_id}")
async def retrieve(ctx: Ctx) -> dict[str, Any]:
    record = vs.get_store(ctx.state, ctx.path_params["vector_store_id"])
    view = _view(ctx, record, ctx.state.clock.now())
    if ctx.fault(RETRIEVE_DRIFTS):
        view["name"] = f"{view.get('name')} (copy)"
    return view


@handles("POST /vector_stores/{vector_store_id}")
async def modify(ctx: Ctx) -> dict[str, Any]:
    record = vs.get_store(ctx.state, ctx.path_params["vector_store_id"])
    body = ctx.body if isinstance(ctx.body, dict) else {}
    with ctx.state.lock:
        for key in ("name", "metadata"):
            if body.get(key) is not None:
                record[key] = body[key]
        if "expires_after" in body:
            record["expires_after"] = body["expires_after"]
            record["expires_at"] = _expiry(body["expires_after"], int(ctx.state.clock.now()))
    return _view(ctx, record, ctx.state.clock.now())


@handles("DELETE /vector_stores/{vector_store_id}")
async def delete(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    if not (ctx.fault(DELETE_KEPT) or ctx.fault(DELETE_DOES_NOT_DELETE)):
        for record in vs.store_files(ctx.state, vs_id):
            vs.detach(ctx.state, vs_id, record["id"])
        ctx.state.store.delete_children(vs_id)
        ctx.state.store.delete(vs.STORES, vs_id)
    return {"id": vs_id, "object": "vector_store.deleted", "deleted": True}


@handles("POST /vector_stores/{vector_store_id}/search")
async def search(ctx: Ctx) -> dict[str, Any]:
    vs_id = ctx.path_params["vector_store_id"]
    vs.get_store(ctx.state, vs_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    query = body.get("query")
    queries = [query] if isinstance(query, str) else [str(q) for q in query or ()]
    ranking = body.get("ranking_options") or {}
    threshold = float(ranking.get("score_threshold") or 0.0)
    results = vs.search(ctx.state, vs_id, queries, ctx.state.clock.now(), threshold)
    if not ctx.fault(SEARCH_IGNORES_MAX):
        results = results[: int(body.get("max_num_results") or 10)]
    if ctx.fault(SEARCH_UNORDERED):
        results.reverse()
    return {
        "object": "vector_store.search_results.page",
        "search_query": queries,
        "data": results,
        "has_more": False,
        "next_page": None,
    }
