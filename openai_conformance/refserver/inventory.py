"""What the reference server holds: every stored object with its current status (a test aid).

``inventory(state) -> list[dict]`` answers one row per object of the store, plus the models
the server registered for fine-tuning jobs (``ft:`` ids), with:

* ``kind`` (store kind, e.g. ``file``, ``upload``, ``organization/projects``), ``parent``, ``id``;
* ``status``: a lifecycle's current state (batches, fine-tuning jobs: their ``Timeline`` read
  at the clock's now), else the stored ``status``, with a ``pending`` object past its
  ``expires_at`` shown ``expired`` (the uploads rule: an upload expires an hour after creation)
  and so is a file past its ``expires_at`` (the files API answers 404 for it);
* ``expires_at``, ``created_at``, ``metadata``, ``name`` (else ``filename``), ``purpose`` as
  stored (a file's purpose tells the files a job produced from the ones a client uploaded);
* ``origin``: ``created`` (made by a request), ``seeded`` (a record the engine made up on first
  use of a kind the contract offers no create for) or ``setting`` (a singleton such as a
  project's data retention: configuration, not an object).

``created`` lists every object the store ever held, in creation order, with the same fields
(``status`` as last stored; ``present``: still in the store), so a self-test can also judge
what was created and removed again (does it carry the run id?).

Served at ``GET /v1/__oaic/inventory`` only with ``allow_fault_header`` (the test-only
controls, never on a served target by default), so a self-test can list what a run left
behind without walking 60 list routes (``tests/generated/test_inventory_after_run.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .engine import SEEDED
from .handlers.files import KIND as FILE_KIND
from .handlers.files import expired as file_expired
from .handlers.lifecycle import refresh_all

if TYPE_CHECKING:
    from .state import ServerState


def inventory(state: ServerState) -> dict[str, Any]:
    """``{"object": "list", "now": <clock>, "data": [rows]}`` (see module doc)."""
    refresh_all(state)  # materialise what reached states imply (result files, models)
    now = state.clock.now()
    seeded: set[str] = state.extra.get(SEEDED, set())
    store = state.store
    with store._lock:  # the store offers no "everything" view; this module is its only reader
        buckets = [(kind, parent, list(b.values())) for (kind, parent), b in store._data.items()]
        journal = list(store.journal)
    rows = []
    present = set()
    for kind, parent, objects in buckets:
        timelines = state.extra.get(f"lifecycle:{kind}", {})
        for obj in objects:
            present.add((kind, parent, str(obj.get("id"))))
            row = _row(kind, parent, obj, seeded)
            row["status"] = _status(kind, obj, timelines.get(row["id"]), now)
            rows.append(row)
    for model in list(state.models):
        if str(model.get("id", "")).startswith("ft:"):
            rows.append(
                {
                    "kind": "model",
                    "parent": None,
                    "id": model["id"],
                    "status": None,
                    "expires_at": None,
                    "created_at": model.get("created"),
                    "metadata": None,
                    "name": None,
                    "origin": "created",
                }
            )
    created = []
    for kind, parent, obj in journal:
        row = _row(kind, parent, obj, seeded)
        row["present"] = (kind, parent, row["id"]) in present
        created.append(row)
    return {"object": "list", "now": now, "data": rows, "created": created}


def _row(kind: str, parent: str | None, obj: dict[str, Any], seeded: set[str]) -> dict[str, Any]:
    ident = str(obj.get("id"))
    origin = "created"
    if ident == "singleton":
        origin = "setting"
    elif ident in seeded:
        origin = "seeded"
    name = obj.get("name", obj.get("filename"))
    return {
        "kind": kind,
        "parent": parent,
        "id": ident,
        "status": obj.get("status"),
        "expires_at": obj.get("expires_at"),
        "created_at": obj.get("created_at", obj.get("created")),
        "metadata": obj.get("metadata"),
        "name": name if isinstance(name, str) else None,
        "purpose": obj.get("purpose"),
        "origin": origin,
    }


def _status(kind: str, obj: dict[str, Any], record: Any, now: float) -> Any:
    timeline = getattr(record, "timeline", None)
    if timeline is not None:
        return timeline.state(now)
    status = obj.get("status")
    expires = obj.get("expires_at")
    if status == "pending" and isinstance(expires, int | float) and now >= expires:
        return "expired"
    if kind == FILE_KIND and file_expired(obj, int(now)):
        return "expired"  # the files API answers 404 for it: gone for every client
    return status
