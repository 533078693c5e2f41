"""The request budget: a hard cap on how many HTTP requests a run may send to the target.

Against a paid target the budget (``--max-requests``) is what keeps a mistake cheap. Every
attempt the client sends (retries included, WebSocket handshakes included) spends one unit;
once spent, ``spend()`` raises ``errors.BudgetExhausted`` and the pytest plugin stops the run
cleanly (remaining tests DISABLED with the reason "request budget spent").

The budget is per process: under pytest-xdist each worker gets ``max_requests // workers``
(at least 1) so the run as a whole stays within the cap; ``share(n)`` computes that.

**Budget by plan** (``plan(weights)``): a capped budget is divided before the first test, so
no phase can starve another. ``CLEANUP_SHARE`` (at least ``CLEANUP_MIN``) is reserved for
cleanup (the ``cleanup`` account may also spend whatever the run left); of the rest the
generated suite gets ``GENERATED_SHARE`` when scenario tests run too (everything when alone)
and the scenario tests the remainder. Within a phase each account (``generated:<resource>``,
``scenario:<resource>``) gets a share proportional to its weight (its number of tests); a
generated account is capped at its share, a scenario account at ``SCENARIO_STRETCH`` times it
(lifecycles poll, so a resource may need more than its proportion; the stretch lets it borrow
without letting one resource eat the phase). The plugin names the current account per test
(``use``); an account whose share is spent raises ``ShareExhausted`` (the test is DISABLED,
the run goes on); the whole budget spent raises ``BudgetExhausted`` (the run stops). Both
say which option raises the budget.

**The reserve grows with the cleanups registered**: ``hold(n)`` (the cleanup registry calls it
once per registered undo) holds ``n`` more units back from ordinary requests, so the reserve
is ``max(planned reserve, units held)`` and never exceeds what is left. Requests sent as the
``cleanup`` account, or inside ``for_cleanup()`` (this thread/task only), may spend up to the
whole cap: an undo is never refused for budget while the reserve lasts. ``release(n)`` gives
held units back (an undo that ran, an entry discarded).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import BudgetExhausted

# The budgets whose reserve the current thread/task may spend (inside ``for_cleanup``).
_CLEANING: ContextVar[tuple[int, ...]] = ContextVar("oaic_budget_cleaning", default=())

HINT = "raise it with --max-requests N (or OAIC_MAX_REQUESTS)"
CLEANUP = "cleanup"
CLEANUP_SHARE = 0.05
CLEANUP_MIN = 10
GENERATED_SHARE = 0.40
SCENARIO_STRETCH = 1.5


class ShareExhausted(BudgetExhausted):
    """One account's planned share is spent: its remaining tests are DISABLED, the run goes on."""


class RequestBudget:
    """Thread-safe counter. ``max_requests=None`` means unlimited (the embedded server)."""

    def __init__(self, max_requests: int | None) -> None:
        if max_requests is not None and max_requests < 0:
            raise ValueError("max_requests must be >= 0 or None")
        self.max_requests = max_requests
        self._spent = 0
        self._lock = threading.Lock()
        self.account: str | None = None  # who spends now (the plugin sets it per test)
        self.caps: dict[str, int] = {}  # account -> planned cap (empty: no plan)
        self.by_account: dict[str, int] = {}
        self.reserve = 0  # units only the cleanup account may spend (the plan's share)
        self._held = 0  # units held back by registered cleanups (``hold``)

    def plan(self, weights: Mapping[str, int]) -> dict[str, int]:
        """Divide a capped budget over ``weights`` ({"generated:files": 12, "scenario:chat":
        40, ...}: tests per account); returns (and applies) the caps. No-op when unlimited."""
        if self.max_requests is None:
            return {}
        total = self.max_requests
        self.reserve = min(total // 4, max(CLEANUP_MIN, int(total * CLEANUP_SHARE)))
        usable = total - self.reserve
        phases: dict[str, dict[str, int]] = {}
        for account, weight in weights.items():
            phases.setdefault(account.split(":", 1)[0], {})[account] = max(1, weight)
        generated = phases.get("generated", {})
        scenario = {
            a: w for phase, acc in phases.items() if phase != "generated" for a, w in acc.items()
        }
        gen_total = int(usable * GENERATED_SHARE) if scenario else usable
        caps: dict[str, int] = {}
        for accounts, budget, stretch in (
            (generated, gen_total if generated else 0, 1.0),
            (scenario, usable - (gen_total if generated else 0), SCENARIO_STRETCH),
        ):
            weight_sum = sum(accounts.values())
            for account, weight in accounts.items():
                caps[account] = max(1, int(budget * weight / weight_sum * stretch))
        self.caps = caps
        return caps

    def use(self, account: str | None) -> None:
        """Name the account the following requests are charged to (None: no account)."""
        self.account = account

    @contextmanager
    def using(self, account: str | None) -> Iterator[None]:
        previous, self.account = self.account, account
        try:
            yield
        finally:
            self.account = previous

    @property
    def spent(self) -> int:
        return self._spent

    @property
    def held(self) -> int:
        """Units held back by registered cleanups."""
        return self._held

    @property
    def reserved(self) -> int:
        """Units ordinary requests may not spend: the plan's share or what cleanups hold."""
        return max(self.reserve, self._held)

    def hold(self, n: int = 1) -> int:
        """Hold up to ``n`` more units back for cleanup; how many were held (0: unlimited)."""
        with self._lock:
            if self.max_requests is None:
                return 0
            held = max(0, min(n, self.max_requests - self._spent - self._held))
            self._held += held
            return held

    def release(self, n: int = 1) -> None:
        """Give ``n`` held units back to ordinary requests."""
        with self._lock:
            self._held = max(0, self._held - n)

    @contextmanager
    def for_cleanup(self, held: int = 0) -> Iterator[None]:
        """Requests spent in this block (this thread/task) may use the reserve; the ``held``
        units held for this undo are released when it ends."""
        token = _CLEANING.set((*_CLEANING.get(), id(self)))
        try:
            yield
        finally:
            _CLEANING.reset(token)
            self.release(held)

    @property
    def remaining(self) -> int | None:
        if self.max_requests is None:
            return None
        return max(0, self.max_requests - self._spent)

    @property
    def exhausted(self) -> bool:
        return self.max_requests is not None and self._spent >= self.max_requests

    def spend(self, n: int = 1) -> None:
        """Take ``n`` units, or raise ``BudgetExhausted`` / ``ShareExhausted`` without taking
        any. Only the cleanup account may spend the reserve."""
        with self._lock:
            account = self.account
            if self.max_requests is not None:
                cleaning = account == CLEANUP or id(self) in _CLEANING.get()
                limit = self.max_requests - (0 if cleaning else self.reserved)
                if self._spent + n > limit:
                    raise BudgetExhausted(
                        f"request budget spent: {self._spent} of {self.max_requests} requests "
                        f"used ({self.reserved} reserved for cleanup)",
                        hint=HINT,
                    )
            used = self.by_account.get(account, 0) if account is not None else 0
            cap = self.caps.get(account) if account is not None else None
            if cap is not None and used + n > cap:
                phase, _, resource = (account or "").partition(":")
                raise ShareExhausted(
                    f"the planned share of the {phase} tests of {resource or 'the run'} is spent "
                    f"({used} of {cap} requests; the plan gives {int(GENERATED_SHARE * 100)}% to "
                    "generated tests, the rest to scenarios by test count, "
                    f"{self.reserve} to cleanup)",
                    hint=HINT,
                )
            self._spent += n
            if account is not None:
                self.by_account[account] = used + n

    def share(self, workers: int) -> RequestBudget:
        """This budget split evenly over ``workers`` processes (each gets at least 1)."""
        if self.max_requests is None or workers <= 1:
            return RequestBudget(self.max_requests)
        return RequestBudget(max(1, self.max_requests // workers))

    def __repr__(self) -> str:
        return (
            f"RequestBudget(spent={self._spent}, reserved={self.reserved}, "
            f"max_requests={self.max_requests})"
        )
