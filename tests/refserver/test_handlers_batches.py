"""Batches handlers: validation, the clock-driven lifecycle, output files, cancel, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.server import ReferenceServer

VALIDATOR = SchemaValidator(load_spec())
ENDPOINT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        ReferenceServer(clock_speed=0.001, allow_fault_header=True) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as c,
    ):
        yield c


def h(fault: str) -> dict[str, str]:
    return {"x-oaic-fault": fault} if fault else {}


def line(cid: str, body: dict | None = None, url: str = ENDPOINT) -> dict:
    body = body or {"model": "ref-chat", "messages": [{"role": "user", "content": cid}]}
    return {"custom_id": cid, "method": "POST", "url": url, "body": body}


def input_file(c: httpx.Client, rows: list, purpose: str = "batch") -> str:
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    r = c.post("/files", files={"file": ("in.jsonl", data)}, data={"purpose": purpose})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def create(c: httpx.Client, fid: str, fault: str = "", **extra: object) -> dict:
    body = {"input_file_id": fid, "endpoint": ENDPOINT, "completion_window": "24h", **extra}
    r = c.post("/batches", json=body, headers=h(fault))
    assert r.status_code == 200, r.text
    return r.json()


def at(c: httpx.Client, bid: str, advance: float, fault: str = "") -> dict:
    c.post("/__oaic/clock", json={"advance": advance})
    b = c.get(f"/batches/{bid}", headers=h(fault)).json()
    assert VALIDATOR.validate(b, "Batch") == [], b
    return b


def jsonl(c: httpx.Client, fid: str) -> list[dict]:
    return [json.loads(x) for x in c.get(f"/files/{fid}/content").text.splitlines()]


def test_batch_passes_every_state_and_writes_output_and_error_files(client: httpx.Client) -> None:
    bad = line("bad", {"model": "ref-chat"})
    fid = input_file(client, [line("a"), line("b"), bad, line("c")])
    b = create(client, fid, metadata={"k": "v"})
    assert b["status"] == "validating" and "in_progress_at" not in b
    b = at(client, b["id"], 61)
    assert b["status"] == "in_progress" and "in_progress_at" in b
    b = at(client, b["id"], 60)
    assert b["request_counts"]["completed"] + b["request_counts"]["failed"] == 2
    b = at(client, b["id"], 61)
    assert b["status"] == "finalizing" and "finalizing_at" in b
    b = at(client, b["id"], 61)
    assert b["status"] == "completed" and b["completed_at"] >= b["finalizing_at"]
    assert b["request_counts"] == {"total": 4, "completed": 3, "failed": 1}
    out, err = jsonl(client, b["output_file_id"]), jsonl(client, b["error_file_id"])
    assert sorted(r["custom_id"] for r in out + err) == ["a", "b", "bad", "c"]
    for r in out:
        assert r["response"]["status_code"] == 200
        assert VALIDATOR.validate(r["response"]["body"], "CreateChatCompletionResponse") == []
    assert err[0]["response"]["status_code"] == 400
    assert VALIDATOR.validate(err[0]["response"]["body"], "ErrorResponse") == []
    assert client.get(f"/files/{b['output_file_id']}").json()["purpose"] == "batch_output"


def test_output_faults_break_custom_ids(client: httpx.Client) -> None:
    for fault in ("batches-output-missing-custom-id", "batches-duplicate-custom-id"):
        b = create(client, input_file(client, [line("a"), line("b")]), fault)
        b = at(client, b["id"], 400)
        ids = [r.get("custom_id") for r in jsonl(client, b["output_file_id"])]
        assert ids != ["a", "b"], fault


def test_state_goes_backwards_fault_reports_in_progress_after_finalizing(
    client: httpx.Client,
) -> None:
    b = create(client, input_file(client, [line("a")]), "batches-state-goes-backwards")
    assert at(client, b["id"], 181)["status"] == "finalizing"
    assert at(client, b["id"], 40)["status"] == "in_progress"


def test_skip_timestamps_and_counts_faults(client: httpx.Client) -> None:
    b = create(client, input_file(client, [line("a")]))
    done = at(client, b["id"], 400, "batches-skip-timestamps")
    assert "in_progress_at" not in done and done["status"] == "completed"
    counts = at(client, b["id"], 0, "batches-request-counts-inconsistent")["request_counts"]
    assert counts["total"] != counts["completed"] + counts["failed"]


def test_cancel_moves_in_progress_batch_to_cancelling_then_cancelled(client: httpx.Client) -> None:
    b = create(client, input_file(client, [line("a"), line("b")]))
    at(client, b["id"], 61)
    r = client.post(f"/batches/{b['id']}/cancel")
    assert r.json()["status"] == "cancelling" and "cancelling_at" in r.json()
    done = at(client, b["id"], 31)
    assert done["status"] == "cancelled" and "cancelled_at" in done
    assert client.post(f"/batches/{b['id']}/cancel").status_code == 400


def test_cancel_ignored_fault_keeps_batch_running(client: httpx.Client) -> None:
    b = create(client, input_file(client, [line("a")]))
    r = client.post(f"/batches/{b['id']}/cancel", headers=h("batches-cancel-ignored"))
    assert r.json()["status"] == "validating"


def test_malformed_input_fails_with_line_numbers(client: httpx.Client) -> None:
    rows = [
        line("a"),
        line("a"),
        line("x", url="/v1/embeddings"),
        {"custom_id": "m", "url": ENDPOINT},
    ]
    b = create(client, input_file(client, rows))
    failed = at(client, b["id"], 61)
    assert failed["status"] == "failed" and "failed_at" in failed
    assert [e["line"] for e in failed["errors"]["data"]] == [2, 3, 4]


def test_wrong_purpose_is_400_unless_faulted(client: httpx.Client) -> None:
    fid = input_file(client, [line("a")], purpose="user_data")
    body = {"input_file_id": fid, "endpoint": ENDPOINT, "completion_window": "24h"}
    r = client.post("/batches", json=body)
    assert r.status_code == 400 and r.json()["error"]["param"] == "input_file_id"
    assert (
        client.post("/batches", json=body, headers=h("batches-accept-wrong-purpose")).status_code
        == 200
    )
    bad = client.post("/batches", json={**body, "endpoint": "/v1/nope"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "endpoint"


def test_expiry_and_list_and_unknown(client: httpx.Client) -> None:
    b = create(
        client, input_file(client, [line("a"), line("b")]), metadata={"oaic_simulate": "expire"}
    )
    assert at(client, b["id"], 86401)["status"] == "expired"
    page = client.get("/batches", params={"limit": 1}).json()
    assert VALIDATOR.validate(page, "ListBatchesResponse") == [] and page["has_more"] is True
    nxt = client.get("/batches", params={"limit": 1, "after": page["last_id"]}).json()
    assert nxt["data"][0]["id"] != page["data"][0]["id"]
    assert client.get("/batches/batch_nope").status_code == 404


def test_official_sdk_runs_files_uploads_batches_and_fine_tuning(client: httpx.Client) -> None:
    from openai import OpenAI

    sdk = OpenAI(
        base_url=str(client.base_url).rstrip("/"), api_key="sk-none", max_retries=0, timeout=10
    )
    rows = [line("a"), line("b")]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    f = sdk.files.create(file=("in.jsonl", data), purpose="batch")
    assert sdk.files.retrieve(f.id).bytes == len(data)
    assert sdk.files.content(f.id).content == data
    assert f.id in [x.id for x in sdk.files.list(purpose="batch")]
    up = sdk.uploads.create(
        bytes=len(data), filename="u.jsonl", mime_type="text/jsonl", purpose="batch"
    )
    part = sdk.uploads.parts.create(upload_id=up.id, data=data)
    done = sdk.uploads.complete(upload_id=up.id, part_ids=[part.id])
    assert done.status == "completed" and done.file is not None
    batch = sdk.batches.create(
        input_file_id=done.file.id, endpoint=ENDPOINT, completion_window="24h"
    )
    client.post("/__oaic/clock", json={"advance": 400})
    assert sdk.batches.retrieve(batch.id).status == "completed"
    assert batch.id in [b.id for b in sdk.batches.list(limit=100)]
    other = sdk.batches.create(input_file_id=f.id, endpoint=ENDPOINT, completion_window="24h")
    assert sdk.batches.cancel(other.id).status == "cancelling"
    example = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    }
    tf = sdk.files.create(
        file=("t.jsonl", (json.dumps(example) + "\n").encode() * 10), purpose="fine-tune"
    )
    job = sdk.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=tf.id)
    client.post("/__oaic/clock", json={"advance": 100})
    assert sdk.fine_tuning.jobs.retrieve(job.id).status == "running"
    assert len(list(sdk.fine_tuning.jobs.list_events(job.id))) == 3
    assert sdk.fine_tuning.jobs.cancel(job.id).status == "cancelled"
    assert sdk.files.delete(f.id).deleted is True


def test_terminal_batch_always_has_every_line_executed_even_when_lines_run_slowly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression (seen in CI under load): lines were executed against one clock reading and the
    # batch viewed at a later one, so a poller could see `completed` with short request_counts
    # and no output file. Slow line execution on a fast clock makes that window wide.
    import asyncio

    from openai_conformance.refserver.handlers import batches

    original = batches._execute

    async def slow(*args: object) -> dict:
        await asyncio.sleep(0.02)  # 20 simulated seconds per line at 1000x
        return await original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(batches, "_execute", slow)
    with (
        ReferenceServer(clock_speed=1000.0) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as c,
    ):
        b = create(c, input_file(c, [line(str(i)) for i in range(8)]))
        for _ in range(400):
            b = c.get(f"/batches/{b['id']}").json()
            if b["status"] == "completed":
                break
        assert b["status"] == "completed"
        assert b["request_counts"] == {"total": 8, "completed": 8, "failed": 0}
        assert b.get("output_file_id")
