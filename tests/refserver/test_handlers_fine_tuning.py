"""Fine-tuning handlers: job lifecycle on the clock, events, checkpoints, models, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.handlers.fine_tuning import QUEUED, RUNNING, VALIDATING
from openai_conformance.refserver.server import ReferenceServer

VALIDATOR = SchemaValidator(load_spec())
TO_SUCCESS = VALIDATING + QUEUED + RUNNING + 10  # simulated seconds from create to succeeded
CHAT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
DPO = {
    "input": {"messages": [{"role": "user", "content": "hi"}]},
    "preferred_output": [{"role": "assistant", "content": "hello"}],
    "non_preferred_output": [{"role": "assistant", "content": "go away"}],
}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        ReferenceServer(clock_speed=0.001, allow_fault_header=True) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as c,
    ):
        yield c


def h(fault: str) -> dict[str, str]:
    return {"x-oaic-fault": fault} if fault else {}


def training(c: httpx.Client, row: dict, n: int = 10) -> str:
    data = "".join(json.dumps(row) + "\n" for _ in range(n)).encode()
    return c.post(
        "/files", files={"file": ("t.jsonl", data)}, data={"purpose": "fine-tune"}
    ).json()["id"]


def create(c: httpx.Client, fault: str = "", **body: object) -> dict:
    r = c.post("/fine_tuning/jobs", json={"model": "ref-chat", **body}, headers=h(fault))
    assert r.status_code == 200, r.text
    assert VALIDATOR.validate(r.json(), "FineTuningJob") == []
    return r.json()


def at(c: httpx.Client, jid: str, advance: float, fault: str = "") -> dict:
    c.post("/__oaic/clock", json={"advance": advance})
    job = c.get(f"/fine_tuning/jobs/{jid}", headers=h(fault)).json()
    assert VALIDATOR.validate(job, "FineTuningJob") == [], job
    return job


def test_job_succeeds_through_every_state_and_registers_model(client: httpx.Client) -> None:
    job = create(
        client, training_file=training(client, CHAT), suffix="demo", seed=3, metadata={"a": "b"}
    )
    assert job["status"] == "validating_files"
    assert at(client, job["id"], 31)["status"] == "queued"
    assert at(client, job["id"], 30)["status"] == "running"
    ckpts = client.get(f"/fine_tuning/jobs/{job['id']}/checkpoints")
    assert VALIDATOR.validate(ckpts.json(), "ListFineTuningJobCheckpointsResponse") == []
    done = at(client, job["id"], RUNNING + 1)
    assert done["status"] == "succeeded" and done["fine_tuned_model"].startswith("ft:ref-chat:")
    assert ":demo:" in done["fine_tuned_model"] and done["trained_tokens"] > 0
    csv = client.get(f"/files/{done['result_files'][0]}/content").text
    assert csv.startswith("step,train_loss")
    models = [m["id"] for m in client.get("/models").json()["data"]]
    assert done["fine_tuned_model"] in models
    events = client.get(f"/fine_tuning/jobs/{job['id']}/events").json()
    assert VALIDATOR.validate(events, "ListFineTuningJobEventsResponse") == []
    times = [e["created_at"] for e in events["data"]]
    assert times == sorted(times, reverse=True) and len(times) == 4
    page = client.get(f"/fine_tuning/jobs/{job['id']}/events", params={"limit": 2}).json()
    rest = client.get(
        f"/fine_tuning/jobs/{job['id']}/events", params={"after": page["data"][-1]["id"]}
    ).json()
    assert [e["id"] for e in page["data"] + rest["data"]] == [e["id"] for e in events["data"]]
    assert client.delete(f"/models/{done['fine_tuned_model']}").json()["deleted"] is True
    assert done["fine_tuned_model"] not in [m["id"] for m in client.get("/models").json()["data"]]


def test_checkpoint_permissions_create_list_delete(client: httpx.Client) -> None:
    job = create(client, training_file=training(client, CHAT))
    at(client, job["id"], TO_SUCCESS)
    name = client.get(f"/fine_tuning/jobs/{job['id']}/checkpoints").json()["data"][0][
        "fine_tuned_model_checkpoint"
    ]
    made = client.post(
        f"/fine_tuning/checkpoints/{name}/permissions", json={"project_ids": ["proj_1"]}
    ).json()
    assert VALIDATOR.validate(made, "ListFineTuningCheckpointPermissionResponse") == []
    listed = client.get(f"/fine_tuning/checkpoints/{name}/permissions").json()
    assert [p["id"] for p in listed["data"]] == [made["data"][0]["id"]]
    gone = client.delete(
        f"/fine_tuning/checkpoints/{name}/permissions/{made['data'][0]['id']}"
    ).json()
    assert (
        VALIDATOR.validate(gone, "DeleteFineTuningCheckpointPermissionResponse") == []
        and gone["deleted"]
    )


def test_dpo_job_validates_preference_format(client: httpx.Client) -> None:
    job = create(client, training_file=training(client, DPO), method={"type": "dpo", "dpo": {}})
    assert at(client, job["id"], TO_SUCCESS)["status"] == "succeeded"
    wrong = create(client, training_file=training(client, CHAT), method={"type": "dpo", "dpo": {}})
    failed = at(client, wrong["id"], 31)
    assert failed["status"] == "failed" and failed["error"]["param"] == "training_file"


def test_invalid_training_file_fails_with_error_unless_faulted(client: httpx.Client) -> None:
    job = create(client, training_file=training(client, CHAT, n=2))
    assert at(client, job["id"], 31)["error"]["code"] == "invalid_training_file"
    assert at(client, job["id"], 0, "fine-tuning-no-error-on-failure")["error"] is None


def test_unknown_base_model_and_file_are_400(client: httpx.Client) -> None:
    fid = training(client, CHAT)
    r = client.post("/fine_tuning/jobs", json={"model": "nope-model", "training_file": fid})
    assert r.status_code == 400 and r.json()["error"]["param"] == "model"
    r = client.post("/fine_tuning/jobs", json={"model": "ref-chat", "training_file": "file-nope"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "training_file"


def test_pause_resume_cancel(client: httpx.Client) -> None:
    job = create(client, training_file=training(client, CHAT))
    at(client, job["id"], 100)
    paused = client.post(f"/fine_tuning/jobs/{job['id']}/pause").json()
    assert paused["status"] == "paused" and at(client, job["id"], 2 * RUNNING)["status"] == "paused"
    assert client.post(f"/fine_tuning/jobs/{job['id']}/resume").json()["status"] == "running"
    ignored = client.post(
        f"/fine_tuning/jobs/{job['id']}/pause", headers=h("fine-tuning-pause-ignored")
    )
    assert ignored.json()["status"] == "running"
    assert client.post(f"/fine_tuning/jobs/{job['id']}/cancel").json()["status"] == "cancelled"
    assert client.post(f"/fine_tuning/jobs/{job['id']}/cancel").status_code == 400


def test_lifecycle_faults(client: httpx.Client) -> None:
    job = create(client, "fine-tuning-model-not-listed", training_file=training(client, CHAT))
    done = at(client, job["id"], TO_SUCCESS)
    assert done["fine_tuned_model"] not in [m["id"] for m in client.get("/models").json()["data"]]
    back = create(client, training_file=training(client, CHAT))
    assert (
        at(
            client,
            back["id"],
            VALIDATING + QUEUED + 1 + RUNNING * 2 / 3,
            "fine-tuning-state-goes-backwards",
        )["status"]
        == "queued"
    )
    events = client.get(
        f"/fine_tuning/jobs/{back['id']}/events", headers=h("fine-tuning-events-unordered")
    ).json()
    times = [e["created_at"] for e in events["data"]]
    assert times != sorted(times, reverse=True)


def test_suffix_outside_model_name_characters_is_folded(client: httpx.Client) -> None:
    job = create(client, training_file=training(client, CHAT), suffix="My Model\n2")
    done = at(client, job["id"], TO_SUCCESS)
    assert ":my-model-2:" in done["fine_tuned_model"]
    assert client.get(f"/models/{done['fine_tuned_model']}").status_code == 200


def test_create_accepts_a_null_method_block_without_a_server_error(client: httpx.Client) -> None:
    # Regression (issue 14, seed 6): `"method": {"type": "supervised", "supervised": null}` is
    # schema-valid (the block is nullable) and answered 500; it is a job with default settings.
    job = create(
        client,
        training_file=training(client, CHAT),
        method={"type": "supervised", "supervised": None},
        suffix=None,
        seed=None,
    )
    assert job["method"]["type"] == "supervised"
    assert job["hyperparameters"]["n_epochs"] == 3


def test_null_hyperparameters_take_their_defaults_without_a_server_error(
    client: httpx.Client,
) -> None:
    # Regression (bench_seeds.py, seed 14): `"n_epochs": null` in DPO hyperparameters is
    # schema-valid and answered 500 (int(None)); null means the default, like "auto".
    nulls = {"n_epochs": None, "batch_size": None, "learning_rate_multiplier": None}
    job = create(
        client,
        training_file=training(client, DPO),
        method={"type": "dpo", "dpo": {"hyperparameters": {**nulls, "beta": 0.5}}},
    )
    assert job["hyperparameters"] == {
        "batch_size": 1,
        "learning_rate_multiplier": 1.8,
        "n_epochs": 3,
    }
