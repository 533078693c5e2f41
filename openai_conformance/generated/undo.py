"""Undo for what a generated request created: find the matching DELETE or cancel in the spec.

``undo_route(spec, op)`` answers, for a create operation (``POST /vector_stores``), the
operation that undoes one created object and the path parameter the new id fills:

* ``DELETE <create path>/{id}`` (deletable resources), else
* ``POST <create path>/{id}/cancel`` (cancellable jobs: batches, fine-tuning jobs, runs);
  a job that already finished is left as it is (``cancel``), else
* ``POST <create path>/{id}/archive`` (projects: "Projects can be created and archived, but
  cannot be deleted"; archived is their final state, recorded as such: ``archive``), else
* ``POST <create path>/{id}/hangup`` (realtime calls: a call cannot be deleted, it is ended;
  a 2xx hangup is its final state, recorded as such: ``hangup``).

An object that cannot be removed but is confirmed in a final state the contract documents (a
project archived, an upload that expired before the cleanup could cancel it) is a
``scenario.cleanup.FinalState`` with the answer that confirmed it, not a failed cleanup.

``register_created(cleanup, client, spec, op, path, exchange)`` registers that undo with the
cleanup registry (``scenario.cleanup.CleanupRegistry``) when ``exchange`` is a 2xx whose body
names an ``id``, or whose ``Location`` header names the new object under the create path (a
non-JSON create: ``POST /realtime/calls`` answers SDP, the call id is only in ``Location``);
the concrete create path (parents already filled in) prefixes the undo path.
Nothing is registered for operations that create nothing undoable (no matching route).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..checks.exchange import view
from ..contract import Operation, Spec
from ..scenario.cleanup import FinalState
from ..scenario.lifecycles.target import produced_files

#: Undo actions by preference: removed, else cancelled, else brought to its final state.
UNDO_ACTIONS = (("DELETE", ""), ("POST", "/cancel"), ("POST", "/archive"), ("POST", "/hangup"))


def _routes(spec: Spec) -> dict[tuple[str, str], Operation]:
    return {(o.method.upper(), o.path): o for o in spec.operations}


def undo_route(spec: Spec, op: Operation) -> tuple[Operation, str] | None:
    """(undo operation, id parameter) for a create operation, or None."""
    if op.method.upper() != "POST":
        return None
    found: dict[tuple[str, str], tuple[Operation, str]] = {}
    prefix = op.path.rstrip("/") + "/{"
    for (method, path), undo in _routes(spec).items():
        if not path.startswith(prefix):
            continue
        param, _, tail = path[len(prefix) :].partition("}")
        if param and "{" not in param and (method, tail) in UNDO_ACTIONS:
            found[(method, tail)] = (undo, param)
    # a deletable resource is deleted, not cancelled; a cancellable one is not archived
    return next((found[action] for action in UNDO_ACTIONS if action in found), None)


def register_created(
    cleanup: Any, client: Any, spec: Spec, op: Operation, path: str, exchange: Any
) -> bool:
    """Register the undo of the object ``exchange`` created with ``op`` at ``path``.

    True when an undo was registered; False when the answer is not a 2xx with an ``id`` or
    ``op`` has no matching DELETE/cancel route.
    """
    if cleanup is None or not 200 <= getattr(exchange, "status", 0) < 300:
        return False
    body = view(exchange).json_or_none()
    _settle(cleanup, client, spec, op, path, body)
    route = undo_route(spec, op)
    if route is None:
        return False
    ident = body.get("id") if isinstance(body, dict) else None
    if not isinstance(ident, str):
        ident = located(exchange, path)
    if not isinstance(ident, str):
        return False
    return register_undo(cleanup, client, spec, op, path, ident)


def located(exchange: Any, path: str) -> str | None:
    """The id a create's ``Location`` header names directly under its concrete create
    ``path`` (``/v1/realtime/calls/rtc_1`` for ``/realtime/calls``; any base path may
    precede it), else None: a location elsewhere names no object of this create."""
    location = view(exchange).headers.get("location", "")
    where = urlsplit(location).path.rstrip("/")
    parent, _, ident = where.rpartition("/")
    create = path.split("?", 1)[0].rstrip("/")
    if not ident or not create or not parent.endswith(create):
        return None
    return ident


def _settle(cleanup: Any, client: Any, spec: Spec, op: Operation, path: str, body: Any) -> None:
    """An object the run itself finalised (``POST …/{id}/complete``, or ``…/{id}/cancel`` of
    an object the contract offers no ``GET`` for, so a later refused cancel could never be
    confirmed) needs no undo any more; a completed upload's file does (``DELETE /files/{id}``):
    uploads themselves cannot be deleted."""
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    if op.method.upper() == "POST" and len(parts) >= 3 and parts[-1] in ("complete", "cancel"):
        object_path = "/".join(parts[:-1])
        if parts[-1] == "complete" or spec.match("GET", object_path) is None:
            cleanup.discard(parts[-3], parts[-2])
    file = body.get("file") if isinstance(body, dict) else None
    file_id = file.get("id") if isinstance(file, dict) else None
    if isinstance(file_id, str) and file_id and "/" not in file_id:
        cleanup.register(
            "files",
            file_id,
            lambda: client.request(
                "DELETE", f"/files/{file_id}", operation="DELETE /files/{file_id}"
            ),
            f"{file_id} made by {op.id} (undo: DELETE /files/{file_id})",
        )


def register_undo(
    cleanup: Any, client: Any, spec: Spec, op: Operation, path: str, ident: str
) -> bool:
    """Register the undo of object ``ident`` created with ``op`` at the concrete ``path``."""
    route = undo_route(spec, op)
    if cleanup is None or route is None or not ident or "/" in ident:
        return False
    undo, param = route
    suffix = undo.path[len(op.path.rstrip("/")) :].replace("{" + param + "}", ident)
    target = path.split("?", 1)[0].rstrip("/") + suffix
    if undo.method.upper() == "DELETE":

        def run() -> Any:
            return client.request(undo.method, target, operation=undo.id)
    elif undo.path.endswith("/archive"):

        def run() -> Any:
            return archive(client, undo, target)
    elif undo.path.endswith("/hangup"):

        def run() -> Any:
            return hangup(client, undo, target)
    else:

        def run() -> Any:
            return cancel(client, spec, undo, target)

    cleanup.register(
        op.path.strip("/").split("/")[-1] or "object",
        ident,
        run,
        f"{ident} created by {op.id} (undo: {undo.method.upper()} {target})",
        cost=CANCEL_COST if undo.path.endswith("/cancel") else 1,
    )
    return True


#: Requests a cancel undo may send: the cancel, a GET when it is refused, and the deletes of
#: the job's output and error files (``cancel``).
CANCEL_COST = 4


#: Job states with nothing left to cancel (OpenAI answers a cancel of them 400/409).
FINISHED = frozenset({"cancelled", "cancelling", "completed", "failed", "expired", "succeeded"})


def archive(client: Any, undo: Operation, target: str) -> Any:
    """Archive an object that cannot be deleted (a project): a 2xx is its final state."""
    answer = client.request(undo.method, target, operation=undo.id)
    status = getattr(answer, "status", None)
    body = view(answer).json_or_none()
    shown = body.get("status", "archived") if isinstance(body, dict) else "archived"
    if isinstance(status, int) and 200 <= status < 300 and shown == "archived":
        return FinalState(
            f"archived ({undo.method.upper()} {target} answered HTTP {status}, status "
            "'archived'): the contract offers no delete, archived is the final state",
            status,
        )
    return answer


def hangup(client: Any, undo: Operation, target: str) -> Any:
    """End a call (a realtime call cannot be deleted): a 2xx is its final state."""
    answer = client.request(undo.method, target, operation=undo.id)
    status = getattr(answer, "status", None)
    if isinstance(status, int) and 200 <= status < 300:
        return FinalState(
            f"ended ({undo.method.upper()} {target} answered HTTP {status}): the contract "
            "offers no delete, a call that was hung up is over",
            status,
        )
    return answer


def cancel(client: Any, spec: Spec, undo: Operation, target: str) -> Any:
    """Cancel a job, then delete the files it produced (``output_file_id``, ``error_file_id``,
    ``result_files``: the target makes them from the run's job, so they are the run's too).

    A refused cancel (4xx other than 404) of an object already in a final state counts as done
    (``FinalState`` with the evidence): the object is looked up (``GET``) and its ``status``
    must be final; an object the contract offers no ``GET`` for (an upload) is final when the
    refusal itself names its final status (an upload that expired an hour after creation:
    "its status is 'expired'"). Anything else is the refusal, so the registry reports it.
    A file that cannot be deleted (an answer other than 2xx/404) is the result instead.
    """
    answer = client.request(undo.method, target, operation=undo.id)
    job: Any = answer
    result: Any = answer
    status = getattr(answer, "status", None)
    if isinstance(status, int) and 400 <= status < 500 and status != 404:
        object_path = target.rsplit("/", 1)[0]
        if spec.match("GET", object_path) is None:
            final = refused_as_final(answer)
            return (
                FinalState(f"already {final}: {_refusal(undo, target, answer)}", status)
                if final
                else answer
            )
        looked = client.request("GET", object_path)
        body = view(looked).json_or_none()
        final = body.get("status") if isinstance(body, dict) else None
        if not (200 <= looked.status < 300 and final in FINISHED):
            return answer
        job = looked
        result = FinalState(
            f"already {final} (GET {object_path} answered HTTP {looked.status} with status "
            f"{final!r}): {_refusal(undo, target, answer)}",
            looked.status,
        )
    for file_id in produced_files(view(job).json_or_none()):
        gone = client.request("DELETE", f"/files/{file_id}")
        if not (200 <= gone.status < 300 or gone.status == 404):
            return gone
    return result


# "Cannot cancel upload upload_1: its status is 'expired', not 'pending'."
_STATUS_NAMED = re.compile(r"\bstatus(?: is|:|=)?\s*['\"]?([a-z_]+)")


def refused_as_final(answer: Any) -> str | None:
    """The final status a refusal's error envelope names for the object (its first "status
    is 'x'"), or None: the refusal gives no evidence that the object is finished."""
    body = view(answer).json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    found = _STATUS_NAMED.search(message) if isinstance(message, str) else None
    return found.group(1) if found and found.group(1) in FINISHED else None


def _refusal(undo: Operation, target: str, answer: Any) -> str:
    body = view(answer).json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else ""
    return f"{undo.method.upper()} {target} answered HTTP {answer.status} {str(message)[:200]!r}"
