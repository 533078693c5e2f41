"""Evals and containers handlers: grading, the clock-driven run lifecycle, cancel, failed
runs, container file bytes and copies, deletion of children with their container."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.handlers._evalgrade import grade
from openai_conformance.refserver.server import ReferenceServer

VALIDATOR = SchemaValidator(load_spec())
CHECK = {"type": "string_check", "name": "same", "input": "{{item.a}}", "reference": "{{item.b}}"}
ROWS = [{"a": "x", "b": "x"}, {"a": "x", "b": "y"}, {"a": "x"}, {"a": "y", "b": "y"}]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # A nearly frozen clock: the tests move it with /__oaic/clock.
    with (
        ReferenceServer(clock_speed=0.001, allow_fault_header=True) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as c,
    ):
        yield c


def advance(c: httpx.Client, seconds: float) -> None:
    assert c.post("/__oaic/clock", json={"advance": seconds}).status_code == 200


@pytest.mark.parametrize(
    ("operation", "given", "reference", "outcome"),
    [
        ("eq", "Paris", "Paris", "passed"),
        ("eq", "Paris", "paris", "failed"),
        ("ne", "a", "b", "passed"),
        ("like", "the Paris area", "Paris", "passed"),
        ("ilike", "the PARIS area", "paris", "passed"),
        ("like", "the PARIS area", "paris", "failed"),
    ],
)
def test_string_check_compares_as_documented(
    operation: str, given: str, reference: str, outcome: str
) -> None:
    grader = {**CHECK, "operation": operation}
    assert grade([grader], {"a": given, "b": reference}, {}).outcome == outcome


def test_a_template_naming_a_missing_field_errors_the_item() -> None:
    result = grade([{**CHECK, "operation": "eq"}], {"a": "x"}, {})
    assert result.outcome == "errored" and "item.b" in result.error


def _eval(c: httpx.Client) -> str:
    body = {
        "name": "e",
        "data_source_config": {"type": "custom", "item_schema": {"type": "object"}},
        "testing_criteria": [{**CHECK, "operation": "eq"}],
    }
    r = c.post("/evals", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _run(c: httpx.Client, eid: str, source: dict) -> dict:
    r = c.post(f"/evals/{eid}/runs", json={"data_source": {"type": "jsonl", "source": source}})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _get(c: httpx.Client, path: str, schema: str) -> dict:
    r = c.get(path)
    assert r.status_code == 200, r.text
    assert VALIDATOR.validate(r.json(), {"$ref": f"#/components/schemas/{schema}"}) == []
    return dict(r.json())


def test_run_grades_items_as_the_clock_passes_and_counts_add_up(client: httpx.Client) -> None:
    eid = _eval(client)
    content = [{"item": row} for row in ROWS]
    run = _run(client, eid, {"type": "file_content", "content": content})
    path = f"/evals/{eid}/runs/{run['id']}"
    assert run["status"] == "queued" and run["result_counts"]["total"] == 0
    advance(client, 120 + 150)  # queued, then half of in_progress: 2 of 4 items graded
    half = _get(client, path, "EvalRun")
    assert half["status"] == "in_progress" and half["result_counts"]["total"] == 2
    advance(client, 150)
    done = _get(client, path, "EvalRun")
    assert done["status"] == "completed"
    assert done["result_counts"] == {"total": 4, "passed": 2, "failed": 1, "errored": 1}
    items = _get(client, f"{path}/output_items", "EvalRunOutputItemList")["data"]
    assert [i["status"] for i in items] == ["pass", "fail", "fail", "pass"]
    assert [i["datasource_item_id"] for i in items] == [0, 1, 2, 3]
    failing = _get(client, f"{path}/output_items?status=fail", "EvalRunOutputItemList")["data"]
    assert [i["datasource_item_id"] for i in failing] == [1, 2]


def test_cancel_keeps_what_was_graded_and_the_run_stays_canceled(client: httpx.Client) -> None:
    eid = _eval(client)
    run = _run(client, eid, {"type": "file_content", "content": [{"item": r} for r in ROWS]})
    path = f"/evals/{eid}/runs/{run['id']}"
    advance(client, 120 + 80)  # one of four graded (every 75 s)
    canceled = client.post(path).json()
    assert canceled["status"] == "canceled" and canceled["result_counts"]["total"] == 1
    advance(client, 1000)
    later = _get(client, path, "EvalRun")
    assert later["status"] == "canceled" and later["result_counts"]["total"] == 1
    assert client.post(path).json()["status"] == "canceled"  # a second cancel changes nothing


def test_a_run_over_an_unknown_file_fails_with_an_error(client: httpx.Client) -> None:
    eid = _eval(client)
    run = _run(client, eid, {"type": "file_id", "id": "file-missing"})
    advance(client, 121)
    failed = _get(client, f"/evals/{eid}/runs/{run['id']}", "EvalRun")
    assert failed["status"] == "failed" and "file-missing" in failed["error"]["message"]


def test_deleting_an_eval_removes_its_runs(client: httpx.Client) -> None:
    eid = _eval(client)
    run = _run(client, eid, {"type": "file_content", "content": []})
    assert client.delete(f"/evals/{eid}").json() == {
        "object": "eval.deleted",
        "deleted": True,
        "eval_id": eid,
    }
    assert client.get(f"/evals/{eid}/runs/{run['id']}").status_code == 404
    listed = client.get("/evals", params={"limit": 100}).json()["data"]
    assert eid not in [e["id"] for e in listed]


def test_container_files_keep_their_bytes_and_copies_read_the_source(
    client: httpx.Client,
) -> None:
    data = b"\x00\xffbytes\r\n"
    source = client.post("/files", files={"file": ("s.bin", data)}, data={"purpose": "user_data"})
    fid = source.json()["id"]
    container = client.post("/containers", json={"name": "c", "file_ids": [fid]}).json()
    cid = container["id"]
    assert container["object"] == "container"
    files = _get(client, f"/containers/{cid}/files", "ContainerFileListResource")["data"]
    assert [f["bytes"] for f in files] == [len(data)] and files[0]["path"] == "/mnt/data/s.bin"
    assert client.get(f"/containers/{cid}/files/{files[0]['id']}/content").content == data
    up = client.post(f"/containers/{cid}/files", files={"file": ("u.bin", data[::-1])}).json()
    assert up["object"] == "container.file" and up["bytes"] == len(data)
    assert client.get(f"/containers/{cid}/files/{up['id']}/content").content == data[::-1]
    missing = client.post(f"/containers/{cid}/files", json={"file_id": "file-missing"})
    assert missing.status_code == 404 and missing.json()["error"]["param"] == "file_id"
    assert client.delete(f"/containers/{cid}").status_code == 200
    assert client.get(f"/containers/{cid}/files/{up['id']}").status_code == 404
