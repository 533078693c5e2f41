"""``oaic webhooks listen`` in a subprocess: deliveries in, one report per event type out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from openai_conformance.scenario.webhooks import new_secret, signature_headers

SECRET = new_secret()


def _post(url: str, body: dict, webhook_id: str, secret: str = SECRET) -> int:
    raw = json.dumps(body).encode()
    headers = signature_headers(secret, webhook_id, int(time.time()), raw)
    return httpx.post(url, content=raw, headers=headers, timeout=10).status_code


def test_listen_verifies_records_and_reports(tmp_path: Path) -> None:
    env = {**os.environ, "OAIC_TEST_WH_SECRET": SECRET}
    cmd = [
        sys.executable, "-m", "openai_conformance", "webhooks", "listen", "--port", "0",
        "--secret-env", "OAIC_TEST_WH_SECRET", "--duration", "6", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first + proc.stderr.read()
        url = first.rsplit(" ", 1)[-1].strip()
        ok = {"id": "evt_1", "object": "event", "created_at": 1, "type": "batch.completed",
              "data": {"id": "batch_1"}}  # fmt: skip
        assert _post(url, ok, "wh_1") == 200
        assert _post(url, ok, "wh_1") == 200  # a replay, deduplicated
        bad = {**ok, "id": "evt_2", "type": "response.completed", "data": {"id": "resp_1"}}
        assert _post(url, bad, "wh_2", secret=new_secret()) == 400
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1, out + err  # the unverified delivery fails its event type
    assert SECRET not in out + err
    results = json.loads(next(tmp_path.glob("runs/*/results.json")).read_text())
    outcomes = {t["name"]: t["outcome"] for t in results["tests"]}
    assert outcomes == {"batch.completed": "PASS", "response.completed": "FAIL"}
    assert results["summary"]["coverage"]["webhook_event_types"] == {"batch.completed": 1}
    evidence = next(tmp_path.glob("runs/*/evidence.jsonl")).read_text()
    assert evidence.count('"kind": "webhook"') == 3 and SECRET not in evidence


def test_listen_without_a_secret_is_a_usage_error() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_WEBHOOK_SECRET"}
    proc = subprocess.run(
        [sys.executable, "-m", "openai_conformance", "webhooks", "listen", "--duration", "1"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "no webhook signing secret" in proc.stderr
    assert "Traceback" not in proc.stderr
