"""Container steps shared by the tests: the create body, uploads into a container, listing a
container's files, and reporting what a step found wrong.

Creating a container or a container file is costly (``--allow costly``): the fixtures gate it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.wire.client import ConformanceClient

check, report = lc.check, lc.report  # the tests' names for the shared helpers

CREATE = "POST /containers"
LIST = "GET /containers"
RETRIEVE = "GET /containers/{container_id}"
DELETE = "DELETE /containers/{container_id}"
CREATE_FILE = "POST /containers/{container_id}/files"
LIST_FILES = "GET /containers/{container_id}/files"
GET_FILE = "GET /containers/{container_id}/files/{file_id}"
DELETE_FILE = "DELETE /containers/{container_id}/files/{file_id}"
CONTENT = "GET /containers/{container_id}/files/{file_id}/content"
#: Bytes no text normalisation leaves alone: NUL, CR LF, a lone CR, high bytes, no final newline.
PAYLOAD = b"oaic container file\r\nline two\rNUL:\x00 high:\xff\xfe\x80 end"
#: ``new_container(step, **fields) -> (container, exchange)``.
NewContainer = Callable[..., tuple[dict[str, Any], Any]]


def upload(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    container_id: str,
    data: bytes,
    filename: str,
) -> tuple[dict[str, Any], Any]:
    """``POST /containers/{id}/files`` with a multipart file part; registered for deletion."""
    exchange = client.request(
        "POST",
        f"/containers/{container_id}/files",
        files={"file": (filename, data, "application/octet-stream")},
    )
    return registered(client, cleanup, container_id, exchange)


def registered(
    client: ConformanceClient, cleanup: CleanupRegistry, container_id: str, exchange: Any
) -> tuple[dict[str, Any], Any]:
    """The container file a create answered, its deletion registered first."""
    obj = assert_conforms(exchange, CREATE_FILE)
    fid = str(obj["id"])
    path = f"/containers/{container_id}/files/{fid}"
    lc.register_undo(cleanup, client, "container file", fid, "DELETE", path, "container file")
    return obj, exchange


def list_files(client: ConformanceClient, container_id: str) -> tuple[dict[str, Any], Any]:
    """One page of up to 100 files (every test container holds fewer)."""
    exchange = client.request("GET", f"/containers/{container_id}/files", params={"limit": 100})
    return assert_conforms(exchange, LIST_FILES), exchange


def file_ids(page: dict[str, Any]) -> list[str]:
    return [str(f.get("id")) for f in page.get("data") or [] if isinstance(f, dict)]
