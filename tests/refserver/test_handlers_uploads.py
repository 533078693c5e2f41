"""Uploads handlers: create, parts, ordered completion, cancel, expiry, and each uploads fault."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.server import ReferenceServer

VALIDATOR = SchemaValidator(load_spec())
PARTS = [b"alpha-", b"bravo-", b"charlie"]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        ReferenceServer(clock_speed=1000, allow_fault_header=True) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as c,
    ):
        yield c


def h(fault: str) -> dict[str, str]:
    return {"x-oaic-fault": fault} if fault else {}


def create(c: httpx.Client, size: int = sum(map(len, PARTS))) -> dict:
    body = {"bytes": size, "filename": "d.txt", "mime_type": "text/plain", "purpose": "assistants"}
    r = c.post("/uploads", json=body)
    assert r.status_code == 200, r.text
    assert VALIDATOR.validate(r.json(), "Upload") == []
    return r.json()


def add_parts(c: httpx.Client, upload_id: str, parts: list[bytes]) -> list[str]:
    ids = []
    for data in parts:
        r = c.post(f"/uploads/{upload_id}/parts", files={"data": ("blob", data)})
        assert r.status_code == 200, r.text
        assert VALIDATOR.validate(r.json(), "UploadPart") == []
        ids.append(r.json()["id"])
    return ids


def test_complete_concatenates_in_part_ids_order(client: httpx.Client) -> None:
    up = create(client)
    assert up["status"] == "pending" and up["expires_at"] > up["created_at"]
    # Parts are added out of order and completed in the intended order.
    ids = add_parts(client, up["id"], [PARTS[2], PARTS[0], PARTS[1]])
    order = [ids[1], ids[2], ids[0]]
    md5 = hashlib.md5(b"".join(PARTS)).hexdigest()
    r = client.post(f"/uploads/{up['id']}/complete", json={"part_ids": order, "md5": md5})
    assert r.status_code == 200, r.text
    done = r.json()
    assert VALIDATOR.validate(done, "Upload") == []
    assert done["status"] == "completed" and done["file"]["bytes"] == up["bytes"]
    assert client.get(f"/files/{done['file']['id']}/content").content == b"".join(PARTS)
    again = client.post(f"/uploads/{up['id']}/complete", json={"part_ids": order})
    assert again.status_code == 400


def test_wrong_order_fault_concatenates_in_upload_order(client: httpx.Client) -> None:
    up = create(client)
    ids = add_parts(client, up["id"], [PARTS[2], PARTS[0], PARTS[1]])
    r = client.post(
        f"/uploads/{up['id']}/complete",
        json={"part_ids": [ids[1], ids[2], ids[0]]},
        headers=h("uploads-complete-wrong-order"),
    )
    content = client.get(f"/files/{r.json()['file']['id']}/content").content
    assert content != b"".join(PARTS)


@pytest.mark.parametrize(
    ("size", "extra", "param"),
    [
        (5, {}, "part_ids"),
        (None, {"md5": "0" * 32}, "md5"),
        (None, {"part_ids": ["part_nope"]}, "part_ids"),
    ],
)
def test_bad_completion_is_400_envelope(
    client: httpx.Client, size: int | None, extra: dict, param: str
) -> None:
    up = create(client, size) if size else create(client)
    ids = add_parts(client, up["id"], PARTS)
    r = client.post(f"/uploads/{up['id']}/complete", json={"part_ids": ids, **extra})
    assert r.status_code == 400 and VALIDATOR.validate(r.json(), "ErrorResponse") == []
    assert r.json()["error"]["param"] == param


def test_bytes_mismatch_fault_completes_anyway(client: httpx.Client) -> None:
    up = create(client, 5)
    ids = add_parts(client, up["id"], PARTS)
    r = client.post(
        f"/uploads/{up['id']}/complete",
        json={"part_ids": ids},
        headers=h("uploads-accept-bytes-mismatch"),
    )
    assert r.status_code == 200


def test_cancel_blocks_parts_and_completion(client: httpx.Client) -> None:
    up = create(client)
    r = client.post(f"/uploads/{up['id']}/cancel")
    assert r.json()["status"] == "cancelled" and VALIDATOR.validate(r.json(), "Upload") == []
    assert client.post(f"/uploads/{up['id']}/parts", files={"data": ("b", b"x")}).status_code == 400
    assert client.post(f"/uploads/{up['id']}/complete", json={"part_ids": []}).status_code == 400
    faulty = client.post(
        f"/uploads/{up['id']}/parts",
        files={"data": ("b", b"x")},
        headers=h("uploads-parts-after-cancel"),
    )
    assert faulty.status_code == 200


def test_complete_twice_fault_completes_again(client: httpx.Client) -> None:
    up = create(client)
    ids = add_parts(client, up["id"], PARTS)
    client.post(f"/uploads/{up['id']}/complete", json={"part_ids": ids})
    r = client.post(
        f"/uploads/{up['id']}/complete", json={"part_ids": ids}, headers=h("uploads-complete-twice")
    )
    assert r.status_code == 200


def test_pending_upload_expires_after_expires_at(client: httpx.Client) -> None:
    up = create(client)
    client.post("/__oaic/clock", json={"advance": 3700})
    r = client.post(f"/uploads/{up['id']}/parts", files={"data": ("b", b"x")})
    assert r.status_code == 400 and "expired" in r.json()["error"]["message"]


def test_unknown_upload_is_404(client: httpx.Client) -> None:
    assert client.post("/uploads/upload_nope/cancel").status_code == 404
