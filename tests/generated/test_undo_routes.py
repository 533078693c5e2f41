"""Which spec operation undoes what a generated create made (generated/undo.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from openai_conformance.contract import load_spec
from openai_conformance.generated.undo import produced_files, register_created, undo_route
from openai_conformance.scenario.cleanup import CleanupRegistry


@pytest.fixture(scope="module")
def spec():
    return load_spec()


@pytest.mark.parametrize(
    ("create", "undo"),
    [
        ("POST /files", "DELETE /files/{file_id}"),
        ("POST /vector_stores", "DELETE /vector_stores/{vector_store_id}"),
        ("POST /threads/{thread_id}/messages", "DELETE /threads/{thread_id}/messages/{message_id}"),
        ("POST /batches", "POST /batches/{batch_id}/cancel"),
        ("POST /fine_tuning/jobs", "POST /fine_tuning/jobs/{fine_tuning_job_id}/cancel"),
        ("POST /realtime/calls", "POST /realtime/calls/{call_id}/hangup"),
    ],
)
def test_undo_route_is_the_matching_delete_cancel_or_hangup(spec, create, undo):
    found = undo_route(spec, spec.operation(create))
    assert found is not None and found[0].id == undo


def test_operations_that_create_nothing_have_no_undo(spec):
    assert undo_route(spec, spec.operation("GET /files")) is None
    assert undo_route(spec, spec.operation("POST /embeddings")) is None


class _Exchange:
    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = headers or {"content-type": "application/json"}
        self.content = body


def test_successful_create_registers_a_delete_of_the_concrete_path(spec):
    sent = []
    client = SimpleNamespace(
        request=lambda method, path, **kw: sent.append((method, path)) or _Exchange(200, b"{}")
    )
    registry = CleanupRegistry()
    op = spec.operation("POST /threads/{thread_id}/messages")
    answer = _Exchange(200, b'{"id": "msg_1", "object": "thread.message"}')
    assert register_created(registry, client, spec, op, "/threads/thread_9/messages", answer)
    assert not register_created(
        registry, client, spec, op, "/threads/t/messages", _Exchange(400, b"{}")
    )
    registry.run_all()
    assert sent == [("DELETE", "/threads/thread_9/messages/msg_1")]


def test_job_output_files_are_named_for_deletion():
    job = {"output_file_id": "file-a", "error_file_id": None, "result_files": ["file-b"]}
    assert produced_files(job) == ["file-a", "file-b"]


def test_a_completed_upload_is_not_cancelled_but_its_file_is_deleted(spec):
    sent = []
    client = SimpleNamespace(
        request=lambda method, path, **kw: sent.append((method, path)) or _Exchange(200, b"{}")
    )
    registry = CleanupRegistry()
    created = _Exchange(200, b'{"id": "upload_1", "object": "upload", "status": "pending"}')
    assert register_created(
        registry, client, spec, spec.operation("POST /uploads"), "/uploads", created
    )
    completed = _Exchange(
        200,
        b'{"id": "upload_1", "object": "upload", "status": "completed",'
        b' "file": {"id": "file-9", "object": "file"}}',
    )
    complete = spec.operation("POST /uploads/{upload_id}/complete")
    register_created(registry, client, spec, complete, "/uploads/upload_1/complete", completed)
    registry.run_all()
    # uploads cannot be deleted and a completed one cannot be cancelled: its file is the undo
    assert sent == [("DELETE", "/files/file-9")]


def test_an_upload_the_run_cancelled_needs_no_undo(spec):
    sent = []
    client = SimpleNamespace(
        request=lambda method, path, **kw: sent.append((method, path)) or _Exchange(200, b"{}")
    )
    registry = CleanupRegistry()
    created = _Exchange(200, b'{"id": "upload_2", "object": "upload", "status": "pending"}')
    register_created(registry, client, spec, spec.operation("POST /uploads"), "/uploads", created)
    cancelled = _Exchange(200, b'{"id": "upload_2", "object": "upload", "status": "cancelled"}')
    cancel = spec.operation("POST /uploads/{upload_id}/cancel")
    register_created(registry, client, spec, cancel, "/uploads/upload_2/cancel", cancelled)
    registry.run_all()
    assert sent == []


SDP = b"v=0\r\n"


@pytest.mark.parametrize(
    "location", ["/v1/realtime/calls/rtc_7", "https://api.openai.com/v1/realtime/calls/rtc_7"]
)
def test_call_named_only_by_location_is_hung_up_and_recorded_final(spec, location):
    sent = []
    client = SimpleNamespace(
        request=lambda method, path, **kw: sent.append((method, path)) or _Exchange(200, b"")
    )
    registry = CleanupRegistry()
    created = _Exchange(201, SDP, {"content-type": "application/sdp", "Location": location})
    op = spec.operation("POST /realtime/calls")
    assert register_created(registry, client, spec, op, "/realtime/calls", created)
    (result,) = registry.run_all()
    assert sent == [("POST", "/realtime/calls/rtc_7/hangup")]
    assert result.ok and result.final and result.detail.startswith("ended (POST ")


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "application/sdp"},
        {"content-type": "application/sdp", "location": "/v1/realtime/sessions/sess_1"},
        {"content-type": "application/sdp", "location": "/v1/realtime/calls/"},
    ],
)
def test_create_without_a_location_under_its_path_registers_nothing(spec, headers):
    registry = CleanupRegistry()
    op = spec.operation("POST /realtime/calls")
    answer = _Exchange(201, SDP, headers)
    assert not register_created(registry, None, spec, op, "/realtime/calls", answer)
    assert len(registry) == 0


def test_refused_hangup_stays_a_failed_cleanup(spec):
    client = SimpleNamespace(request=lambda method, path, **kw: _Exchange(500, b"{}"))
    registry = CleanupRegistry()
    created = _Exchange(
        201, SDP, {"content-type": "application/sdp", "location": "/v1/realtime/calls/rtc_8"}
    )
    register_created(
        registry, client, spec, spec.operation("POST /realtime/calls"), "/realtime/calls", created
    )
    (result,) = registry.run_all()
    assert not result.ok and not result.final and "HTTP 500" in result.detail
