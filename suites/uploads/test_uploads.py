"""Uploads: create → add parts (out of order) → complete in part_ids order, cancel, refusals.

Each upload is registered for cancellation as soon as it exists, and the file a completed
upload yields for deletion, so nothing is left behind when an assertion fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

PARTS = [b"alpha-" * 50, b"bravo-" * 70, b"charlie-" * 30]  # distinct sizes: order shows


def _create(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    config: RunConfig,
    total: int,
    filename: str = "up.jsonl",
) -> tuple[dict[str, Any], Any]:
    """A pending upload of ``total`` bytes named ``oaic-<run>-<filename>`` (the run id, so a
    leftover can be found), registered for cancellation."""
    filename = f"{config.name_prefix}{filename}"
    exchange = client.request(
        "POST",
        "/uploads",
        json={
            "bytes": total,
            "filename": filename,
            "mime_type": "text/plain",
            "purpose": "assistants",
        },
    )
    body = assert_conforms(exchange, "POST /uploads")
    up_id = body["id"]
    lc.register_undo(cleanup, client, "upload", up_id, "POST", f"/uploads/{up_id}/cancel", filename)
    return body, exchange


def _add_part(client: ConformanceClient, upload_id: str, data: bytes) -> Any:
    return client.request(
        "POST",
        f"/uploads/{upload_id}/parts",
        files={"data": ("part", data, "application/octet-stream")},
    )


def _part_id(client: ConformanceClient, upload_id: str, data: bytes) -> str:
    return str(
        assert_conforms(_add_part(client, upload_id, data), "POST /uploads/{upload_id}/parts")["id"]
    )


def _complete(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    upload_id: str,
    part_ids: list[str],
    md5: str | None = None,
) -> Any:
    payload: dict[str, Any] = {"part_ids": part_ids}
    if md5:
        payload["md5"] = md5
    exchange = client.request("POST", f"/uploads/{upload_id}/complete", json=payload)
    body = exchange.json() if exchange.status < 300 else None
    if body is not None:  # completed: nothing to cancel any more (there is no GET /uploads/{id})
        cleanup.discard("upload", upload_id)
    file_id = (body or {}).get("file", {}) or {}
    if isinstance(file_id, dict) and file_id.get("id"):
        lc.register_undo(
            cleanup,
            client,
            "file",
            file_id["id"],
            "DELETE",
            f"/files/{file_id['id']}",
            "upload result",
        )
    return exchange


def _status_failure(op: str, want: str, got: Any, exchange: Any) -> None:
    if got != want:
        lc.fail(
            Failure.of(
                "upload_status_conformance",
                f"upload status is {got!r}, expected {want!r}",
                operation=op,
                pointer="/status",
                expected=repr(want),
                actual=got,
                exchange=exchange,
            )
        )


@pytest.mark.requirement("uploads/create-pending")
def test_create_returns_pending_upload_with_expires_at(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    body, exchange = _create(client, cleanup, oaic_config, 10, "p.txt")
    _status_failure("POST /uploads", "pending", body.get("status"), exchange)
    expires, created = body.get("expires_at"), body.get("created_at")
    problems = []
    if not (isinstance(expires, int) and isinstance(created, int) and expires > created):
        problems.append(("/expires_at", f"an integer after created_at ({created})", expires))
    for field, want in (
        ("bytes", 10),
        ("filename", f"{oaic_config.name_prefix}p.txt"),
        ("purpose", "assistants"),
    ):
        if body.get(field) != want:
            problems.append((f"/{field}", repr(want), body.get(field)))
    lc.fail(
        [
            Failure.of(
                "upload_create_conformance",
                f"created upload has an unexpected {ptr[1:]}",
                operation="POST /uploads",
                pointer=ptr,
                expected=want,
                actual=got,
                exchange=exchange,
            )
            for ptr, want, got in problems
        ]
    )


def _assemble(
    client: ConformanceClient, cleanup: CleanupRegistry, config: RunConfig, md5: bool
) -> tuple[bytes, Any]:
    total = sum(map(len, PARTS))
    body, _ = _create(client, cleanup, config, total)
    # Add the parts out of order (last, first, middle); completion names the intended order.
    ids = {i: _part_id(client, body["id"], PARTS[i]) for i in (2, 0, 1)}
    expected = b"".join(PARTS)
    exchange = _complete(
        client, cleanup, body["id"], [ids[0], ids[1], ids[2]], lc.md5(expected) if md5 else None
    )
    return expected, exchange


@pytest.mark.requirement("uploads/complete-assembles-in-order")
def test_complete_assembles_parts_in_part_ids_order(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    expected, exchange = _assemble(client, cleanup, oaic_config, md5=False)
    body = assert_conforms(exchange, "POST /uploads/{upload_id}/complete")
    op = "POST /uploads/{upload_id}/complete"
    _status_failure(op, "completed", body.get("status"), exchange)
    nested = body.get("file") or {}
    content = client.request("GET", f"/files/{nested.get('id')}/content")
    assert_conforms(content, "GET /files/{file_id}/content")
    got = bytes(content.content)
    if got != expected or nested.get("bytes") != len(expected):
        lc.fail(
            Failure.of(
                "upload_assembly_conformance",
                "the completed file is not the parts concatenated in part_ids order",
                operation=op,
                pointer="/file",
                expected=f"{len(expected)} bytes sha256 {lc.sha256(expected)}",
                actual=f"{len(got)} bytes, sha256 {lc.sha256(got)}",
                exchange=content,
            )
        )


@pytest.mark.requirement("uploads/complete-with-md5")
def test_complete_with_matching_md5_succeeds(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    _, exchange = _assemble(client, cleanup, oaic_config, md5=True)
    body = assert_conforms(exchange, "POST /uploads/{upload_id}/complete")
    _status_failure(
        "POST /uploads/{upload_id}/complete",
        "completed",
        body.get("status"),
        exchange,
    )


@pytest.mark.requirement("uploads/cancel")
def test_cancel_moves_pending_upload_to_cancelled(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    body, _ = _create(client, cleanup, oaic_config, 10)
    exchange = client.request("POST", f"/uploads/{body['id']}/cancel")
    got = assert_conforms(exchange, "POST /uploads/{upload_id}/cancel")
    cleanup.discard("upload", body["id"])
    _status_failure(
        "POST /uploads/{upload_id}/cancel",
        "cancelled",
        got.get("status"),
        exchange,
    )


@pytest.mark.requirement("uploads/no-parts-after-cancel")
def test_add_part_to_cancelled_upload_is_rejected(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    body, _ = _create(client, cleanup, oaic_config, 10)
    assert_conforms(
        client.request("POST", f"/uploads/{body['id']}/cancel"), "POST /uploads/{upload_id}/cancel"
    )
    cleanup.discard("upload", body["id"])
    exchange = _add_part(client, body["id"], b"0123456789")
    assert_error(
        exchange,
        status=(400, 404, 409),
        op="POST /uploads/{upload_id}/parts",
    )


@pytest.mark.requirement("uploads/bytes-mismatch-rejected")
def test_complete_with_byte_count_mismatch_is_rejected(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    body, _ = _create(client, cleanup, oaic_config, 100)
    part = _part_id(client, body["id"], b"only ten b")
    exchange = _complete(client, cleanup, body["id"], [part])
    assert_error(
        exchange,
        status=400,
        op="POST /uploads/{upload_id}/complete",
    )


@pytest.mark.requirement("uploads/unknown-part-rejected")
def test_complete_with_unknown_part_id_is_rejected(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    body, _ = _create(client, cleanup, oaic_config, 10)
    part = _part_id(client, body["id"], b"0123456789")
    other, _ = _create(client, cleanup, oaic_config, 10)
    foreign = _part_id(client, other["id"], b"9876543210")
    exchange = _complete(
        client, cleanup, body["id"], [foreign if foreign != part else "part_unknown"]
    )
    assert_error(
        exchange,
        status=(400, 404),
        op="POST /uploads/{upload_id}/complete",
    )


@pytest.mark.requirement("uploads/complete-once")
def test_completing_an_upload_twice_is_rejected(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    body, _ = _create(client, cleanup, oaic_config, 10)
    part = _part_id(client, body["id"], b"0123456789")
    assert_conforms(
        _complete(client, cleanup, body["id"], [part]), "POST /uploads/{upload_id}/complete"
    )
    again = _complete(client, cleanup, body["id"], [part])
    assert_error(
        again,
        status=(400, 409),
        op="POST /uploads/{upload_id}/complete",
    )
