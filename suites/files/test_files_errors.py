"""Files: invalid uploads are rejected with a 400 error envelope naming the parameter."""

from __future__ import annotations

from typing import Any

import pytest

from openai_conformance.checks import assert_error
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

OP = "POST /files"


def _post(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    data: dict[str, Any],
    files: dict[str, Any] | None,
) -> Any:
    exchange = client.request("POST", "/files", data=data, files=files)
    if exchange.status < 300:  # accepted by mistake: still clean it up
        body = exchange.json()
        if isinstance(body, dict) and body.get("id"):
            lc.register_undo(
                cleanup,
                client,
                "file",
                body["id"],
                "DELETE",
                f"/files/{body['id']}",
                "rejected upload",
            )
    return exchange


@pytest.mark.requirement("files/invalid-purpose-rejected")
def test_upload_with_invalid_purpose_is_rejected_naming_purpose(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    exchange = _post(
        client,
        cleanup,
        {"purpose": "not-a-purpose"},
        {"file": (f"{oaic_config.name_prefix}x.txt", b"hello", "text/plain")},
    )
    assert_error(exchange, status=400, param="purpose", op=OP)


@pytest.mark.requirement("files/missing-file-rejected")
def test_upload_without_file_is_rejected_naming_file(
    client: ConformanceClient, cleanup: CleanupRegistry
) -> None:
    # multipart/form-data with only the purpose part (an empty files= would send urlencoded)
    exchange = _post(client, cleanup, {}, {"purpose": (None, b"user_data")})
    assert_error(exchange, status=400, param="file", op=OP)


@pytest.mark.requirement("files/empty-file-rejected")
def test_upload_of_empty_file_is_rejected(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    exchange = _post(
        client,
        cleanup,
        {"purpose": "user_data"},
        {"file": (f"{oaic_config.name_prefix}empty.txt", b"", "text/plain")},
    )
    assert_error(exchange, status=400, op=OP)
