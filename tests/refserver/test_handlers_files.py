"""Files handlers: upload, list/pagination, content, delete, and each files fault."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.server import ReferenceServer

VALIDATOR = SchemaValidator(load_spec())
JSONL = b'{"custom_id": "a"}\n{"custom_id": "b"}\n'


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        ReferenceServer(clock_speed=1000, allow_fault_header=True) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as c,
    ):
        yield c


def upload(c: httpx.Client, data: bytes, purpose: str, fault: str = "") -> httpx.Response:
    headers = {"x-oaic-fault": fault} if fault else {}
    return c.post(
        "/files", files={"file": ("f.jsonl", data)}, data={"purpose": purpose}, headers=headers
    )


def valid(body: object, schema: str) -> None:
    assert VALIDATOR.validate(body, schema) == []


@pytest.mark.parametrize(
    "purpose", ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]
)
def test_upload_accepts_every_documented_purpose(client: httpx.Client, purpose: str) -> None:
    r = upload(client, JSONL, purpose)
    assert r.status_code == 200, r.text
    valid(r.json(), "OpenAIFile")
    assert r.json()["purpose"] == purpose and r.json()["bytes"] == len(JSONL)


def test_content_is_byte_exact_octet_stream(client: httpx.Client) -> None:
    data = bytes(range(256)) * 3
    fid = upload(client, data, "user_data").json()["id"]
    r = client.get(f"/files/{fid}/content")
    assert r.headers["content-type"] == "application/octet-stream"
    assert hashlib.sha256(r.content).digest() == hashlib.sha256(data).digest()


def test_content_corrupt_fault_changes_one_byte(client: httpx.Client) -> None:
    fid = upload(client, JSONL, "batch").json()["id"]
    got = client.get(
        f"/files/{fid}/content", headers={"x-oaic-fault": "files-content-corrupt"}
    ).content
    assert len(got) == len(JSONL) and sum(a != b for a, b in zip(got, JSONL, strict=True)) == 1


@pytest.mark.parametrize(
    ("data", "purpose", "param"),
    [
        (b"", "user_data", "file"),
        (b"not json\n", "batch", "file"),
        (b"[1]\n", "fine-tune", "file"),
        (b"x", "bogus", "purpose"),
    ],
)
def test_invalid_upload_is_400_naming_param(
    client: httpx.Client, data: bytes, purpose: str, param: str
) -> None:
    r = upload(client, data, purpose)
    assert r.status_code == 400
    valid(r.json(), "ErrorResponse")
    assert r.json()["error"]["param"] == param


def test_missing_file_is_400_naming_file(client: httpx.Client) -> None:
    r = client.post("/files", files={"purpose": (None, "batch")})
    assert r.status_code == 400 and r.json()["error"]["param"] == "file"


def test_accept_invalid_purpose_fault_stores_the_file(client: httpx.Client) -> None:
    assert upload(client, b"x", "bogus", "files-accept-invalid-purpose").status_code == 200


def test_delete_then_everything_is_404(client: httpx.Client) -> None:
    fid = upload(client, JSONL, "batch").json()["id"]
    r = client.delete(f"/files/{fid}")
    valid(r.json(), "DeleteFileResponse")
    assert r.json() == {"id": fid, "object": "file", "deleted": True}
    for resp in (
        client.get(f"/files/{fid}"),
        client.get(f"/files/{fid}/content"),
        client.delete(f"/files/{fid}"),
    ):
        assert resp.status_code == 404
        valid(resp.json(), "ErrorResponse")


def test_delete_does_not_delete_fault_keeps_file(client: httpx.Client) -> None:
    fid = upload(client, JSONL, "batch").json()["id"]
    client.delete(f"/files/{fid}", headers={"x-oaic-fault": "files-delete-does-not-delete"})
    assert client.get(f"/files/{fid}").status_code == 200


def _walk(client: httpx.Client, fault: str = "", limit: int = 2) -> list[str]:
    headers = {"x-oaic-fault": fault} if fault else {}
    seen: list[str] = []
    params: dict[str, object] = {"purpose": "vision", "limit": limit, "order": "asc"}
    for _ in range(10):
        page = client.get("/files", params=params, headers=headers).json()
        valid(page, "ListFilesResponse")
        seen += [f["id"] for f in page["data"]]
        if not page["has_more"]:
            break
        params["after"] = page["last_id"]
    return seen


def test_pagination_walks_every_file_exactly_once_and_faults_break_it(client: httpx.Client) -> None:
    ids = [upload(client, b"img", "vision").json()["id"] for _ in range(5)]
    seen = _walk(client)
    assert seen[-5:] == ids and len(seen) == len(set(seen))
    repeated = _walk(client, "files-pagination-cursor-ignored")
    assert len(repeated) != len(set(repeated))
    assert len(_walk(client, "files-list-has-more-wrong")) == 2
    everything = client.get(
        "/files",
        params={"purpose": "vision"},
        headers={"x-oaic-fault": "files-ignore-purpose-filter"},
    ).json()
    assert {f["purpose"] for f in everything["data"]} != {"vision"}


def test_pagination_continues_after_a_deleted_cursor_file(client: httpx.Client) -> None:
    # Another client deleting the file a walk uses as its cursor must not end the walk (two
    # xdist workers share one server): the next page continues where that file stood.
    ids = [upload(client, b"pdf", "user_data").json()["id"] for _ in range(5)]
    for order, expected in (("desc", ids[::-1]), ("asc", ids)):
        first = client.get(
            "/files", params={"purpose": "user_data", "order": order, "after": expected[0]}
        ).json()
        assert [f["id"] for f in first["data"] if f["id"] in ids][:1] == [expected[1]]
    client.delete(f"/files/{ids[2]}")
    for order, expected in (("desc", [ids[1], ids[0]]), ("asc", [ids[3], ids[4]])):
        resp = client.get(
            "/files",
            params={"purpose": "user_data", "order": order, "limit": 2, "after": ids[2]},
        )
        assert resp.status_code == 200, resp.text
        assert [f["id"] for f in resp.json()["data"]] == expected
        valid(resp.json(), "ListFilesResponse")
    before = client.get(
        "/files", params={"purpose": "user_data", "order": "asc", "before": ids[2]}
    ).json()
    assert [f["id"] for f in before["data"]][-2:] == ids[:2]


def test_cursor_naming_no_file_is_a_400_naming_after(client: httpx.Client) -> None:
    store = client.post("/vector_stores", json={})
    assert store.status_code == 200, store.text
    for cursor in ("file-nope", store.json()["id"]):  # never a file / an object of another list
        resp = client.get("/files", params={"after": cursor})
        assert resp.status_code == 400 and resp.json()["error"]["param"] == "after"


def test_empty_list_validates_with_null_cursors(client: httpx.Client) -> None:
    page = client.get("/files", params={"purpose": "assistants_output"}).json()
    assert page["data"] == [] and page["first_id"] is None
    valid(page, "ListFilesResponse")
