"""Vector store files and file batches: attach, retrieve and list a file, detach it, its
processing lifecycle; a file batch's lifecycle, its cancel and the list of its files.

Detaching a file and cancelling a batch are ``destructive`` (spec/operations.yaml): those tests
run only with ``--allow destructive``. Files are uploaded by the ``text_file`` fixture and
stores created by ``new_store``, both registered for deletion.
"""

from __future__ import annotations

import pytest
from vs_steps import (
    ATTACH,
    BATCH_FILES,
    CANCEL_BATCH,
    CREATE_BATCH,
    DETACH,
    FILE,
    GET_BATCH,
    GET_FILE,
    LIST_FILES,
    NewStore,
    TextFile,
    accepted,
    attach,
    check,
    create_batch,
    listed_ids,
    observe,
    report,
    store_path,
)

from openai_conformance.checks import assert_error
from openai_conformance.checks.failures import show
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

#: Enough files that a cancel sent right after the create finds the batch still in progress.
CANCEL_FILES = 5


@pytest.mark.requirement("vector_stores/files-attach")
def test_attached_file_is_answered_retrieved_and_listed(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile
) -> None:
    store, _ = new_store(name="attach")
    vs_id = str(store["id"])
    file_id = text_file("attach.txt", "A file attached on its own.")
    attached, exchange = attach(client, vs_id, file_id)
    read = client.request("GET", f"/vector_stores/{vs_id}/files/{file_id}")
    got = accepted(read, GET_FILE)
    ids, listed = listed_ids(client, f"/vector_stores/{vs_id}/files", LIST_FILES)
    want = {"id": file_id, "object": "vector_store.file", "vector_store_id": vs_id}
    report(
        *lc.wrong_fields(
            attached, want, exchange, check_name="vector_stores.file_attach_conformance",
            what="the attach's answer", operation=ATTACH,
        ),
        *lc.wrong_fields(
            got, want, read, check_name="vector_stores.file_attach_conformance",
            what="the retrieved file", operation=GET_FILE,
        ),
        check(
            file_id in ids, "file_attach_conformance", "the attached file is not listed",
            listed, operation=LIST_FILES, pointer="/data", expected=f"an entry {file_id!r}",
            actual=show(ids),
        ),
    )  # fmt: skip


@pytest.mark.requirement("vector_stores/file-delete")
def test_detached_file_is_answered_deleted_and_then_gone(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile, oaic_config: RunConfig
) -> None:
    lc.require_allowed(oaic_config, "destructive", "detaching a file from a vector store")
    store, _ = new_store(name="detach")
    vs_id = str(store["id"])
    file_id = text_file("detach.txt", "A file attached, then detached.")
    attach(client, vs_id, file_id)
    path = f"/vector_stores/{vs_id}/files/{file_id}"
    exchange = client.request("DELETE", path)
    answer = accepted(exchange, DETACH)
    ids, listed = listed_ids(client, f"/vector_stores/{vs_id}/files", LIST_FILES)
    want = {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}
    report(
        *lc.wrong_fields(
            answer, want, exchange, check_name="vector_stores.file_deleted_conformance",
            what="the detach's answer", operation=DETACH,
        ),
        check(
            file_id not in ids, "file_deleted_conformance", "the detached file is still listed",
            listed, operation=LIST_FILES, pointer="/data", expected=f"no entry {file_id!r}",
            actual=show(ids),
        ),
    )  # fmt: skip
    assert_error(client.request("GET", path), 404, op=GET_FILE)


@pytest.mark.requirement("vector_stores/file-lifecycle")
def test_attached_text_file_moves_along_its_statuses_to_completed(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile, oaic_config: RunConfig
) -> None:
    store, _ = new_store(name="file-life")
    vs_id = str(store["id"])
    file_id = text_file("file-life.txt", "Plain UTF-8 text that any store can process.")
    attached, _ = attach(client, vs_id, file_id)
    seen = lc.Observed(states=[str(attached.get("status"))], body=attached)
    seen = lc.observe(
        client,
        f"/vector_stores/{vs_id}/files/{file_id}",
        FILE,
        deadline=lc.deadline_s(oaic_config, "vector_stores"),
        fast=lc.is_reference(oaic_config),
        start=seen,
    )
    lc.legal_transitions_conformance(seen.states, FILE, operation=GET_FILE, exchange=seen.exchange)
    lc.reached_conformance(seen, FILE, {"completed"}, operation=GET_FILE)


@pytest.mark.requirement("vector_stores/file-batch-lifecycle")
def test_file_batch_moves_along_its_statuses_to_completed(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile, oaic_config: RunConfig
) -> None:
    store, _ = new_store(name="batch-life")
    vs_id = str(store["id"])
    ids = [text_file(f"batch-{n}.txt", f"Batched file number {n}.") for n in range(2)]
    batch, exchange = create_batch(client, vs_id, ids)
    report(
        *(
            check(
                batch.get(key) == value, "batch_create_conformance",
                f"the created batch has the wrong {key}", exchange, operation=CREATE_BATCH,
                pointer=f"/{key}", expected=repr(value), actual=batch.get(key),
            )
            for key, value in (("object", "vector_store.files_batch"), ("vector_store_id", vs_id))
        )
    )  # fmt: skip
    path = f"/vector_stores/{vs_id}/file_batches/{batch['id']}"
    start = lc.Observed(states=[str(batch.get("status"))], body=batch, exchange=exchange)
    seen = observe(client, oaic_config, path, FILE, start)
    lc.legal_transitions_conformance(seen.states, FILE, operation=GET_BATCH, exchange=seen.exchange)
    lc.reached_conformance(seen, FILE, {"completed"}, operation=GET_BATCH)
    done = (seen.body.get("file_counts") or {}).get("completed")
    report(
        check(
            done == len(ids), "lifecycle_reached_conformance",
            "the completed batch does not count its files completed", seen.exchange,
            operation=GET_BATCH, pointer="/file_counts/completed", expected=str(len(ids)),
            actual=done,
        )
    )  # fmt: skip


@pytest.mark.requirement("vector_stores/file-batch-cancel")
def test_cancel_moves_in_progress_file_batch_to_cancelled(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile, oaic_config: RunConfig
) -> None:
    lc.require_allowed(oaic_config, "destructive", "cancelling a file batch")
    store, _ = new_store(name="cancel")
    vs_id = str(store["id"])
    ids = [text_file(f"cancel-{n}.txt", f"File {n} of the batch.") for n in range(CANCEL_FILES)]
    batch, _ = create_batch(client, vs_id, ids)
    if batch.get("status") != "in_progress":
        raise Disabled(f"the batch was {batch.get('status')!r} at once: nothing left to cancel")
    path = f"/vector_stores/{vs_id}/file_batches/{batch['id']}"
    exchange = client.request("POST", f"{path}/cancel")
    answer = accepted(exchange, CANCEL_BATCH, client=client, parent=store_path(vs_id))
    start = lc.Observed(
        states=["in_progress", str(answer.get("status"))], body=answer, exchange=exchange
    )
    seen = observe(client, oaic_config, path, FILE, start)
    lc.legal_transitions_conformance(seen.states, FILE, operation=GET_BATCH, exchange=seen.exchange)
    if seen.states[-1] != "cancelled":
        report(
            check(
                False, "batch_cancel_conformance", "the cancelled batch never reads cancelled",
                seen.exchange, operation=CANCEL_BATCH, pointer="/status", expected="cancelled",
                actual=seen.states[-1], message=f"timeline: {lc.render_timeline(seen.states)}",
            )
        )  # fmt: skip


@pytest.mark.requirement("vector_stores/file-batch-files")
def test_batch_file_list_holds_exactly_the_batch_files(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile
) -> None:
    store, _ = new_store(name="batch-files")
    vs_id = str(store["id"])
    alone = text_file("alone.txt", "Attached on its own, not in the batch.")
    attach(client, vs_id, alone)
    ids = [text_file(f"in-batch-{n}.txt", f"In the batch: {n}.") for n in range(3)]
    batch, _ = create_batch(client, vs_id, ids)
    path = f"/vector_stores/{vs_id}/file_batches/{batch['id']}/files"
    exchange = client.request("GET", path, params={"limit": 100})
    page = accepted(exchange, BATCH_FILES, client=client, parent=store_path(vs_id))
    rows = [r for r in page.get("data") or [] if isinstance(r, dict)]
    listed = sorted(str(r.get("id")) for r in rows)
    report(
        check(
            listed == sorted(ids), "batch_files_conformance",
            "the batch's file list is not exactly its files", exchange, operation=BATCH_FILES,
            pointer="/data", expected=show(sorted(ids)), actual=show(listed),
        ),
        *(
            check(
                r.get("object") == "vector_store.file" and r.get("vector_store_id") == vs_id,
                "batch_files_conformance", f"entry {n} is not a vector_store.file of the store",
                exchange, operation=BATCH_FILES, pointer=f"/data/{n}",
                expected=f"object vector_store.file, vector_store_id {vs_id!r}",
                actual={"object": r.get("object"), "vector_store_id": r.get("vector_store_id")},
            )
            for n, r in enumerate(rows)
        ),
    )  # fmt: skip
