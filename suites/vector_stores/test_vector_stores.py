"""Vector stores: create and retrieve, the status lifecycle, file_counts, search, delete and
list pagination.

Every store is created by the ``new_store`` fixture (or ``searchable``): tagged with the run
id and registered for deletion before anything can fail. Deleting a store is ``destructive``
(spec/operations.yaml): the delete test runs only with ``--allow destructive``; the cleanup
deletes what the run created whatever ``--allow`` says.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from vs_steps import (
    CREATE,
    DELETE,
    GET_BATCH,
    LIST,
    QUERY,
    RETRIEVE,
    SEARCH,
    STORE,
    NewStore,
    Searchable,
    TextFile,
    accepted,
    check,
    counts_problems,
    create_batch,
    report,
    store_path,
    wait_processed,
)

from openai_conformance.checks import assert_error
from openai_conformance.checks.failures import show
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

#: Fields a retrieve must answer exactly as the create did.
STABLE = ("id", "object", "created_at", "name", "metadata")


@pytest.mark.requirement("vector_stores/create-echoes")
def test_create_returns_a_vector_store_with_the_request_name_and_metadata(
    new_store: NewStore, oaic_config: RunConfig
) -> None:
    store, exchange = new_store(name="echo", metadata={"step": "created"})
    want = {
        "object": "vector_store",
        "name": f"{oaic_config.name_prefix}echo",
        "metadata": oaic_config.tag({"suite": "vector_stores", "step": "created"}),
    }
    report(
        *(
            check(
                store.get(key) == value, "create_echo_conformance",
                f"the created vector store has the wrong {key}", exchange, operation=CREATE,
                pointer=f"/{key}", expected=show(value), actual=store.get(key),
            )
            for key, value in want.items()
        ),
        check(
            store.get("status") in STORE.initial, "create_echo_conformance",
            "a new vector store is in no initial state", exchange, operation=CREATE,
            pointer="/status", expected="|".join(sorted(STORE.initial)),
            actual=store.get("status"),
        ),
    )  # fmt: skip


@pytest.mark.requirement("vector_stores/retrieve-matches-create")
def test_retrieve_returns_the_created_vector_store(
    client: ConformanceClient, new_store: NewStore
) -> None:
    created, _ = new_store(name="retrieve")
    exchange = client.request("GET", f"/vector_stores/{created['id']}")
    got = accepted(exchange, RETRIEVE)
    lc.retrieve_matches_create_conformance(
        created, got, exchange, STABLE, operation=RETRIEVE,
        check_name="vector_stores.retrieve_matches_create_conformance",
    )  # fmt: skip


@pytest.mark.requirement("vector_stores/lifecycle")
def test_store_with_files_moves_along_its_statuses_to_completed(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile, oaic_config: RunConfig
) -> None:
    ids = [text_file(f"life-{n}.txt", f"Lifecycle file number {n}.") for n in range(2)]
    store, _ = new_store(ids, name="lifecycle")
    seen = lc.Observed(states=[str(store.get("status"))], body=store)
    seen = lc.observe(
        client,
        f"/vector_stores/{store['id']}",
        STORE,
        deadline=lc.deadline_s(oaic_config, "vector_stores"),
        fast=lc.is_reference(oaic_config),
        start=seen,
    )
    lc.legal_transitions_conformance(seen.states, STORE, operation=RETRIEVE, exchange=seen.exchange)
    lc.reached_conformance(seen, STORE, {"completed"}, operation=RETRIEVE)


@pytest.mark.requirement("vector_stores/file-counts")
def test_file_counts_add_up_to_the_files_attached(
    client: ConformanceClient, new_store: NewStore, text_file: TextFile, oaic_config: RunConfig
) -> None:
    ids = [text_file(f"count-{n}.txt", f"Counted file number {n}.") for n in range(2)]
    store, created = new_store(ids, name="counts")
    vs_id = str(store["id"])
    batch, batched = create_batch(client, vs_id, [text_file("count-b.txt", "Batched file.")])
    # Wait on the store's counts, then read the batch once: its status is another requirement.
    processed, read = wait_processed(client, oaic_config, vs_id, len(ids) + 1)
    batch_read = client.request("GET", f"/vector_stores/{vs_id}/file_batches/{batch['id']}")
    done_batch = accepted(batch_read, GET_BATCH, client=client, parent=store_path(vs_id))
    report(
        *(
            check(
                False, "file_counts_conformance", f"{what}: file_counts do not add up",
                exchange, operation=op, pointer="/file_counts", message=problem,
                actual=body.get("file_counts"),
            )
            for body, n, processed_, exchange, op, what in (
                (store, len(ids), False, created, CREATE, "the created store"),
                (batch, 1, False, batched, "POST .../file_batches", "the created batch"),
                (processed, len(ids) + 1, True, read, RETRIEVE, "the processed store"),
                (done_batch, 1, True, batch_read, GET_BATCH, "the processed batch"),
            )
            for problem in counts_problems(body.get("file_counts"), n, processed=processed_)
        )
    )  # fmt: skip


@pytest.mark.requirement("vector_stores/search")
def test_search_finds_attached_files_best_score_first(
    client: ConformanceClient, searchable: Searchable
) -> None:
    vs_id = searchable.store["id"]
    exchange = client.request("POST", f"/vector_stores/{vs_id}/search", json={"query": QUERY})
    page = accepted(exchange, SEARCH, client=client, parent=store_path(vs_id))
    results = [r for r in page.get("data") or [] if isinstance(r, dict)]
    scores = [r.get("score") for r in results]
    numeric = all(isinstance(s, (int, float)) and 0 <= s <= 1 for s in scores)
    report(
        check(
            bool(results), "search_results_conformance",
            "a search for words an attached file contains found nothing", exchange,
            operation=SEARCH, pointer="/data", expected=f"results for {QUERY!r}", actual=[],
        ),
        *(
            check(
                searchable.files.get(str(r.get("file_id"))) == r.get("filename"),
                "search_results_conformance",
                f"result {n} names no attached file by its id and filename", exchange,
                operation=SEARCH, pointer=f"/data/{n}",
                expected=f"one of {show(searchable.files)}",
                actual={"file_id": r.get("file_id"), "filename": r.get("filename")},
            )
            for n, r in enumerate(results)
        ),
        check(
            numeric and all(a >= b for a, b in pairwise(scores)),
            "search_results_conformance", "result scores are not in [0, 1] best first",
            exchange, operation=SEARCH, pointer="/data", expected="non-increasing scores in [0, 1]",
            actual=show(scores),
        ),
    )  # fmt: skip


@pytest.mark.requirement("vector_stores/search-max-results")
def test_search_answers_at_most_max_num_results(
    client: ConformanceClient, searchable: Searchable
) -> None:
    vs_id = searchable.store["id"]
    body = {"query": QUERY, "max_num_results": 1}
    exchange = client.request("POST", f"/vector_stores/{vs_id}/search", json=body)
    page = accepted(exchange, SEARCH, client=client, parent=store_path(vs_id))
    found = page.get("data") or []
    report(
        check(
            len(found) <= 1, "search_max_results_conformance",
            "the search answers more results than max_num_results", exchange,
            operation=SEARCH, pointer="/data", expected="at most 1 result",
            actual=f"{len(found)} results",
        )
    )  # fmt: skip


@pytest.mark.requirement("vector_stores/delete")
def test_delete_answers_deleted_and_the_store_is_then_404(
    client: ConformanceClient, new_store: NewStore, oaic_config: RunConfig
) -> None:
    lc.require_allowed(oaic_config, "destructive", "deleting a vector store")
    store, _ = new_store(name="delete")
    vs_id = store["id"]
    exchange = client.request("DELETE", f"/vector_stores/{vs_id}")
    answer = accepted(exchange, DELETE)
    want = {"id": vs_id, "object": "vector_store.deleted", "deleted": True}
    report(
        *lc.wrong_fields(
            answer, want, exchange, check_name="vector_stores.deleted_conformance",
            what="the delete's answer", operation=DELETE,
        )
    )  # fmt: skip
    # The cleanup entry stays: its undo counts a 404 as done, and a kept store is removed.
    assert_error(client.request("GET", f"/vector_stores/{vs_id}"), 404, op=RETRIEVE)


@pytest.mark.requirement("vector_stores/list-pagination")
def test_list_pages_visit_each_created_store_once_newest_first(
    client: ConformanceClient, new_store: NewStore
) -> None:
    ids = [str(new_store(name=f"page-{n}")[0]["id"]) for n in range(3)]
    limit = 2
    walk = lc.walk_list(client, "/vector_stores", limit=limit, stop_after=ids, max_pages=6)
    lc.pagination_walk_conformance(walk, ids[::-1], operation=LIST, limit=limit)
