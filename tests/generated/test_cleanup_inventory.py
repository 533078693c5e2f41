"""Cleanup of the generated suite, checked by inventory on the reference server.

A run of the generated suite's creating operations (quick profile) against a
``ReferenceServer`` started here leaves nothing behind: every object that appears in the
server's store during the run is gone (deleted, or a cancellable job cancelled) when it ends.
A cleanup that cannot run (the target refuses every DELETE) is listed in results.json and
summary.md and fails ``--certify``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-oaic-selftest-key"
ITEM = "suites/generated/test_operations.py::test_operation_conforms_to_its_schema[{}]"
LIFECYCLE = (
    "suites/generated/test_lifecycles.py::test_created_resource_is_available_until_deleted[{}]"
)
CREATES = [
    ITEM.format("POST /assistants"),
    ITEM.format("POST /files"),
    ITEM.format("POST /vector_stores"),
    ITEM.format("POST /vector_stores/{vector_store_id}/files"),
    ITEM.format("POST /threads"),
    ITEM.format("POST /threads/{thread_id}/messages"),
    ITEM.format("POST /batches"),
    ITEM.format("POST /organization/groups"),
    LIFECYCLE.format("POST /assistants lifecycle"),
    LIFECYCLE.format("POST /files lifecycle"),
]
CREATE_ONLY = [ITEM.format("POST /assistants"), ITEM.format("POST /vector_stores")]
#: A cancelled job stays listed (as on the live API); it is undone, not left running.
UNDONE_STATUSES = {"cancelled", "cancelling", "failed", "completed", "expired"}


def inventory(server: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Every object in the server's store: (kind, id) -> object."""
    store = server.state.store
    with store._lock:  # the store has no public "everything" view; a self-test may look
        return {
            (kind, ident): obj
            for (kind, _parent), bucket in store._data.items()
            for ident, obj in bucket.items()
        }


#: Jobs are cancelled, not deleted: their status is derived from a timeline when read, so
#: it is read through the API (the store keeps the status the job was created with).
JOB_PATHS = {"batch": "/batches/{}"}


def left_behind(
    server: Any, created: set[tuple[str, str]], after: dict
) -> dict[tuple[str, str], Any]:
    """What the run created that is still on the server and not a cancelled/finished job."""
    import httpx

    left = {}
    headers = {"Authorization": f"Bearer {KEY}"}
    for kind, ident in sorted(created):
        if (kind, ident) not in after:
            continue
        status = None
        if kind in JOB_PATHS:
            url = server.base_url + JOB_PATHS[kind].format(ident)
            status = httpx.get(url, headers=headers, timeout=10).json().get("status")
        if status not in UNDONE_STATUSES:
            obj = after[(kind, ident)]
            left[(kind, ident)] = status or obj.get("purpose") or obj.get("object")
    return left


def run_suite(server: Any, tmp: Path, *extra: str, items: list[str] | None = None) -> Any:
    cmd = [
        sys.executable, "-m", "pytest", *(items or CREATES), "-q", "-p", "no:cacheprovider",
        "--target", server.base_url, "--profile", "reference",
        "--hypothesis-profile", "quick", "--seed", "1", "--report-dir", str(tmp), *extra,
    ]  # fmt: skip
    environ = {**os.environ, "OAIC_API_KEY": KEY}
    proc = subprocess.run(
        cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    found = sorted(tmp.glob("runs/*/results.json"))
    assert found, f"no results.json (exit {proc.returncode})\n{proc.stdout[-3000:]}"
    return proc, json.loads(found[-1].read_text()), found[-1].parent


@pytest.mark.slow
def test_generated_creates_leave_nothing_on_the_target(tmp_path: Path) -> None:
    from openai_conformance.refserver.server import ReferenceServer

    # the default remote budget: the reserve must carry the cleanup through
    with ReferenceServer(api_key=KEY) as server:
        store = server.state.store
        created: set[tuple[str, str]] = set()
        put = store.put

        def recording_put(kind: str, obj: dict[str, Any], parent: str | None = None) -> Any:
            created.add((kind, obj["id"]))
            return put(kind, obj, parent)

        store.put = recording_put  # type: ignore[method-assign]
        proc, results, _ = run_suite(server, tmp_path)
        after = inventory(server)
        left = left_behind(server, created, after)
    outcomes = {t["id"]: t["outcome"] for t in results["tests"]}
    assert set(outcomes.values()) == {"PASS"}, (outcomes, proc.stdout[-2000:])
    kinds = {kind for kind, _ in created}
    assert {"assistants", "file", "threads", "batch", "organization/groups"} <= kinds, kinds
    assert left == {}
    cleanup = results["summary"]["cleanup"]
    assert cleanup["failed"] == []
    assert cleanup["undone"] >= len(CREATES)


@pytest.mark.slow
def test_cleanup_that_cannot_run_is_reported_and_fails_certify(tmp_path: Path) -> None:
    from openai_conformance.refserver.server import ReferenceServer

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("deleting is broken on this target")

    with ReferenceServer(api_key=KEY) as server:
        # The server runs in this process: its store refuses every delete, so every undo
        # (DELETE) answers 5xx while the creates (the tests themselves) still pass.
        server.state.store.delete = refuse  # type: ignore[method-assign]
        proc, results, run_dir = run_suite(server, tmp_path, "--certify", items=CREATE_ONLY)
    outcomes = {t["id"]: t["outcome"] for t in results["tests"]}
    assert set(outcomes.values()) == {"PASS"}, outcomes
    failed = results["summary"]["cleanup"]["failed"]
    assert failed, proc.stdout[-2000:]
    assert all(row["ident"] and row["detail"] for row in failed)
    blockers = results["summary"]["certify"]["blockers"]
    assert blockers and all(b.startswith("cleanup: ") for b in blockers)
    assert results["summary"]["exit_code"] == 1
    assert proc.returncode == 1  # every test passed: the objects left behind fail the run
    schema = json.loads((ROOT / "reports" / "schema" / "results.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(results)
    assert "could not be removed" in (run_dir / "summary.md").read_text()
    assert "object(s) left on the target" in (run_dir / "report.html").read_text()
