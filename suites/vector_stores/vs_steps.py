"""Vector store steps shared by the tests: text files to attach, a created store (tagged with
the run id, registered for deletion), attaching files, polling a store's files until they are
processed, and reporting what a step found wrong. ``accepted`` (a step that must succeed: 2xx,
UNSUPPORTED when an optional sub-feature's route is absent, FAIL otherwise) is the shared
``scenario.lifecycles.accepted``.

Waiting for processing reads the store's ``file_counts`` (``in_progress`` back to 0), never its
``status``: the store's status is what vector_stores/lifecycle judges, so a store stuck in
``in_progress`` fails that requirement alone and not every test that needs processed files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openai_conformance.checks import assert_conforms
from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import DeadlinePassed
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.scenario.lifecycles import accepted
from openai_conformance.scenario.lifecycles.target import DEADLINE_HINT
from openai_conformance.scenario.polling import PollTimeout, poll
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

FEATURE = "vector_stores"
CREATE = "POST /vector_stores"
LIST = "GET /vector_stores"
RETRIEVE = "GET /vector_stores/{vector_store_id}"
DELETE = "DELETE /vector_stores/{vector_store_id}"
SEARCH = "POST /vector_stores/{vector_store_id}/search"
ATTACH = "POST /vector_stores/{vector_store_id}/files"
LIST_FILES = "GET /vector_stores/{vector_store_id}/files"
GET_FILE = "GET /vector_stores/{vector_store_id}/files/{file_id}"
DETACH = "DELETE /vector_stores/{vector_store_id}/files/{file_id}"
CREATE_BATCH = "POST /vector_stores/{vector_store_id}/file_batches"
GET_BATCH = "GET /vector_stores/{vector_store_id}/file_batches/{batch_id}"
CANCEL_BATCH = "POST /vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel"
BATCH_FILES = "GET /vector_stores/{vector_store_id}/file_batches/{batch_id}/files"
#: The store's documented statuses, and those a file batch and a vector store file share.
STORE = lc.machine("vector_stores")
FILE = lc.machine("vector_stores.file-batches")
COUNT_KEYS = ("in_progress", "completed", "failed", "cancelled")
#: Files the search tests find: the query's words are all in the first paragraph of
#: ``lighthouse.txt``, half of them in ``bakery.txt`` and none in ``glacier.txt``.
CORPUS = {
    "lighthouse.txt": "The lighthouse keeper logs every passing ship.\n\nTides rise twice a day.",
    "bakery.txt": "Bakers knead dough before dawn.\n\nThe lighthouse keeper buys bread there.",
    "glacier.txt": "Glaciers carve valleys slowly over many centuries.",
}
QUERY = "lighthouse keeper logs ship"


@dataclass(frozen=True)
class Searchable:
    store: dict[str, Any]
    files: dict[str, str]  # file id -> filename as uploaded


#: The ``new_store`` fixture: ``(file_ids=(), name=None, metadata=None) -> (store, exchange)``.
NewStore = Callable[..., tuple[dict[str, Any], Any]]
#: The ``text_file`` fixture: ``(name, text) -> file id`` (uploaded, registered for deletion).
TextFile = Callable[[str, str], str]


def upload_text(
    client: ConformanceClient, cleanup: CleanupRegistry, config: RunConfig, name: str, text: str
) -> str:
    """Upload ``text`` as ``<run prefix><name>`` with purpose ``assistants``; its id."""
    made = lc.upload_file(
        client,
        cleanup,
        text.encode("utf-8"),
        purpose="assistants",
        filename=f"{config.name_prefix}{name}",
        content_type="text/plain",
    )
    return str(made["id"])


def create_store(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    config: RunConfig,
    file_ids: Sequence[str] = (),
    name: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], Any]:
    """``POST /vector_stores`` (name with the run prefix, metadata with the run id), checked,
    its deletion registered before anything else can fail."""
    body: dict[str, Any] = {
        "name": f"{config.name_prefix}{name or 'store'}",
        "metadata": config.tag({"suite": FEATURE, **(metadata or {})}),
    }
    if file_ids:
        body["file_ids"] = list(file_ids)
    exchange = client.request("POST", "/vector_stores", json=body)
    store = accepted(exchange, CREATE)
    vs_id = str(store["id"])
    path = f"/vector_stores/{vs_id}"
    lc.register_undo(cleanup, client, "vector_store", vs_id, "DELETE", path, "vector store")
    return dict(store), exchange


def attach(client: ConformanceClient, vs_id: str, file_id: str) -> tuple[dict[str, Any], Any]:
    exchange = client.request("POST", f"/vector_stores/{vs_id}/files", json={"file_id": file_id})
    return accepted(exchange, ATTACH), exchange


def create_batch(
    client: ConformanceClient, vs_id: str, file_ids: Sequence[str]
) -> tuple[dict[str, Any], Any]:
    path = f"/vector_stores/{vs_id}/file_batches"
    exchange = client.request("POST", path, json={"file_ids": list(file_ids)})
    return accepted(exchange, CREATE_BATCH, client=client, parent=store_path(vs_id)), exchange


def store_path(vs_id: str) -> str:
    """The store a file-batch or search route hangs from: the evidence ``accepted`` weighs
    when such a route answers 404 (the store exists: the route is absent, UNSUPPORTED)."""
    return f"/vector_stores/{vs_id}"


def listed_ids(client: ConformanceClient, path: str, operation: str) -> tuple[list[str], Any]:
    """The ids of one page of up to 100 entries (every test store holds fewer)."""
    exchange = client.request("GET", path, params={"limit": 100})
    page = accepted(exchange, operation)
    return [str(item.get("id")) for item in page.get("data") or []], exchange


def observe(
    client: ConformanceClient,
    config: RunConfig,
    path: str,
    machine: lc.StateMachine,
    start: lc.Observed,
) -> lc.Observed:
    """Poll ``GET path`` from what ``start`` saw until ``machine`` says terminal (or the
    feature's lifecycle deadline passes: ``timed_out``)."""
    return lc.observe(
        client,
        path,
        machine,
        deadline=lc.deadline_s(config, FEATURE),
        fast=lc.is_reference(config),
        start=start,
    )


def wait_processed(
    client: ConformanceClient, config: RunConfig, vs_id: str, n: int
) -> tuple[dict[str, Any], Any]:
    """Poll the store until its ``file_counts`` show ``n`` files and none in progress; the
    last (store, exchange). A deadline passed while files are still in progress is
    ``DeadlinePassed`` (DISABLED with the hint), as for every lifecycle."""
    last: dict[str, Any] = {}

    def fetch() -> Any:
        exchange = client.request("GET", f"/vector_stores/{vs_id}")
        last["store"], last["exchange"] = assert_conforms(exchange, RETRIEVE), exchange
        return exchange

    def state_of(body: Any) -> str:
        counts = body.get("file_counts") or {}
        done = counts.get("in_progress") == 0 and (counts.get("total") or 0) >= n
        return "processed" if done else "processing"

    fast = lc.is_reference(config)
    deadline = lc.deadline_s(config, FEATURE)
    try:
        poll(
            fetch,
            state_of,
            until={"processed"},
            deadline_s=deadline,
            interval_s=0.01 if fast else 1.0,
            max_interval_s=0.01 if fast else 10.0,
            recorder=getattr(client, "recorder", None),
        )
    except PollTimeout:
        counts = (last.get("store") or {}).get("file_counts")
        raise DeadlinePassed(
            f"vector store {vs_id} files still processing after {deadline:g} s "
            f"(file_counts {counts})",
            DEADLINE_HINT.format(feature=FEATURE),
        ) from None
    return dict(last["store"]), last["exchange"]


def check(
    ok: bool, check_name: str, title: str, exchange: Any, *, operation: str, **kw: Any
) -> Failure | None:
    """A ``Failure`` of ``vector_stores.<check_name>`` when ``ok`` is false (None otherwise)."""
    if ok:
        return None
    name = check_name if "." in check_name else f"vector_stores.{check_name}"
    return lc.check(False, name, title, exchange, operation=operation, **kw)


report = lc.report


def counts_problems(counts: Any, n: int, *, processed: bool) -> list[str]:
    """What is wrong with ``file_counts`` of ``n`` files (empty when consistent)."""
    if not isinstance(counts, dict):
        return [f"file_counts is {counts!r}"]
    parts = [counts.get(k) for k in COUNT_KEYS]
    if not all(isinstance(p, int) for p in parts) or not isinstance(counts.get("total"), int):
        return [f"file_counts has non-integer members: {counts}"]
    out = []
    if counts["total"] != sum(p for p in parts if isinstance(p, int)):
        out.append(f"total {counts['total']} is not in_progress+completed+failed+cancelled")
    if counts["total"] != n:
        out.append(f"total {counts['total']} is not the {n} files attached")
    if processed and counts["in_progress"] != 0:
        out.append(f"in_progress is {counts['in_progress']} once every file is processed")
    return out
