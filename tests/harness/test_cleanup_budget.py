"""The cleanup's reserved share of the request budget (wire/budget.py, scenario/cleanup.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from openai_conformance.errors import BudgetExhausted
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.wire.budget import RequestBudget


def test_held_units_are_kept_back_from_ordinary_requests():
    budget = RequestBudget(5)
    assert budget.hold(2) == 2
    budget.spend(3)
    with pytest.raises(BudgetExhausted, match="2 reserved for cleanup"):
        budget.spend()
    assert budget.spent == 3


def test_cleanup_requests_spend_the_reserve_and_release_it():
    budget = RequestBudget(5)
    budget.hold(2)
    budget.spend(3)
    with budget.for_cleanup(held=1):
        budget.spend()
    assert budget.held == 1
    with budget.for_cleanup(held=1):
        budget.spend()
    assert (budget.spent, budget.held) == (5, 0)
    with budget.for_cleanup(), pytest.raises(BudgetExhausted):
        budget.spend()  # the whole cap is spent: even cleanup stops there


def test_reserve_never_exceeds_what_is_left_and_unlimited_reserves_nothing():
    budget = RequestBudget(3)
    budget.spend(2)
    assert budget.hold(5) == 1
    assert RequestBudget(None).hold(3) == 0


class _Client:
    """A client whose requests spend the budget, as ConformanceClient's do."""

    def __init__(self, budget: RequestBudget) -> None:
        self.budget = budget
        self.secrets: list[str] = []
        self.recorder = None

    def request(self, method: str, path: str) -> object:
        self.budget.spend()
        return SimpleNamespace(status=200)


def test_registered_undos_run_after_the_run_spent_its_budget():
    budget = RequestBudget(10)
    client = _Client(budget)
    registry = CleanupRegistry(client)
    for i in range(3):
        registry.register("file", f"file-{i}", lambda i=i: client.request("DELETE", f"/f/{i}"))
    assert budget.held == 3
    with pytest.raises(BudgetExhausted):
        while True:
            client.request("GET", "/files")
    assert budget.spent == 7
    results = registry.run_all()
    assert [r.ok for r in results] == [True, True, True]
    assert (budget.spent, budget.held) == (10, 0)


def test_discarded_entry_gives_its_reserve_back():
    budget = RequestBudget(4)
    registry = CleanupRegistry(_Client(budget))
    registry.register("file", "file-1", lambda: None)
    assert budget.held == 1
    assert registry.discard("file", "file-1")
    assert budget.held == 0


def test_undo_refused_for_budget_is_a_failed_result():
    budget = RequestBudget(0)
    client = _Client(budget)
    registry = CleanupRegistry(client)
    registry.register("file", "file-1", lambda: client.request("DELETE", "/files/file-1"))
    (result,) = registry.run_all()
    assert not result.ok
    assert result.detail.startswith("BudgetExhausted")
