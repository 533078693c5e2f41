"""Shared machinery of the lifecycle suites (files, uploads, batches, fine-tuning).

Pure helpers, no I/O, so every suite and self-test can use them without a target:

* JSONL builders for batch input files and fine-tuning training files (``batch_line``,
  ``sft_training_jsonl``, ``dpo_training_jsonl``, ``jsonl``).
* Legal-transition tables for the documented state machines (``BATCH``, ``FINE_TUNING``,
  ``UPLOAD``) with the timestamp field each batch state sets.
* Checks over what a poll observed, each raising ``ConformanceFailure`` with the whole state
  timeline in the message: ``legal_transitions_conformance`` (only documented moves, never
  backwards), ``timestamps_conformance`` (a timestamp exists once its state was reached, and
  they never decrease), ``list_envelope_conformance`` and ``pagination_walk_conformance``
  (``limit``/``after`` visits every item exactly once; ``first_id``/``last_id``/``has_more``
  agree with ``data``).

A "timeline" here is the ordered list of states observed by consecutive polls (duplicates
allowed: a poll that saw the same state twice is normal). Observation is sampled, so a state
machine may legally *skip* intermediate states between two polls; the tables therefore hold
the transitive closure of the documented forward moves, and only a move to an earlier or
unrelated state is illegal.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .failures import Failure, show
from .outcomes import ConformanceFailure

# ---------------------------------------------------------------------------------------------
# State machines
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateMachine:
    """A documented lifecycle: direct forward moves, terminal states, timestamp per state."""

    name: str
    initial: frozenset[str]
    moves: Mapping[str, frozenset[str]]  # direct documented moves
    terminal: frozenset[str]
    timestamps: Mapping[str, str] = field(default_factory=dict)  # state -> field it sets

    def reachable(self, state: str) -> frozenset[str]:
        """Every state reachable from ``state`` by one or more documented moves."""
        seen: set[str] = set()
        todo = list(self.moves.get(state, ()))
        while todo:
            nxt = todo.pop()
            if nxt not in seen:
                seen.add(nxt)
                todo.extend(self.moves.get(nxt, ()))
        return frozenset(seen)

    def legal(self, before: str, after: str) -> bool:
        """True when a poll may see ``after`` following ``before`` (equal, or reachable)."""
        return before == after or after in self.reachable(before)

    @property
    def states(self) -> frozenset[str]:
        out = set(self.moves) | set(self.terminal) | set(self.initial)
        for targets in self.moves.values():
            out |= targets
        return frozenset(out)


def _fs(*names: str) -> frozenset[str]:
    return frozenset(names)


#: https://platform.openai.com/docs/guides/batch#4-check-the-status-of-a-batch
BATCH = StateMachine(
    name="batch",
    initial=_fs("validating"),
    moves={
        "validating": _fs("in_progress", "failed", "cancelling"),
        "in_progress": _fs("finalizing", "expired", "cancelling", "failed"),
        "finalizing": _fs("completed", "expired", "cancelling", "failed"),
        "cancelling": _fs("cancelled"),
    },
    terminal=_fs("completed", "failed", "expired", "cancelled"),
    timestamps={
        "in_progress": "in_progress_at",
        "finalizing": "finalizing_at",
        "completed": "completed_at",
        "failed": "failed_at",
        "expired": "expired_at",
        "cancelling": "cancelling_at",
        "cancelled": "cancelled_at",
    },
)

#: https://platform.openai.com/docs/api-reference/fine-tuning/object (status enum) and the
#: pause/resume endpoints: a paused job resumes into running. Nothing leads back to queued, so
#: ``running → queued`` is illegal even when a poll could have missed a pause in between.
FINE_TUNING = StateMachine(
    name="fine_tuning.job",
    initial=_fs("validating_files", "queued"),
    moves={
        "validating_files": _fs("queued", "failed", "cancelled"),
        "queued": _fs("running", "failed", "cancelled"),
        "running": _fs("succeeded", "failed", "cancelled", "paused"),
        "paused": _fs("running", "cancelled", "failed"),
    },
    terminal=_fs("succeeded", "failed", "cancelled"),
)

#: https://platform.openai.com/docs/api-reference/uploads/object
UPLOAD = StateMachine(
    name="upload",
    initial=_fs("pending"),
    moves={"pending": _fs("completed", "cancelled", "expired")},
    terminal=_fs("completed", "cancelled", "expired"),
)


def collapse(states: Iterable[str]) -> list[str]:
    """The timeline without consecutive repeats: ``[a, a, b, b, a]`` -> ``[a, b, a]``."""
    out: list[str] = []
    for state in states:
        if not out or out[-1] != state:
            out.append(state)
    return out


def render_timeline(states: Sequence[str]) -> str:
    """``validating → in_progress (x3) → completed`` for failure messages and reports."""
    runs: list[list[Any]] = []  # [state, count]
    for state in states:
        if runs and runs[-1][0] == state:
            runs[-1][1] += 1
        else:
            runs.append([state, 1])
    return " → ".join(s if n == 1 else f"{s} (x{n})" for s, n in runs) or "(no polls)"


def illegal_moves(states: Sequence[str], machine: StateMachine) -> list[tuple[int, str, str]]:
    """``(poll index, before, after)`` for every observed move the machine does not allow.

    Unknown states count as illegal too (they are not in the documented enum).
    """
    bad: list[tuple[int, str, str]] = []
    known = machine.states
    for i in range(1, len(states)):
        before, after = states[i - 1], states[i]
        if after not in known or (before in known and not machine.legal(before, after)):
            bad.append((i, before, after))
    return bad


# ---------------------------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------------------------


def lifecycle_failure(
    check: str,
    title: str,
    *,
    requirement: str | None = None,
    level: str = "MUST",
    operation: str | None = None,
    pointer: str | None = None,
    expected: Any = None,
    actual: Any = None,
    message: str = "",
    exchange: Any = None,
) -> Failure:
    """A ``Failure`` for a lifecycle invariant (with the exchange's curl when given)."""
    failure = Failure(
        title=title,
        check=check,
        requirement=requirement,
        level=level,
        operation=operation,
        pointer=pointer,
        expected=None if expected is None else str(expected),
        actual=None if actual is None else (actual if isinstance(actual, str) else show(actual)),
        message=message or title,
    )
    return failure.with_exchange(exchange) if exchange is not None else failure


def fail(failures: Failure | Sequence[Failure]) -> None:
    """Raise ``ConformanceFailure`` when there is anything to report."""
    if isinstance(failures, Failure):
        raise ConformanceFailure(failures)
    if failures:
        raise ConformanceFailure(list(failures))


# ---------------------------------------------------------------------------------------------
# Checks over observed states
# ---------------------------------------------------------------------------------------------


def legal_transitions_conformance(
    states: Sequence[str],
    machine: StateMachine,
    *,
    operation: str,
    requirement: str | None = None,
    exchange: Any = None,
) -> None:
    """Fail when the polled timeline has a move the machine forbids (e.g. going backwards)."""
    problems = []
    timeline = render_timeline(states)
    if states and states[0] not in machine.states:
        problems.append((0, "(start)", states[0]))
    problems += illegal_moves(states, machine)
    failures = [
        lifecycle_failure(
            "legal_transitions_conformance",
            f"illegal {machine.name} state transition {before} → {after}",
            requirement=requirement,
            operation=operation,
            pointer="/status",
            expected=(
                "one of " + "|".join(sorted(machine.reachable(before) | {before}))
                if before in machine.states
                else "a documented state"
            ),
            actual=after,
            message=f"poll #{index} saw {after!r} after {before!r}; timeline: {timeline}",
            exchange=exchange,
        )
        for index, before, after in problems
    ]
    fail(failures)


def timestamps_conformance(
    obj: Mapping[str, Any],
    reached: Iterable[str],
    machine: StateMachine,
    *,
    operation: str,
    requirement: str | None = None,
    exchange: Any = None,
) -> None:
    """Fail when a reached state's timestamp is missing, or timestamps go back in time.

    ``obj`` is the latest object; ``reached`` every state the timeline observed (a state the
    object is in now counts as reached). Timestamps are compared in lifecycle order against
    ``created_at``.
    """
    seen = set(reached) | {str(obj.get("status"))}
    failures: list[Failure] = []
    for state, fld in machine.timestamps.items():
        if state in seen and not isinstance(obj.get(fld), int):
            failures.append(
                lifecycle_failure(
                    "timestamps_conformance",
                    f"{machine.name} reached {state!r} but {fld} is not set",
                    requirement=requirement,
                    operation=operation,
                    pointer=f"/{fld}",
                    expected="a Unix timestamp (integer)",
                    actual=obj.get(fld),
                    exchange=exchange,
                )
            )
    order = ["created_at", *machine.timestamps.values()]
    previous: tuple[str, int] | None = None
    for fld in order:
        value = obj.get(fld)
        if not isinstance(value, int):
            continue
        if previous and value < previous[1]:
            failures.append(
                lifecycle_failure(
                    "timestamps_conformance",
                    f"{fld} is earlier than {previous[0]}",
                    requirement=requirement,
                    operation=operation,
                    pointer=f"/{fld}",
                    expected=f">= {previous[1]} ({previous[0]})",
                    actual=value,
                    exchange=exchange,
                )
            )
        previous = (fld, value)
    fail(failures)


# ---------------------------------------------------------------------------------------------
# List envelopes and pagination
# ---------------------------------------------------------------------------------------------


def list_envelope_problems(page: Mapping[str, Any], *, last_page: bool | None) -> list[str]:
    """What is inconsistent in one list envelope (empty when it is consistent).

    ``last_page`` is True/False when the caller knows whether more items follow (then
    ``has_more`` must say so), None when it does not.
    """
    problems: list[str] = []
    data = page.get("data")
    if not isinstance(data, list):
        return [f"/data is not an array: {show(data)}"]
    ids = [item.get("id") if isinstance(item, dict) else None for item in data]
    if data:
        if "first_id" in page and page.get("first_id") != ids[0]:
            problems.append(f"/first_id is {show(page.get('first_id'))}, data[0].id is {ids[0]!r}")
        if "last_id" in page and page.get("last_id") != ids[-1]:
            problems.append(f"/last_id is {show(page.get('last_id'))}, data[-1].id is {ids[-1]!r}")
    if last_page is not None and "has_more" in page and page.get("has_more") is last_page:
        problems.append(
            f"/has_more is {show(page.get('has_more'))} but "
            + ("no further item exists" if last_page else "further items exist")
        )
    if len(set(ids)) != len(ids):
        problems.append("/data repeats an id within one page")
    return problems


@dataclass
class PageWalk:
    """What walking a list with ``limit``/``after`` saw: pages and every id in visit order."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    exchanges: list[Any] = field(default_factory=list)
    truncated: bool = False  # stopped at max_pages with has_more still true


def pagination_walk_conformance(
    walk: PageWalk,
    expected_ids: Sequence[str],
    *,
    operation: str,
    requirement: str | None = None,
    limit: int,
    check_envelope: bool = True,
) -> None:
    """Fail unless every id in ``expected_ids`` was visited exactly once, in order.

    ``expected_ids`` is the full expected order of *our* objects (other objects may be
    interleaved on a shared real account; they are ignored). With ``check_envelope`` every
    page's ``first_id``/``last_id`` must agree with the data.
    """
    failures: list[Failure] = []
    last = walk.exchanges[-1] if walk.exchanges else None
    mine = set(expected_ids)
    visited = [i for i in walk.ids if i in mine]
    dupes = sorted({i for i in visited if visited.count(i) > 1})
    missing = [i for i in expected_ids if i not in visited]
    if dupes or missing:
        failures.append(
            lifecycle_failure(
                "pagination_walk_conformance",
                "walking the list with limit/after does not visit every item exactly once",
                requirement=requirement,
                operation=operation,
                pointer="/data",
                expected=f"{len(expected_ids)} created items, each once (limit={limit})",
                actual=f"{len(walk.pages)} pages; repeated {dupes}; never seen {missing}",
                exchange=last,
            )
        )
    elif visited != list(expected_ids):
        failures.append(
            lifecycle_failure(
                "pagination_walk_conformance",
                "pages do not continue where the previous page ended",
                requirement=requirement,
                operation=operation,
                pointer="/data",
                expected=show(list(expected_ids)),
                actual=show(visited),
                exchange=last,
            )
        )
    if check_envelope:
        for n, page in enumerate(walk.pages):
            # has_more is not judged here: the walk may stop early on a shared account.
            for problem in list_envelope_problems(page, last_page=None):
                failures.append(
                    lifecycle_failure(
                        "list_envelope_conformance",
                        f"page {n + 1} of {len(walk.pages)}: inconsistent list envelope",
                        requirement=requirement,
                        operation=operation,
                        message=problem,
                        exchange=walk.exchanges[n] if n < len(walk.exchanges) else None,
                    )
                )
    fail(failures)


# ---------------------------------------------------------------------------------------------
# JSONL builders
# ---------------------------------------------------------------------------------------------


def jsonl(rows: Iterable[Any]) -> bytes:
    """One compact JSON document per line, UTF-8, trailing newline."""
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode("utf-8")


def parse_jsonl(raw: bytes) -> list[tuple[int, Any]]:
    """``(line number, parsed value or the raw text when it is not JSON)``, blank lines skipped."""
    out: list[tuple[int, Any]] = []
    for n, line in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except ValueError:
            out.append((n, line))
    return out


def batch_line(custom_id: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """One batch input line (the guide's BatchRequestInput shape)."""
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def chat_batch_line(custom_id: str, model: str, prompt: str) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 16}
    return batch_line(custom_id, "/v1/chat/completions", body)


def embeddings_batch_line(custom_id: str, model: str, text: str) -> dict[str, Any]:
    return batch_line(custom_id, "/v1/embeddings", {"model": model, "input": text})


#: OpenAI requires at least 10 examples in a fine-tuning training file.
MIN_TRAINING_EXAMPLES = 10


def sft_training_jsonl(n: int = MIN_TRAINING_EXAMPLES) -> bytes:
    """A valid supervised (chat format) training file with ``n`` examples."""
    return jsonl(
        {
            "messages": [
                {"role": "system", "content": "You answer with the number doubled."},
                {"role": "user", "content": str(i)},
                {"role": "assistant", "content": str(2 * i)},
            ]
        }
        for i in range(n)
    )


def dpo_training_jsonl(n: int = MIN_TRAINING_EXAMPLES) -> bytes:
    """A valid preference (DPO) training file with ``n`` examples."""
    return jsonl(
        {
            "input": {"messages": [{"role": "user", "content": f"Double {i}."}]},
            "preferred_output": [{"role": "assistant", "content": str(2 * i)}],
            "non_preferred_output": [{"role": "assistant", "content": str(i)}],
        }
        for i in range(n)
    )


def invalid_training_jsonl(n: int = MIN_TRAINING_EXAMPLES) -> bytes:
    """A training file that is JSONL but not chat format (no ``messages``): must not train."""
    return jsonl({"prompt": f"{i}", "completion_text": str(2 * i)} for i in range(n))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# ---------------------------------------------------------------------------------------------
# Run configuration, as the lifecycle suites read it
# ---------------------------------------------------------------------------------------------

#: Deadlines (seconds) when the profile names none: generous but bounded for real providers.
DEFAULT_DEADLINES = {"files": 120.0, "uploads": 120.0, "batches": 3600.0, "fine_tuning": 7200.0}
#: On the reference server lifecycles run on a fast clock; a minute of wall time is plenty.
REFERENCE_DEADLINE_S = 60.0


def is_reference(config: Any) -> bool:
    """True when the target is our reference server (embedded, or the ``reference`` profile)."""
    return (
        bool(getattr(config, "embedded", False)) or getattr(config, "profile", None) == "reference"
    )


def deadline_s(config: Any, feature: str) -> float:
    """The lifecycle deadline for ``feature``: the profile's, else the defaults above."""
    default = REFERENCE_DEADLINE_S if is_reference(config) else DEFAULT_DEADLINES[feature]
    return float(config.deadline(feature, default).seconds)


def submit_only(config: Any, feature: str) -> bool:
    """True when the profile says: submit and verify initial states only (no full lifecycle)."""
    return bool(config.deadline(feature, DEFAULT_DEADLINES[feature]).submit_only)


def allowed(config: Any, safety: str) -> bool:
    """True when the run allows operations of this safety class (costly, admin, destructive)."""
    return bool(config.allows(safety))


# ---------------------------------------------------------------------------------------------
# Steps against a target (the project's client, checks and cleanup registry)
# ---------------------------------------------------------------------------------------------


def require_allowed(config: Any, safety: str, what: str) -> None:
    """Raise ``Disabled`` unless the run allows ``safety`` (e.g. ``costly`` batch creation)."""
    from .outcomes import Disabled

    if not allowed(config, safety):
        raise Disabled(f"{what} is {safety}; enable it with --allow {safety}")


def register_undo(
    cleanup: Any, client: Any, kind: str, ident: str, method: str, path: str, what: str
) -> None:
    """Register ``method path`` as the undo of a created object, before anything can fail."""

    def undo() -> None:
        client.request(method, path)

    cleanup.register(kind, ident, undo, what)


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

    A target without the files API (404/501 envelope) makes the calling test UNSUPPORTED.
    """
    from .checks import assert_unsupported_or_conforms

    exchange = client.request(
        "POST",
        "/files",
        data={"purpose": purpose},
        files={"file": (filename, data, content_type)},
    )
    body = assert_unsupported_or_conforms(exchange, "POST /files", feature="files")
    file_id = str(body["id"])
    register_undo(cleanup, client, "file", file_id, "DELETE", f"/files/{file_id}", filename)
    return dict(body)


def walk_list(
    client: Any,
    path: str,
    *,
    limit: int,
    params: Mapping[str, Any] | None = None,
    stop_after: Iterable[str] = (),
    max_pages: int = 50,
) -> PageWalk:
    """Follow ``after=<last id>`` from the first page; stops on an empty page, once every id in
    ``stop_after`` was seen (real accounts hold other objects), or at ``max_pages``.

    ``has_more`` is deliberately not trusted to stop the walk (the envelope checks judge it),
    so a wrong ``has_more`` and an ignored cursor fail different checks.
    """
    from .checks import assert_conforms

    walk = PageWalk()
    wanted = set(stop_after)
    after: str | None = None
    op = f"GET {_template(path)}"
    for _ in range(max_pages):
        query = {**dict(params or {}), "limit": limit}
        if after:
            query["after"] = after
        exchange = client.request("GET", path, params=query)
        page = assert_conforms(exchange, op)
        walk.pages.append(page)
        walk.exchanges.append(exchange)
        ids = [str(item.get("id")) for item in page.get("data") or []]
        walk.ids += ids
        if not ids or (wanted and wanted <= set(walk.ids)):
            return walk
        after = ids[-1]
    walk.truncated = True
    return walk


@dataclass
class Observed:
    """Every state a poll saw (in order), the last object and the exchange that carried it."""

    states: list[str] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)
    exchange: Any = None
    timed_out: bool = False


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
    ``Observed.states`` (the state timeline; each poll is also an evidence record). A deadline
    is not raised here: ``timed_out`` is set and the caller decides (usually a FAIL naming the
    timeline, see ``reached_conformance``).
    """
    from .checks import assert_conforms
    from .polling import PollTimeout, poll

    seen = start or Observed()
    stop = frozenset(until or machine.terminal)
    op = f"GET {_template(path)}"

    def fetch() -> dict[str, Any]:
        exchange = client.request("GET", path)
        body = assert_conforms(exchange, op)
        seen.states.append(str(body.get("status")))
        seen.body, seen.exchange = body, exchange
        return dict(body)

    if seen.states and seen.states[-1] in stop:
        return seen
    try:
        pace = {"interval_s": 0.01, "backoff": 1.0, "max_interval_s": 0.01} if fast else {}
        poll(
            fetch, lambda b: b.get("status"), until=lambda s: s in stop, deadline_s=deadline, **pace
        )
    except PollTimeout:
        seen.timed_out = True
    return seen


def _template(path: str) -> str:
    """``/batches/batch_abc/cancel`` → ``/batches/{batch_id}/cancel`` (for operation names)."""
    names = {
        "batches": "batch_id",
        "jobs": "fine_tuning_job_id",
        "uploads": "upload_id",
        "files": "file_id",
    }
    parts = path.strip("/").split("/")
    out = [parts[0]]
    for prev, part in itertools.pairwise(parts):
        out.append("{" + names[prev] + "}" if prev in names else part)
    return "/" + "/".join(out)


def reached_conformance(
    seen: Observed,
    machine: StateMachine,
    want: Iterable[str],
    *,
    operation: str,
    requirement: str | None = None,
) -> None:
    """Fail unless the last observed state is one of ``want`` (timeline in the message)."""
    goal = sorted(want)
    last = seen.states[-1] if seen.states else None
    if last not in goal:
        why = "deadline passed" if seen.timed_out else "stopped"
        fail(
            lifecycle_failure(
                "lifecycle_reached_conformance",
                f"{machine.name} never reached {'|'.join(goal)} ({why})",
                requirement=requirement,
                operation=operation,
                pointer="/status",
                expected="|".join(goal),
                actual=last,
                message=f"timeline: {render_timeline(seen.states)}",
                exchange=seen.exchange,
            )
        )
