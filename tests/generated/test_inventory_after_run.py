"""What a run leaves on ``oaic serve``, read from the server's own inventory.

``oaic serve`` runs in its own process, ``oaic run`` against it in another (a subset of the
generated suite: one object of each way to end, deleted, cancelled, archived, expired), and the
server's inventory (``GET /v1/__oaic/inventory``) is compared before and after: nothing the run
created may be left but objects in a final state that both the cleanup and the server confirm,
and every object the run created carries the run id. The full run is
``tests/bench/bench_inventory.py`` (minutes); with ``delete-does-not-delete`` injected the same
inventory finds the objects left behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from inventory_support import ROOT, inventory, judge, run_against, served

from openai_conformance.contract import load_spec
from openai_conformance.generated.undo import cancel, refused_as_final
from openai_conformance.scenario.cleanup import CleanupRegistry, FinalState

QUICK = ("--hypothesis-profile", "quick")
SUBSET = (
    "conforms_to_its_schema and (/uploads] or /organization/projects] or /assistants] or /batches])"
)


def _inventory_run(tmp_path: Path, select: str, *serve: str) -> tuple[dict, dict, Path]:
    with served(*serve) as url:
        before = inventory(url)
        proc, results, run_dir = run_against(url, tmp_path, "-k", select, *QUICK, timeout=600)
        after = inventory(url)
    assert {t["outcome"] for t in results["tests"]} == {"PASS"}, proc.stdout[-3000:]
    return judge(before, after, results, run_dir), results, run_dir


@pytest.mark.slow
def test_run_against_oaic_serve_leaves_only_final_states_and_tags_every_object(
    tmp_path: Path,
) -> None:
    verdict, results, run_dir = _inventory_run(tmp_path, SUBSET)
    assert verdict["left"] == []
    assert verdict["untagged"] == {} and verdict["no_tag_field"] == {}
    kinds = {kind for kind, _status in verdict["final"]}
    assert {"organization/projects", "batch"} <= kinds, verdict["final"]
    assert results["summary"]["cleanup"]["failed"] == []
    final = results["summary"]["cleanup"]["final"]
    archived = [row for row in final if row["resource"] == "projects"]
    assert archived and all("status 'archived'" in row["detail"] for row in archived)
    finished = [row for row in final if row["resource"] == "batches"]  # refused: completed
    assert all(row["detail"].startswith("already ") for row in finished), finished
    summary = (run_dir / "summary.md").read_text()
    assert "could not be removed" not in summary and "confirmed in a final state" in summary
    schema = json.loads((ROOT / "reports" / "schema" / "results.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(results)  # run.generation, cleanup.final


@pytest.mark.slow
def test_upload_that_expired_before_its_cancel_is_recorded_final(tmp_path: Path) -> None:
    # a clock fast enough that every pending upload is past its hour before the cleanup
    verdict, results, _ = _inventory_run(tmp_path, "conforms_to_its_schema and /uploads]",
                                         "--clock-speed", "50000")  # fmt: skip
    assert verdict["left"] == []
    assert verdict["final"].get(("upload", "expired")), verdict["final"]
    rows = results["summary"]["cleanup"]["final"]
    assert rows and all(row["detail"].startswith("already expired: ") for row in rows), rows
    assert all("HTTP 400" in row["detail"] for row in rows)  # the refusal is the evidence
    assert results["summary"]["cleanup"]["failed"] == []


@pytest.mark.slow
def test_inventory_finds_what_a_target_that_does_not_delete_keeps(tmp_path: Path) -> None:
    verdict, _, _ = _inventory_run(
        tmp_path, "conforms_to_its_schema and /assistants]", "--fault", "delete-does-not-delete"
    )
    assert verdict["left_by_kind"].get("assistants"), verdict


class _Answer:
    def __init__(self, status: int, body: dict) -> None:
        self.status = status
        self.content = json.dumps(body).encode()
        self.headers = {"content-type": "application/json"}


def _refusing(message: str) -> SimpleNamespace:
    refusal = {"error": {"message": message, "type": "invalid_request_error"}}
    return SimpleNamespace(request=lambda method, path, **kw: _Answer(400, refusal))


def test_cancel_refused_because_the_upload_expired_is_final_with_the_refusal() -> None:
    spec = load_spec()
    undo = spec.operation("POST /uploads/{upload_id}/cancel")
    client = _refusing("Cannot cancel upload upload_1: its status is 'expired', not 'pending'.")
    outcome = cancel(client, spec, undo, "/uploads/upload_1/cancel")
    assert isinstance(outcome, FinalState)
    assert outcome.detail.startswith("already expired: POST /uploads/upload_1/cancel answered")
    registry = CleanupRegistry()
    registry.register("uploads", "upload_1", lambda: outcome)
    (result,) = registry.run_all()
    assert result.ok and result.final


@pytest.mark.parametrize(
    "message",
    [
        "Cannot cancel upload upload_1: its status is 'pending', not 'completed'.",
        "Something went wrong.",
    ],
)
def test_cancel_refused_without_a_final_status_stays_a_failed_cleanup(message: str) -> None:
    spec = load_spec()
    undo = spec.operation("POST /uploads/{upload_id}/cancel")
    outcome = cancel(_refusing(message), spec, undo, "/uploads/upload_1/cancel")
    assert not isinstance(outcome, FinalState) and outcome.status == 400
    assert refused_as_final(outcome) is None
    registry = CleanupRegistry()
    registry.register("uploads", "upload_1", lambda: outcome)
    (result,) = registry.run_all()
    assert not result.ok and not result.final


@pytest.mark.slow
def test_realtime_calls_the_run_creates_are_hung_up_and_recorded_ended(tmp_path: Path) -> None:
    # POST /realtime/calls answers SDP: the call id is only in its Location header
    verdict, results, _ = _inventory_run(tmp_path, "conforms_to_its_schema and /realtime/calls]")
    assert verdict["left"] == [] and verdict["created"], verdict
    assert verdict["final"].get(("realtime/calls", "ended")), verdict["final"]
    rows = [r for r in results["summary"]["cleanup"]["final"] if r["resource"] == "calls"]
    assert rows and all(row["detail"].startswith("ended (POST ") for row in rows), rows
    assert results["summary"]["cleanup"]["failed"] == []
