"""The request budget divided by plan: the generated suite cannot starve the scenarios, a
cleanup reserve survives a spent run, and a spent share names the option that raises it."""

from __future__ import annotations

import pytest

from openai_conformance.errors import BudgetExhausted
from openai_conformance.wire.budget import CLEANUP, RequestBudget, ShareExhausted


def _spend_until_refused(budget: RequestBudget, account: str) -> int:
    budget.use(account)
    spent = 0
    while True:
        try:
            budget.spend()
        except BudgetExhausted:
            return spent
        spent += 1


def test_generated_tests_cannot_starve_the_scenarios():
    budget = RequestBudget(1000)
    caps = budget.plan({"generated:files": 10, "generated:batches": 10, "scenario:chat": 5})
    assert budget.reserve == 50
    assert caps["generated:files"] + caps["generated:batches"] == 380  # 40% of 950
    assert _spend_until_refused(budget, "generated:files") == 190
    assert _spend_until_refused(budget, "generated:batches") == 190
    assert _spend_until_refused(budget, "scenario:chat") == 570  # everything else but cleanup


def test_a_scenario_resource_may_stretch_its_share_but_not_take_all():
    budget = RequestBudget(1000)
    budget.plan({"scenario:batches": 1, "scenario:chat": 1})
    assert _spend_until_refused(budget, "scenario:batches") == 712  # 1.5 x 475
    assert _spend_until_refused(budget, "scenario:chat") == 238


def test_a_spent_share_disables_its_account_only_and_names_the_option():
    budget = RequestBudget(200)
    budget.plan({"scenario:chat": 1, "scenario:files": 1})
    _spend_until_refused(budget, "scenario:chat")
    budget.use("scenario:chat")
    with pytest.raises(ShareExhausted) as info:
        budget.spend()
    assert "--max-requests" in (info.value.hint or "")
    budget.use("scenario:files")
    budget.spend()  # another resource still has its share


def test_cleanup_spends_the_reserve_after_the_run_budget_is_gone():
    budget = RequestBudget(100)
    budget.plan({"scenario:chat": 1})
    spent = _spend_until_refused(budget, "scenario:chat")
    assert spent == 90
    with budget.using(CLEANUP):
        for _ in range(10):
            budget.spend()
        with pytest.raises(BudgetExhausted):
            budget.spend()


def test_an_unlimited_budget_has_no_plan():
    budget = RequestBudget(None)
    assert budget.plan({"generated:files": 3}) == {}
    budget.use("generated:files")
    for _ in range(1000):
        budget.spend()
