"""Steps against a target: run configuration, safety gates, cleanup, uploads, polling.

Everything here goes through the project's client (``client.request``), checks
(``assert_conforms``), polling (``polling.poll``) and cleanup registry; the suites never build
a second HTTP stack. Whether the target implements a feature at all is decided before a test
runs, by the plugin's absence rule from the feature registry (plugin/absence.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...checks.failures import Failure
from ...contract.features import registry
from .failing import fail
from .listing import operation_template
from .machines import StateMachine, render_timeline

#: Deadlines (seconds) when the profile names none: each lifecycle feature's ``deadline_s`` in
#: suites/<x>/feature.yaml, generous but bounded for real providers.
DEFAULT_DEADLINES = registry().deadlines()
#: Without a profile nothing says the target is a slow real provider: a first run stays within
#: minutes (a static mock never finishes a batch); --lifecycle-deadline raises it.
UNPROFILED_DEADLINE_S = 300.0
DEADLINE_HINT = (
    "raise it with --lifecycle-deadline SECONDS (OAIC_LIFECYCLE_DEADLINE) or "
    "[deadlines.{feature}] seconds = N in the target profile"
)
#: On the reference server lifecycles run on a fast clock; a minute of wall time is plenty.
REFERENCE_DEADLINE_S = 60.0


def is_reference(config: Any) -> bool:
    """True when the target is our reference server (embedded, or the ``reference`` profile)."""
    return (
        bool(getattr(config, "embedded", False)) or getattr(config, "profile", None) == "reference"
    )


def deadline_s(config: Any, feature: str) -> float:
    """The lifecycle deadline for ``feature``: ``--lifecycle-deadline``, else the profile's,
    else the defaults above (bounded to ``UNPROFILED_DEADLINE_S`` without a profile)."""
    override = getattr(config, "lifecycle_deadline", None)
    if override:
        return float(override)
    default = REFERENCE_DEADLINE_S if is_reference(config) else DEFAULT_DEADLINES[feature]
    if getattr(config, "profile", None) is None and not is_reference(config):
        default = min(default, UNPROFILED_DEADLINE_S)
    return float(config.deadline(feature, default).seconds)


def submit_only(config: Any, feature: str) -> bool:
    """True when the profile says: submit and verify initial states only (no full lifecycle)."""
    return bool(config.deadline(feature, DEFAULT_DEADLINES[feature]).submit_only)


def allowed(config: Any, safety: str) -> bool:
    """True when the run allows operations of this safety class (costly, admin, destructive)."""
    return bool(config.allows(safety))


def require_allowed(config: Any, safety: str, what: str) -> None:
    """Raise ``Disabled`` unless the run allows ``safety`` (e.g. ``costly`` batch creation)."""
    from ...checks.outcomes import Disabled

    if not allowed(config, safety):
        raise Disabled(f"{what} is {safety}; enable it with --allow {safety}")


def register_undo(
    cleanup: Any, client: Any, kind: str, ident: str, method: str, path: str, what: str
) -> None:
    """Register ``method path`` as the undo of a created object, before anything can fail.

    The undo returns its exchange, so the registry reports "already gone (HTTP 404)" or a
    failed undo with its status instead of a blind success.
    """

    def undo() -> Any:
        return client.request(method, path)

    cleanup.register(kind, ident, undo, what)


def register_cancel(
    cleanup: Any, client: Any, kind: str, path: str, machine: StateMachine, what: str
) -> None:
    """Register "cancel unless already terminal" for a lifecycle object at ``path``
    (``POST path/cancel``); a finished batch or job is left alone instead of drawing a 400,
    and the files it produced are deleted."""

    def undo() -> Any:
        current = client.request("GET", path)
        try:
            body = current.json() if current.status == 200 else None
        except (ValueError, AttributeError):
            body = None
        status = body.get("status") if isinstance(body, dict) else None
        if current.status != 200:
            return current
        if status in machine.terminal:
            # a finished job's output is the run's too (batch output/error files, fine-tuning
            # result files): deleted, else the failed delete is the result
            for file_id in produced_files(body):
                gone = client.request("DELETE", f"/files/{file_id}")
                if not (200 <= gone.status < 300 or gone.status == 404):
                    return gone
            return current
        return client.request("POST", f"{path}/cancel")

    cleanup.register(kind, path.rsplit("/", 1)[-1], undo, what, cost=4)


def produced_files(job: Any) -> list[str]:
    """Ids of the files a job answer names as its output (``output_file_id``,
    ``error_file_id``, ``result_files``): the target made them from the run's job."""
    if not isinstance(job, dict):
        return []
    found = [job.get("output_file_id"), job.get("error_file_id")]
    results = job.get("result_files")
    if isinstance(results, list):
        found.extend(results)
    return [f for f in found if isinstance(f, str) and f and "/" not in f]


def upload_file(
    client: Any,
    cleanup: Any,
    data: bytes,
    *,
    purpose: str,
    filename: str,
    content_type: str = "application/octet-stream",
) -> dict[str, Any]:
    """``POST /files`` (multipart), checked, registered for deletion; returns the File object.

    A target without the files API never gets here: features that upload declare
    ``needs: [files]`` and the plugin makes their tests UNSUPPORTED.
    """
    from ...checks import assert_conforms

    exchange = client.request(
        "POST",
        "/files",
        data={"purpose": purpose},
        files={"file": (filename, data, content_type)},
    )
    body = assert_conforms(exchange, "POST /files")
    file_id = str(body["id"])
    register_undo(cleanup, client, "file", file_id, "DELETE", f"/files/{file_id}", filename)
    return dict(body)


@dataclass
class Observed:
    """Every state a poll saw (in order), the last object and the exchange that carried it."""

    states: list[str] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)
    exchange: Any = None
    timed_out: bool = False
    deadline_s: float | None = None


def observe(
    client: Any,
    path: str,
    machine: StateMachine,
    *,
    deadline: float,
    until: Iterable[str] | None = None,
    start: Observed | None = None,
    fast: bool = False,
) -> Observed:
    """Poll ``GET path`` until the object's status is in ``until`` (default: the machine's
    terminal states) or ``deadline`` seconds pass, through the project's polling helper.

    Every poll is checked against the operation's schema and its status appended to
    ``Observed.states`` (the state timeline). Each poll is an exchange record and the whole
    timeline a ``timeline`` record in the evidence (via the client's recorder), so the report
    shows it. ``fast`` (the reference server, whose states last tens of milliseconds) polls every
    10 ms; otherwise polls start at 1 s and back off to 30 s. A deadline is not raised here:
    ``timed_out`` is set and the caller decides (usually a FAIL naming the timeline, see
    ``reached_conformance``).
    """
    from ...checks import assert_conforms
    from ..polling import PollTimeout, poll

    seen = start or Observed()
    stop = frozenset(until or machine.terminal)
    op = f"GET {operation_template(path)}"

    def fetch() -> Any:
        exchange = client.request("GET", path)
        body = assert_conforms(exchange, op)
        seen.states.append(str(body.get("status")))
        seen.body, seen.exchange = dict(body), exchange
        return exchange

    if seen.states and seen.states[-1] in stop:
        return seen
    # The reference server's states last tens of milliseconds: poll every 10 ms, no backoff.
    interval, backoff, cap = (0.01, 1.0, 0.01) if fast else (1.0, 1.5, 30.0)
    try:
        poll(
            fetch,
            lambda b: b.get("status"),
            until=lambda s: s in stop,
            deadline_s=deadline,
            interval_s=interval,
            backoff=backoff,
            max_interval_s=cap,
            recorder=getattr(client, "recorder", None),  # the timeline becomes evidence
        )
    except PollTimeout:
        seen.timed_out = True
        seen.deadline_s = deadline
    return seen


def reached_conformance(
    seen: Observed,
    machine: StateMachine,
    want: Iterable[str],
    *,
    operation: str,
) -> None:
    """Fail unless the last observed state is one of ``want`` (timeline in the message)."""
    goal = sorted(want)
    last = seen.states[-1] if seen.states else None
    if seen.timed_out and last not in goal and last in machine.states - machine.terminal:
        # Still progressing through documented states: the target may just be slow.
        from ...checks.outcomes import DeadlinePassed

        feature = operation.split(" ")[-1].strip("/").split("/")[0]  # GET /batches/{id}: batches
        raise DeadlinePassed(
            f"{machine.name} still {last!r} after {seen.deadline_s or 0:g} s "
            f"(timeline: {render_timeline(seen.states)})",
            DEADLINE_HINT.format(feature=feature),
        )
    if last not in goal:
        why = "deadline passed" if seen.timed_out else "stopped"
        fail(
            Failure.of(
                "lifecycle_reached_conformance",
                f"{machine.name} never reached {'|'.join(goal)} ({why})",
                operation=operation,
                pointer="/status",
                expected="|".join(goal),
                actual=last,
                message=f"timeline: {render_timeline(seen.states)}",
                exchange=seen.exchange,
            )
        )


def model_for(config: Any, role: str) -> str:
    """The profile's model for ``role``; a profile that names none makes the test DISABLED."""
    from ...checks.outcomes import Disabled

    try:
        return str(config.model(role))
    except KeyError:
        raise Disabled(f"the profile names no {role!r} model ([models] {role} = ...)") from None
