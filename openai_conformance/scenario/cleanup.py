"""The cleanup registry: everything the suite creates is undone, in reverse, even after failures.

Scenario tests and the generated suite register an undo right after a create succeeds
(before anything else can fail)::

    registry.register("file", file_id, lambda: client.request("DELETE", f"/files/{file_id}"),
                      "uploaded test file")

``run_all()`` runs the undos newest first (children before parents), never raises, records
every result (``CleanupResult``) and, when the client has a recorder, a ``cleanup`` evidence
record. An undo whose answer is 404 counts as done (the object is already gone). Running it
twice is a no-op; ``discard(kind, ident)`` forgets an entry the test already removed.

Each registered undo holds its ``cost`` (default one unit) of the client's request budget
back for cleanup (``RequestBudget.hold``) and runs inside ``budget.for_cleanup()``, so a run
that spends its budget still has the requests its cleanup needs. An undo that could not run
(an exception, the budget, an answer other than 2xx/404) is a failed ``CleanupResult``
(``ok=False``); the reports list them and ``--certify`` fails the run on them.

Some objects cannot be removed at all, only brought to a final state the contract documents:
a project is archived ("Projects can be created and archived, but cannot be deleted"), an
upload expires an hour after its creation and can then be neither cancelled nor used. An undo
that confirms such a state returns ``FinalState(detail)`` with its evidence; the result is
``ok=True, final=True``: nothing usable is left, and the reports count it apart from the
objects that were removed.

Every created resource carries the run id so leftovers of a crashed run can be found and
removed by hand: ``tag(metadata, run_id)`` adds ``{"oaic_run": run_id}`` to a metadata dict,
``name_prefix(run_id)`` gives ``oaic-<run_id>-`` for objects that only have a name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..wire.budget import CLEANUP
from ..wire.evidence import current_test
from ..wire.exchange import utc_now
from ..wire.redact import redact_text

RUN_TAG = "oaic_run"


def tag(metadata: Mapping[str, Any] | None, run_id: str) -> dict[str, Any]:
    """``metadata`` plus ``{"oaic_run": run_id}`` (OpenAI metadata: ≤ 16 string pairs)."""
    return {**(metadata or {}), RUN_TAG: run_id}


def name_prefix(run_id: str) -> str:
    return f"oaic-{run_id}-"


@dataclass(frozen=True)
class FinalState:
    """What an undo returns when the object cannot be removed but is confirmed in a final
    state the contract documents (archived, expired). ``detail`` is the evidence: what was
    asked, what the target answered, and why that state is final."""

    detail: str
    status: int | None = None  # HTTP status of the answer that confirmed it


@dataclass(frozen=True)
class CleanupEntry:
    kind: str
    ident: str
    undo: Callable[[], object]
    description: str
    test_id: str | None
    held: int = 0  # budget units reserved for this undo


@dataclass(frozen=True)
class CleanupResult:
    kind: str
    ident: str
    description: str
    ok: bool
    detail: str  # "deleted (HTTP 200)", "already gone (HTTP 404)", "RuntimeError: ..."
    final: bool = False  # not removed: confirmed in a final state (``FinalState``)

    def to_record(self) -> dict[str, Any]:
        return {
            "kind": "cleanup",
            "resource": self.kind,
            "ident": self.ident,
            "description": self.description,
            "ok": self.ok,
            "final": self.final,
            "detail": self.detail,
        }


class CleanupRegistry:
    """See module doc. Thread-safe; ``client`` is used for its recorder and secrets only."""

    def __init__(self, client: Any = None) -> None:
        self.client = client
        self._entries: list[CleanupEntry] = []
        self._lock = threading.Lock()
        self.results: list[CleanupResult] = []

    def register(
        self,
        kind: str,
        ident: str,
        undo: Callable[[], object],
        description: str = "",
        cost: int = 1,
    ) -> CleanupEntry:
        """Register ``undo``; ``cost`` is the most requests it may send (a job's cancel may
        look the job up and delete the files it produced), all held back from the budget."""
        budget = self._budget()
        held = budget.hold(max(1, cost)) if budget is not None else 0
        entry = CleanupEntry(
            kind, str(ident), undo, description or f"{kind} {ident}", current_test.get(), held
        )
        with self._lock:
            self._entries.append(entry)
        return entry

    def discard(self, kind: str, ident: str) -> bool:
        """Forget an entry (the test deleted the object itself). True if one was removed."""
        with self._lock:
            for i in range(len(self._entries) - 1, -1, -1):
                entry = self._entries[i]
                if entry.kind == kind and entry.ident == str(ident):
                    del self._entries[i]
                    budget = self._budget()
                    if budget is not None and entry.held:
                        budget.release(entry.held)
                    return True
        return False

    def _budget(self) -> Any:
        budget = getattr(self.client, "budget", None)
        return budget if hasattr(budget, "hold") else None

    @property
    def pending(self) -> list[CleanupEntry]:
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def run_all(self) -> list[CleanupResult]:
        """Undo everything registered, newest first; never raises; idempotent."""
        with self._lock:
            entries, self._entries = self._entries, []
        budget = getattr(self.client, "budget", None)
        # Cleanup spends the budget's reserve (wire.budget), never a test's planned share.
        using = budget.using(CLEANUP) if budget is not None else contextlib.nullcontext()
        with using:
            results = [self._run(entry) for entry in reversed(entries)]
        self.results.extend(results)
        return results

    def _run(self, entry: CleanupEntry) -> CleanupResult:
        secrets = list(getattr(self.client, "secrets", []) or [])
        budget = self._budget()
        spending = (
            budget.for_cleanup(entry.held) if budget is not None else contextlib.nullcontext()
        )
        try:
            with spending:
                outcome = entry.undo()
        except BaseException as exc:  # cleanup must survive everything but interrupts
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            detail = redact_text(f"{exc.__class__.__name__}: {exc}", secrets)
            result = CleanupResult(entry.kind, entry.ident, entry.description, False, detail)
        else:
            result = _judged(entry, outcome)
        # An ident or description may carry what the target sent back (an echoed key).
        result = dataclasses.replace(
            result,
            ident=redact_text(result.ident, secrets),
            description=redact_text(result.description, secrets),
            detail=redact_text(result.detail, secrets),
        )
        recorder = getattr(self.client, "recorder", None)
        if recorder is not None:
            # a full disk must not stop the other undos
            with contextlib.suppress(Exception):
                recorder.record(
                    {**result.to_record(), "test_id": entry.test_id, "recorded_at": utc_now()}
                )
        return result


def _judged(entry: CleanupEntry, outcome: object) -> CleanupResult:
    """The result of an undo that ran: removed (2xx), already gone (404), confirmed in a final
    state (``FinalState``), else failed with the status it answered."""
    if isinstance(outcome, FinalState):
        return CleanupResult(
            entry.kind, entry.ident, entry.description, True, outcome.detail, final=True
        )
    status = getattr(outcome, "status", None)
    if status is None or 200 <= status < 300:
        detail, ok = "undone" + (f" (HTTP {status})" if status else ""), True
    elif status == 404:
        detail, ok = "already gone (HTTP 404)", True
    else:
        detail, ok = f"undo answered HTTP {status}", False
    return CleanupResult(entry.kind, entry.ident, entry.description, ok, detail)
