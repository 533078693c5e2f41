"""Container files: upload (multipart) and copy from a file_id, read the content back byte for
byte, list and retrieve, delete and see it gone.

Files are added to the ``container`` fixture's container and registered for deletion right
after their create; the payload holds bytes a text layer would alter (NUL, CR, high bytes).
"""

from __future__ import annotations

from typing import Any

import pytest
from container_steps import (
    CONTENT,
    CREATE_FILE,
    DELETE_FILE,
    GET_FILE,
    LIST_FILES,
    PAYLOAD,
    check,
    file_ids,
    list_files,
    registered,
    report,
    upload,
)

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.failures import show
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

#: What identifies a container file; a retrieve must answer these as listed.
KEYS = ("id", "object", "container_id", "bytes", "path", "created_at")


def _content(client: ConformanceClient, cid: str, fid: str) -> tuple[bytes, Any]:
    exchange = client.request("GET", f"/containers/{cid}/files/{fid}/content")
    assert_conforms(exchange, CONTENT)
    return bytes(exchange.content), exchange


def _differs(got: bytes, want: bytes) -> str:
    """Where two byte strings first differ, for the failure message."""
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    if at is None:
        return f"{len(got)} bytes, {len(want)} expected"
    return f"{len(got)} bytes; first difference at byte {at}: {got[at]:#04x} != {want[at]:#04x}"


@pytest.mark.requirement("containers/file-upload")
def test_upload_answers_a_container_file_of_the_uploaded_size(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    container: dict[str, Any],
    oaic_config: RunConfig,
) -> None:
    cid = str(container["id"])
    filename = f"{oaic_config.name_prefix}upload.bin"
    obj, exchange = upload(client, cleanup, cid, PAYLOAD, filename)
    path = obj.get("path")
    report(
        *(
            check(
                ok, "file_echo_conformance", title, exchange, operation=CREATE_FILE,
                pointer=pointer, expected=expected, actual=actual,
            )
            for ok, title, pointer, expected, actual in (
                (obj.get("object") == "container.file", "the created object is not a "
                 "container.file", "/object", "'container.file'", obj.get("object")),
                (obj.get("container_id") == cid, "the file does not name its container",
                 "/container_id", repr(cid), obj.get("container_id")),
                (obj.get("bytes") == len(PAYLOAD), "bytes is not the uploaded size", "/bytes",
                 str(len(PAYLOAD)), obj.get("bytes")),
                (isinstance(path, str) and path.endswith(filename),
                 "the file's path does not end with the uploaded filename", "/path",
                 f"a path ending with {filename!r}", path),
            )
        )
    )  # fmt: skip


@pytest.mark.requirement("containers/file-content-roundtrip")
def test_content_answers_exactly_the_uploaded_bytes(
    client: ConformanceClient, cleanup: CleanupRegistry, container: dict[str, Any]
) -> None:
    cid = str(container["id"])
    obj, _ = upload(client, cleanup, cid, PAYLOAD, "roundtrip.bin")
    got, exchange = _content(client, cid, str(obj["id"]))
    report(
        check(
            got == PAYLOAD, "file_content_conformance",
            "the content is not the uploaded bytes", exchange, operation=CONTENT,
            expected=f"{len(PAYLOAD)} bytes, identical", actual=_differs(got, PAYLOAD),
        )
    )  # fmt: skip


@pytest.mark.requirement("containers/file-from-file-id")
def test_file_id_copies_an_uploaded_file_into_the_container(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    container: dict[str, Any],
    oaic_config: RunConfig,
) -> None:
    cid = str(container["id"])
    name = f"{oaic_config.name_prefix}copy.bin"
    source = lc.upload_file(client, cleanup, PAYLOAD, purpose="user_data", filename=name)
    exchange = client.request("POST", f"/containers/{cid}/files", json={"file_id": source["id"]})
    obj, _ = registered(client, cleanup, cid, exchange)
    got, content = _content(client, cid, str(obj["id"]))
    report(
        check(
            obj.get("bytes") == len(PAYLOAD), "file_copy_conformance",
            "the copy's bytes is not the source file's size", exchange, operation=CREATE_FILE,
            pointer="/bytes", expected=str(len(PAYLOAD)), actual=obj.get("bytes"),
        ),
        check(
            got == PAYLOAD, "file_copy_conformance",
            "the copy's content is not the source file's bytes", content, operation=CONTENT,
            expected=f"{len(PAYLOAD)} bytes, identical", actual=_differs(got, PAYLOAD),
        ),
    )  # fmt: skip


@pytest.mark.requirement("containers/files-list")
def test_files_list_shows_each_file_once_and_retrieve_matches(
    client: ConformanceClient, cleanup: CleanupRegistry, container: dict[str, Any]
) -> None:
    cid = str(container["id"])
    made = [str(upload(client, cleanup, cid, PAYLOAD, f"f{n}.bin")[0]["id"]) for n in range(2)]
    page, listed = list_files(client, cid)
    ids = file_ids(page)
    first = next((f for f in page.get("data") or [] if f.get("id") == made[0]), None)
    found = [
        check(
            all(ids.count(i) == 1 for i in made), "files_list_conformance",
            "the container's files are not each listed once", listed, operation=LIST_FILES,
            pointer="/data", expected=f"each of {show(made)} once", actual=show(ids),
        ),
        *(
            check(
                False, "list_envelope_conformance", "the files list envelope is inconsistent",
                listed, operation=LIST_FILES, message=problem,
            )
            for problem in lc.list_envelope_problems(page, last_page=None)
        ),
    ]  # fmt: skip
    if first is not None:
        exchange = client.request("GET", f"/containers/{cid}/files/{made[0]}")
        got = assert_conforms(exchange, GET_FILE)
        found.append(
            check(
                all(got.get(k) == first.get(k) for k in KEYS), "files_list_conformance",
                "the retrieved file differs from the listed one", exchange, operation=GET_FILE,
                pointer="", expected=show({k: first.get(k) for k in KEYS}),
                actual=show({k: got.get(k) for k in KEYS}),
            )
        )  # fmt: skip
    report(*found)


@pytest.mark.requirement("containers/file-delete")
def test_deleted_file_is_404_and_no_longer_listed(
    client: ConformanceClient, cleanup: CleanupRegistry, container: dict[str, Any]
) -> None:
    cid = str(container["id"])
    obj, _ = upload(client, cleanup, cid, PAYLOAD, "deleted.bin")
    fid = str(obj["id"])
    # The contract documents the 200 without a body: only the status and headers are judged.
    assert_conforms(client.request("DELETE", f"/containers/{cid}/files/{fid}"), DELETE_FILE)
    page, listed = list_files(client, cid)
    report(
        check(
            fid not in file_ids(page), "file_deleted_conformance", "the deleted file is still "
            "listed", listed, operation=LIST_FILES, pointer="/data",
            expected=f"no file {fid!r}", actual=show(file_ids(page)),
        )
    )  # fmt: skip
    assert_error(client.request("GET", f"/containers/{cid}/files/{fid}"), 404, op=GET_FILE)
