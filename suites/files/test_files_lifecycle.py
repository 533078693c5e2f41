"""Files: upload for each purpose, retrieve, byte-exact content, delete, and gone afterwards.

Every file is registered with the cleanup registry as soon as it exists (``upload_file``), so
a failing assertion never leaves it behind.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

# A 1x1 transparent PNG: the smallest real image for purpose "vision".
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
TEXT = b"Conformance file: the quick brown fox jumps over the lazy dog.\n"

# (purpose, filename, content, content type): one per purpose CreateFileRequest documents.
PURPOSES = [
    ("assistants", "notes.txt", TEXT, "text/plain"),
    (
        "batch",
        "input.jsonl",
        lc.jsonl([lc.chat_batch_line("a", "gpt-4o-mini", "hi")]),
        "application/jsonl",
    ),
    ("fine-tune", "train.jsonl", lc.sft_training_jsonl(), "application/jsonl"),
    ("vision", "pixel.png", PNG_1X1, "image/png"),
    ("user_data", "data.txt", TEXT, "text/plain"),
    (
        "evals",
        "items.jsonl",
        lc.jsonl([{"item": {"input": "hi", "ideal": "hello"}}]),
        "application/jsonl",
    ),
]


def _check_echo(obj: dict[str, Any], purpose: str, filename: str, data: bytes) -> None:
    failures = [
        Failure.of(
            "file_echo_conformance",
            f"the File object does not echo {field}",
            operation="POST /files",
            pointer=f"/{field}",
            expected=repr(want),
            actual=obj.get(field),
        )
        for field, want in (("purpose", purpose), ("bytes", len(data)), ("filename", filename))
        if obj.get(field) != want
    ]
    lc.fail(failures)


@pytest.mark.requirement("files/upload-each-purpose")
@pytest.mark.parametrize(
    ("purpose", "filename", "data", "ctype"), PURPOSES, ids=[p[0] for p in PURPOSES]
)
def test_upload_returns_file_object_for_each_purpose(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    oaic_config: RunConfig,
    purpose: str,
    filename: str,
    data: bytes,
    ctype: str,
) -> None:
    sent = f"{oaic_config.name_prefix}{filename}"  # the run id: leftovers can be found
    obj = lc.upload_file(client, cleanup, data, purpose=purpose, filename=sent, content_type=ctype)
    _check_echo(obj, purpose, sent, data)


@pytest.mark.requirement("files/retrieve-matches-create")
def test_retrieve_returns_the_uploaded_file(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    created = lc.upload_file(
        client, cleanup, TEXT, purpose="user_data", filename=f"{oaic_config.name_prefix}r.txt"
    )
    exchange = client.request("GET", f"/files/{created['id']}")
    got = assert_conforms(exchange, "GET /files/{file_id}")
    stable = ("id", "object", "bytes", "created_at", "filename", "purpose")
    lc.retrieve_matches_create_conformance(
        created, got, exchange, stable, operation="GET /files/{file_id}"
    )


def _download(client: ConformanceClient, file_id: str) -> Any:
    exchange = client.request("GET", f"/files/{file_id}/content")
    assert_conforms(exchange, "GET /files/{file_id}/content")
    return exchange


@pytest.mark.requirement("files/content-byte-exact")
def test_content_download_is_byte_exact(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    # Bytes that survive no accidental re-encoding: every byte value, CRLF, a JSONL line.
    data = bytes(range(256)) * 4 + b"\r\n" + TEXT
    created = lc.upload_file(
        client, cleanup, data, purpose="user_data", filename=f"{oaic_config.name_prefix}bytes.bin"
    )
    exchange = _download(client, created["id"])
    got = bytes(exchange.content)
    if got != data:
        first = next((i for i, (a, b) in enumerate(zip(got, data, strict=False)) if a != b), None)
        lc.fail(
            Failure.of(
                "content_byte_exact_conformance",
                "downloaded content differs from the uploaded bytes",
                operation="GET /files/{file_id}/content",
                expected=f"{len(data)} bytes sha256 {lc.sha256(data)}",
                actual=f"{len(got)} bytes sha256 {lc.sha256(got)}; first diff at byte {first}",
                exchange=exchange,
            )
        )


#: What a file's content may be served as; charset and other parameters are ignored.
SENSIBLE_JSONL_TYPES = (
    "application/jsonl",
    "application/x-jsonlines",
    "application/json",
    "application/x-ndjson",
    "application/octet-stream",
)


@pytest.mark.requirement("files/content-type")
def test_content_download_has_a_sensible_content_type(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    data = lc.sft_training_jsonl()
    created = lc.upload_file(
        client, cleanup, data, purpose="fine-tune", filename=f"{oaic_config.name_prefix}t.jsonl"
    )
    exchange = _download(client, created["id"])
    ctype = (exchange.headers.get("content-type") or "").split(";")[0].strip().lower()
    if not (ctype in SENSIBLE_JSONL_TYPES or ctype.startswith("text/")):
        lc.fail(
            Failure.of(
                "content_type_conformance",
                f"JSONL content served as {ctype or '(no content type)'}",
                operation="GET /files/{file_id}/content",
                expected=" | ".join(SENSIBLE_JSONL_TYPES) + " | text/*",
                actual=ctype or None,
                exchange=exchange,
            )
        )


@pytest.mark.requirement("files/delete")
def test_delete_returns_deleted_true(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    created = lc.upload_file(
        client, cleanup, TEXT, purpose="user_data", filename=f"{oaic_config.name_prefix}d.txt"
    )
    exchange = client.request("DELETE", f"/files/{created['id']}")
    body = assert_conforms(exchange, "DELETE /files/{file_id}")
    if body.get("deleted") is not True or body.get("id") != created["id"]:
        lc.fail(
            Failure.of(
                "delete_conformance",
                "the deletion object does not confirm the deletion of this file",
                operation="DELETE /files/{file_id}",
                pointer="/deleted",
                expected=f"deleted: true, id: {created['id']!r}",
                actual={"id": body.get("id"), "deleted": body.get("deleted")},
                exchange=exchange,
            )
        )


@pytest.mark.requirement("files/deleted-is-gone")
def test_deleted_file_answers_404_for_retrieve_content_and_delete(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    created = lc.upload_file(
        client, cleanup, TEXT, purpose="user_data", filename=f"{oaic_config.name_prefix}g.txt"
    )
    file_id = created["id"]
    assert_conforms(client.request("DELETE", f"/files/{file_id}"), "DELETE /files/{file_id}")
    for method, path, op in (
        ("GET", f"/files/{file_id}", "GET /files/{file_id}"),
        ("GET", f"/files/{file_id}/content", "GET /files/{file_id}/content"),
        ("DELETE", f"/files/{file_id}", "DELETE /files/{file_id}"),
    ):
        assert_error(client.request(method, path), status=404, op=op)
