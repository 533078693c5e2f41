"""spec/operations.yaml covers exactly the document's operations with valid classes."""

from __future__ import annotations

from openai_conformance.contract.loader import METADATA_PATH, read_metadata
from openai_conformance.contract.metadata import SAFETY_CLASSES, classify


def test_every_operation_has_metadata_and_no_entry_is_stale(spec) -> None:
    table = read_metadata(METADATA_PATH)
    ids = {op.id for op in spec.operations}
    assert sorted(ids - set(table)) == [], "run `oaic spec operations --write`"
    assert sorted(set(table) - ids) == [], "stale entries in spec/operations.yaml"
    for op_id, entry in table.items():
        assert entry["safety"] in SAFETY_CLASSES, op_id
        assert entry["resource"], op_id


def test_operations_carry_their_metadata(spec) -> None:
    assert spec.operation("POST /batches").safety == "costly"
    assert spec.operation("DELETE /files/{file_id}").safety == "destructive"
    assert spec.operation("GET /threads/{thread_id}").resource == "assistants"


def test_classification_rules() -> None:
    assert classify("get", "/models") == {"resource": "models", "safety": "read-only"}
    assert classify("post", "/chat/completions")["safety"] == "creates"
    assert classify("post", "/fine_tuning/jobs")["safety"] == "costly"
    assert classify("post", "/batches/{batch_id}/cancel")["safety"] == "destructive"
    assert classify("get", "/organization/users")["safety"] == "admin"
    assert classify("delete", "/projects/{p}/roles/{r}") == {
        "resource": "organization",
        "safety": "admin",
    }
