"""A run against ``oaic serve`` followed by an inventory of the server (self-test and bench).

``served()`` starts ``oaic serve`` in its own process (test controls on, a key required) and
yields its base URL; ``inventory(base_url)`` reads ``GET /v1/__oaic/inventory`` (every stored
object with its current status, and every object ever created); ``run_against(...)`` runs
``oaic run`` in its own process; ``judge(before, after, results, run_dir)`` says what the run
left behind:

* ``left``: an object the run created that is still on the server, unless the contract
  offers no DELETE for it (projects, uploads, batches, fine-tuning jobs) **and** the server
  shows it in a final state (archived, cancelled, completed, ...), or the server shows it
  ``expired`` (out of use: an expired file answers 404);
* ``irremovable``: objects of a kind the contract offers no way to end (no DELETE, no
  cancel/archive/hangup), by kind: left by the contract's design, reported apart;
* ``untagged``: an object the run created whose stored ``metadata`` lacks ``oaic_run`` and
  whose ``name`` lacks the ``oaic-<run>-`` prefix, by kind (objects with neither field cannot
  carry the run id and are listed apart as ``no_tag_field``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from openai_conformance.contract import load_spec

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-oaic-inventory-key"
#: States an object cannot leave (a cancel accepted, "cancelling", ends in one of them).
#: Files the target writes from a job (batch results, fine-tuning metrics): named by the
#: target, so they cannot carry the run id; the cleanup deletes them with their job.
PRODUCED_PURPOSES = frozenset({"batch_output", "fine-tune-results"})
FINAL = frozenset(
    {"cancelled", "cancelling", "expired", "archived", "failed", "succeeded", "completed", "ended"}
)


@contextlib.contextmanager
def served(*options: str, timeout: float = 60.0) -> Iterator[str]:
    """``oaic serve [options]`` on a free port in its own process group; its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "openai_conformance", "serve", "--port", "0",
         "--allow-fault-header", "--api-key", KEY, *options],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "... listening on http://127.0.0.1:PORT/v1"
        assert "listening on " in line, f"oaic serve did not start: {line!r}"
        yield line.rsplit(" ", 1)[-1].strip()
    finally:
        if proc.stdout is not None:
            proc.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)


def inventory(base_url: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{base_url}/__oaic/inventory", headers={"Authorization": f"Bearer {KEY}"}, timeout=60
    )
    answer.raise_for_status()
    return answer.json()


def run_against(
    base_url: str, report_dir: Path, *extra: str, timeout: float = 1800
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    cmd = [
        sys.executable, "-m", "openai_conformance", "run", "--target", base_url,
        "--profile", "reference", "--allow", "destructive,costly,admin",
        "--report-dir", str(report_dir), *extra,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAIC_")}
    env["OAIC_API_KEY"] = KEY
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    found = sorted(report_dir.glob("runs/*/results.json"))
    assert found, f"no results.json (exit {proc.returncode})\n{proc.stdout[-3000:]}"
    return proc, json.loads(found[-1].read_text()), found[-1].parent


#: Store kinds of the hand-written handlers and the collection each lives in.
HANDLER_KINDS = {
    "file": "files",
    "batch": "batches",
    "upload": "uploads",
    "fine_tuning.job": "fine_tuning/jobs",
    "response": "responses",
    "conversation": "conversations",
    "conversation.item": "conversations/{}/items",
    "chat.completion": "chat/completions",
    "chat.completion.message": "chat/completions/{}/messages",
    "vector_store": "vector_stores",
    "vector_store.file_batch": "vector_stores/{}/file_batches",
    "eval": "evals",
    "container.file": "containers/{}/files",
    "model": "models",
}


def removable(spec: Any, kind: str) -> bool:
    """Does the contract offer a DELETE for one object of this store kind?"""
    collection = HANDLER_KINDS.get(kind, kind).replace("{}", "x")
    return spec.match("DELETE", f"/{collection}/oaic_probe_id") is not None


def irremovable(spec: Any, kind: str) -> bool:
    """The contract offers no way at all to end one object of this kind: no DELETE and no
    action (cancel, archive, hangup, ...) on it (a video character)."""
    item = "/" + HANDLER_KINDS.get(kind, kind).replace("{}", "x") + "/oaic_probe_id"
    if spec.match("DELETE", item) is not None:
        return False
    actions = ("cancel", "archive", "hangup", "reject", "expire", "delete")
    return all(spec.match("POST", f"{item}/{verb}") is None for verb in actions)


def judge(
    before: dict[str, Any], after: dict[str, Any], results: dict[str, Any], run_dir: Path
) -> dict[str, Any]:
    run_id = results["run"]["config"]["run_id"]
    old = {(r["kind"], r["id"]) for r in before["created"]}
    made = [
        r for r in after["created"] if (r["kind"], r["id"]) not in old and r["origin"] == "created"
    ]
    made_ids = {(r["kind"], r["id"]) for r in made}
    spec = load_spec()
    left, final, kept = [], Counter(), Counter()
    for row in after["data"]:
        if (row["kind"], row["id"]) not in made_ids:
            continue
        if row["status"] not in FINAL and irremovable(spec, row["kind"]):
            kept[row["kind"]] += 1  # reported apart: the contract offers no way to end it
            continue
        # expired: the target already took it out of use (a file past its expires_at is 404)
        if row["status"] == "expired" or (
            row["status"] in FINAL and not removable(spec, row["kind"])
        ):
            final[(row["kind"], row["status"])] += 1
        else:
            left.append(row)
    untagged, no_field = Counter(), Counter()
    for row in made:
        if row.get("purpose") in PRODUCED_PURPOSES:
            continue
        metadata, name = row["metadata"], row["name"]
        if isinstance(metadata, dict) and metadata.get("oaic_run") == run_id:
            continue
        if isinstance(name, str) and name.startswith(f"oaic-{run_id}-"):
            continue
        if metadata is None and name is None:
            no_field[row["kind"]] += 1
        else:
            untagged[row["kind"]] += 1
    return {
        "created": len(made),
        "left": left,
        "left_by_kind": Counter(r["kind"] for r in left),
        "final": final,
        "irremovable": kept,
        "untagged": untagged,
        "no_tag_field": no_field,
    }
