"""Vector store handlers: files processed on the server clock, file_counts, file batches and
their cancel, deterministic search, delete, and unknown files refused. The clock runs at
1/1000 speed and is advanced by hand, so every state is observed for sure (no timing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from handler_support import assert_valid

from openai_conformance.refserver.handlers._vstore import PER_FILE_S
from openai_conformance.refserver.server import ReferenceServer


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        ReferenceServer(clock_speed=0.001, allow_fault_header=True) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as c,
    ):
        yield c


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


def upload(c: httpx.Client, text: str | bytes, name: str = "f.txt") -> str:
    data = text.encode() if isinstance(text, str) else text
    made = c.post("/files", files={"file": (name, data)}, data={"purpose": "assistants"})
    return str(ok(made)["id"])


def advance(c: httpx.Client, seconds: float) -> None:
    ok(c.post("/__oaic/clock", json={"advance": seconds}))


def test_store_files_are_processed_one_after_another_and_counted(client: httpx.Client) -> None:
    ids = [upload(client, f"text {n}") for n in range(2)]
    store = ok(client.post("/vector_stores", json={"name": "s", "file_ids": ids}))
    assert_valid(store, "VectorStoreObject")
    assert store["status"] == "in_progress"
    assert store["file_counts"] == {
        "in_progress": 2, "completed": 0, "failed": 0, "cancelled": 0, "total": 2
    }  # fmt: skip
    advance(client, PER_FILE_S + 1)
    half = ok(client.get(f"/vector_stores/{store['id']}"))
    assert (half["status"], half["file_counts"]["completed"]) == ("in_progress", 1)
    advance(client, PER_FILE_S)
    done = ok(client.get(f"/vector_stores/{store['id']}"))
    assert (done["status"], done["file_counts"]["completed"]) == ("completed", 2)
    assert done["usage_bytes"] == len("text 0") + len("text 1")


def test_a_file_that_is_not_text_fails_with_last_error(client: httpx.Client) -> None:
    store = ok(client.post("/vector_stores", json={}))["id"]
    file_id = upload(client, b"\xff\xfe\x00binary", "blob.bin")
    attached = ok(client.post(f"/vector_stores/{store}/files", json={"file_id": file_id}))
    assert_valid(attached, "VectorStoreFileObject")
    advance(client, PER_FILE_S + 1)
    got = ok(client.get(f"/vector_stores/{store}/files/{file_id}"))
    assert got["status"] == "failed" and got["last_error"]["code"] == "unsupported_file"


def test_unknown_file_is_404_and_creates_nothing(client: httpx.Client) -> None:
    before = len(ok(client.get("/vector_stores", params={"limit": 100}))["data"])
    resp = client.post("/vector_stores", json={"file_ids": ["file-missing"]})
    assert resp.status_code == 404 and resp.json()["error"]["param"] == "file_ids"
    assert len(ok(client.get("/vector_stores", params={"limit": 100}))["data"]) == before


def test_batch_cancel_cancels_the_files_still_in_progress(client: httpx.Client) -> None:
    store = ok(client.post("/vector_stores", json={}))["id"]
    ids = [upload(client, f"batched {n}") for n in range(3)]
    batch = ok(client.post(f"/vector_stores/{store}/file_batches", json={"file_ids": ids}))
    assert_valid(batch, "VectorStoreFileBatchObject")
    advance(client, PER_FILE_S + 1)  # the first file is done, two are in progress
    path = f"/vector_stores/{store}/file_batches/{batch['id']}"
    cancelled = ok(client.post(f"{path}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["file_counts"] == {
        "in_progress": 0, "completed": 1, "failed": 0, "cancelled": 2, "total": 3
    }  # fmt: skip
    advance(client, 10 * PER_FILE_S)
    assert ok(client.get(path))["status"] == "cancelled"
    again = ok(client.post(f"{path}/cancel"))  # a finished batch is answered as it is
    assert again["status"] == "cancelled"
    listed = ok(client.get(f"{path}/files", params={"filter": "cancelled"}))
    assert sorted(f["id"] for f in listed["data"]) == sorted(ids[1:])


def test_search_scores_paragraphs_and_honours_max_num_results(client: httpx.Client) -> None:
    texts = {"a.txt": "red apple pie\n\nblue sky", "b.txt": "red car", "c.txt": "green"}
    ids = {upload(client, text, name): name for name, text in texts.items()}
    store = ok(client.post("/vector_stores", json={"file_ids": list(ids)}))["id"]
    advance(client, 4 * PER_FILE_S)
    page = ok(client.post(f"/vector_stores/{store}/search", json={"query": "red apple"}))
    assert_valid(page, "VectorStoreSearchResultsPage")
    assert [(ids[r["file_id"]], r["score"]) for r in page["data"]] == [
        ("a.txt", 1.0),
        ("b.txt", 0.5),
    ]
    assert page["data"][0]["content"] == [{"type": "text", "text": "red apple pie"}]
    one = ok(
        client.post(f"/vector_stores/{store}/search", json={"query": "red", "max_num_results": 1})
    )
    assert len(one["data"]) == 1
    high = {"query": "red apple", "ranking_options": {"score_threshold": 0.75}}
    assert len(ok(client.post(f"/vector_stores/{store}/search", json=high))["data"]) == 1


def test_deleting_a_store_removes_it_and_its_files(client: httpx.Client) -> None:
    file_id = upload(client, "kept as a file")
    store = ok(client.post("/vector_stores", json={"file_ids": [file_id]}))["id"]
    assert ok(client.delete(f"/vector_stores/{store}")) == {
        "id": store, "object": "vector_store.deleted", "deleted": True
    }  # fmt: skip
    assert client.get(f"/vector_stores/{store}").status_code == 404
    assert client.get(f"/vector_stores/{store}/files/{file_id}").status_code == 404
    assert client.get(f"/files/{file_id}").status_code == 200  # the upload itself stays
