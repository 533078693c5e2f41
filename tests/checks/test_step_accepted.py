"""Unit level: ``scenario.lifecycles.accepted`` judges a step that must succeed: its body on
2xx; UNSUPPORTED when an optional sub-feature's route is absent (405/501, a 404 without the
envelope, or an enveloped 404 while the parent object reads back); FAIL otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from checks_support import ERROR_BODY, FakeExchange

from openai_conformance.checks.outcomes import ConformanceFailure, Unsupported
from openai_conformance.scenario.lifecycles import accepted

CANCEL = "POST /batches/{batch_id}/cancel"  # owned by the optional sub-feature batches.cancel
PARENT = "/batches/batch_1"
BATCH = {"id": "batch_1", "object": "batch", "status": "cancelling"}


class ParentClient:
    """Answers the parent's read with ``status``; records what was asked."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.asked: list[tuple[str, str]] = []

    def request(self, method: str, path: str, **_: Any) -> FakeExchange:
        self.asked.append((method, path))
        return FakeExchange(self.status, BATCH if self.status == 200 else ERROR_BODY)


def test_a_success_answers_its_body() -> None:
    deleted = {"id": "vs_1", "object": "vector_store.deleted", "deleted": True}
    assert (
        accepted(FakeExchange(200, deleted), "DELETE /vector_stores/{vector_store_id}") == deleted
    )


@pytest.mark.parametrize(
    ("status", "body"), [(405, None), (501, ERROR_BODY), (404, {"detail": "Not Found"})]
)
def test_an_absence_answer_on_a_sub_feature_route_is_unsupported(status: int, body: Any) -> None:
    with pytest.raises(Unsupported, match=r"^batches\.cancel: the target does not implement it"):
        accepted(FakeExchange(status, body), CANCEL)


def test_an_enveloped_404_while_the_parent_reads_back_is_unsupported() -> None:
    client = ParentClient(200)
    with pytest.raises(Unsupported, match="the object exists, its route is missing"):
        accepted(FakeExchange(404, ERROR_BODY), CANCEL, client=client, parent=PARENT)  # type: ignore[arg-type]
    assert client.asked == [("GET", PARENT)]


@pytest.mark.parametrize("parent_status", [404, None])
def test_an_enveloped_404_without_a_readable_parent_is_a_failure(parent_status: int | None) -> None:
    client = ParentClient(parent_status or 200)
    parent = PARENT if parent_status else None  # no parent named: nothing to weigh it against
    with pytest.raises(ConformanceFailure):
        accepted(FakeExchange(404, ERROR_BODY), CANCEL, client=client, parent=parent)  # type: ignore[arg-type]


def test_a_refusal_of_a_present_route_is_a_failure_never_unsupported() -> None:
    client = ParentClient(200)
    with pytest.raises(ConformanceFailure):
        accepted(FakeExchange(400, ERROR_BODY), CANCEL, client=client, parent=PARENT)  # type: ignore[arg-type]
    assert client.asked == []


def test_a_404_on_a_route_of_a_probed_feature_itself_is_a_failure() -> None:
    # conversations has no sub-feature: its probe found it present, so its routes must work
    with pytest.raises(ConformanceFailure):
        accepted(FakeExchange(404, {"detail": "Not Found"}), "GET /conversations/{conversation_id}")
