"""Run one operation's generated phases through the project's client and judge every response.

``OperationRunner(gen).run(op)`` returns the failures of the positive phase, the negative
phase and the auth probe, every example judged:

* positive: hypothesis draws ``profile.positive_examples`` schema-valid cases, shaped for a
  real target. Path values are the run's own ids, never drawn, so an operation that takes
  nothing else (``GET /files/{file_id}``) sends one request instead of the same one 25 times;
  a drawn request equal to one already sent is not sent again (``duplicate``: its verdict is
  reused, so shrinking still sees the failure it shrinks).
* negative: ``profile.negative_examples`` schema-violating requests, each confirmed invalid by
  our validator. First the targeted mutations (``mutations.py``: one field broken, at the top
  level or inside the body's objects, naming the field ``error.param`` should name) of the
  first request and of the three richest accepted bodies, kind-diverse; then schemathesis's
  own negative JSON bodies, at least a quarter of the budget (they break what mutations do
  not: deep inside unions, formats, patterns). Mutations come first because a schemathesis
  negative draw of a large body costs tens to hundreds of milliseconds, a mutation next to
  nothing.
* auth probe: no credentials → 401 envelope (only when the target has a key).

How a finding is reported depends on the profile (``Hunt``): ``quick`` collects every
example's failures without shrinking, ``default`` and ``thorough`` raise the first one inside
the hypothesis test so hypothesis shrinks it and the minimal example is reported. Failures are
deduplicated by (check, pointer, title, level), so one broken field is reported once with its
reproducing exchange.

A draw that sends nothing is counted, never dropped silently: ``OperationResult.skipped``
counts them by reason (``SKIP_REASONS``) and ``drawn`` says how many cases hypothesis handed
over per phase; ``GenerationRun.on_generated`` receives both per operation (the plugin records
them; results.json ``run.generation``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky

from ..checks.context import CheckContext
from ..checks.failures import Failure
from ..checks.http import auth_conformance
from ..contract import Operation
from ..contract.features import ABSENT_STATUSES, is_error_envelope
from ..wire.exchange import TargetFailure
from .cases import (
    JSON,
    GeneratedRequest,
    fill_path,
    placeholder_ids,
    request_media,
    strategy,
    to_request,
    varies,
)
from .judge import judge_negative, judge_positive
from .links import lifecycles
from .mutations import Mutation, mutations, pick
from .pool import ResourcePool, seed_kwargs
from .schema_tools import flatten
from .settings import GenerationProfile, derive_seed, hypothesis_settings
from .shaping import ID_FIELDS, ShapingContext, shape_body, shape_query

Send = Callable[..., Any]
DESTRUCTIVE_METHODS = ("DELETE",)
DESTRUCTIVE_SUFFIXES = ("/cancel", "/pause", "/hangup", "/reject")
MUTATION_SOURCES = 4  # requests whose bodies the negative phase mutates (base + 3 accepted)

#: Why a drawn case sent nothing, by key (the report shows the text).
SKIP_REASONS = {
    "undrawable": "the generator could not draw from the schema (schemathesis refused it)",
    "unsendable": "the case cannot be sent as drawn (raw bytes for JSON, a form the bracket "
    "notation cannot carry)",
    "not-invalid": "a negative case our validator finds valid (sending it could be a false FAIL)",
    "no-json-body": "a negative case without a JSON body (only JSON bodies are judged)",
    "duplicate": "the same request as one already sent in this phase (its verdict is reused)",
}


@dataclass
class GenerationRun:
    """Everything one worker's generated items share."""

    ctx: CheckContext
    send: Send  # ConformanceClient.request(method, path, **kwargs) -> Exchange
    profile: GenerationProfile
    run_seed: int
    shaping: ShapingContext
    strict: bool  # a 4xx on valid data that names only our objects is a FAIL
    pool: ResourcePool | None = None
    send_unauthenticated: Send | None = None  # None: the target has no key, skip the probe
    # Called with (operation, concrete path, exchange) after every generated request, so what
    # a create made is registered for cleanup (``undo.register_created``); None: nothing is.
    on_sent: Callable[[Operation, str, Any], object] | None = None
    # Called with (operation, drawn per phase, skipped "phase: reason" -> count) once the
    # operation's phases are done; None: the counts stay in the OperationResult only.
    on_generated: Callable[[Operation, dict[str, int], dict[str, int]], object] | None = None
    requests: int = 0
    examples: dict[str, int] = field(default_factory=dict)  # phase -> cases sent


@dataclass
class OperationResult:
    failures: list[Failure]
    positive_statuses: list[int]
    sent: int

    unsupported_reason: str | None = None  # set when the target does not implement the route
    drawn: dict[str, int] = field(default_factory=dict)  # phase -> cases hypothesis drew
    skipped: dict[str, int] = field(default_factory=dict)  # "phase: reason key" -> count


class OperationRunner:
    def __init__(self, run: GenerationRun) -> None:
        self.run_ = run
        self.spec = run.ctx.spec
        self.validator = run.ctx.validator
        self._foreign_404s = 0
        self._drawn: Counter[str] = Counter()
        self._skipped: Counter[str] = Counter()

    def _skip(self, phase: str, reason: str) -> None:
        self._skipped[f"{phase}: {reason}"] += 1

    # ------------------------------------------------------------------ helpers
    def _valid(self, op: Operation, media: str | None) -> Callable[[Any], bool]:
        schema = op.request_content.get(media or "") if media else None
        if not schema:
            return lambda body: True
        return lambda body: self.validator.is_valid(body, schema)

    def _path_ids(self, op: Operation) -> dict[str, str] | None:
        """Ids of objects the suite created for every path parameter (None: not available)."""
        pool = self.run_.pool
        if not op.path_params:
            return {}
        if pool is None:
            return None
        destructive = op.method in DESTRUCTIVE_METHODS or op.path.endswith(DESTRUCTIVE_SUFFIXES)
        return pool.fresh_path_ids(op.path) if destructive else pool.path_ids(op.path)

    def _shaping(self) -> ShapingContext:
        pool = self.run_.pool
        if pool is None:
            return self.run_.shaping
        return ShapingContext(
            models=self.run_.shaping.models,
            ids={**pool.ids, **self.run_.shaping.ids},
            run_id=self.run_.shaping.run_id,
            token_cap=self.run_.shaping.token_cap,
        )

    def _send(self, req: GeneratedRequest, op: Operation | None = None) -> Any:
        self.run_.requests += 1
        exchange = self.run_.send(req.method, req.path, **req.kwargs())
        if op is not None and self.run_.on_sent is not None:
            self.run_.on_sent(op, req.path, exchange)
        return exchange

    def _ensure_body_ids(self, op: Operation, media: str | None) -> None:
        """Create the objects the body's id fields name (``input_file_id`` → a file) first."""
        pool = self.run_.pool
        if pool is None or media is None:
            return
        declared = flatten(self.spec, op.request_content[media])["properties"]
        for key, kind in ID_FIELDS.items():
            if key in declared and kind not in pool.ids:
                pool.ensure_kind(kind)

    def _seed_files(self, op: Operation, req: GeneratedRequest) -> None:
        """Multipart uploads carry the seed's file (bytes the target can parse: JSONL for
        ``purpose=batch``) instead of random bytes, and the seed's form values for fields the
        content depends on (``purpose``)."""
        seed = next((lc.seed for lc in lifecycles(self.spec) if lc.create == op.id), None)
        if not seed or "files" not in seed:
            return
        kwargs = seed_kwargs(seed, self.run_.shaping.models, {})
        if self.run_.pool is not None:  # the seed's file names carry the run id
            kwargs = self.run_.pool.tagged(op, kwargs)
        req.files = dict(kwargs.get("files") or {})
        if isinstance(req.body, dict):
            req.body.update(kwargs.get("data") or {})

    def _declared_headers(self, op: Operation, req: GeneratedRequest) -> None:
        # Auth is the client's job; undeclared generated headers are noise.
        declared = {p.name.lower() for p in op.parameters if p.location == "header"}
        req.headers = {k: v for k, v in req.headers.items() if k.lower() in declared}

    def _mutations(
        self,
        op: Operation,
        base: GeneratedRequest,
        accepted: Sequence[GeneratedRequest],
        valid: Callable[[Any], bool],
    ) -> tuple[list[Mutation], dict[str, GeneratedRequest]]:
        """The mutations of ``base`` and of the largest accepted positive bodies (a field is
        only broken inside an object the body holds: richer bodies reach deeper fields), one
        per label, with the request each one mutates."""
        richest = sorted(accepted, key=lambda r: len(json.dumps(r.body, default=repr)))
        found: list[Mutation] = []
        source: dict[str, GeneratedRequest] = {}
        for src in [base, *richest[::-1][: MUTATION_SOURCES - 1]]:
            body = src.body if src.media == JSON else None
            for m in mutations(self.spec, op, body, dict(src.params), valid):
                if m.label not in source:
                    source[m.label] = src
                    found.append(m)
        return found, source

    # ------------------------------------------------------------------ phases
    def run(self, op: Operation) -> OperationResult:
        failures: list[Failure] = []
        statuses: list[int] = []
        base: list[GeneratedRequest] = []
        sent_before = self.run_.requests
        self._foreign_404s = 0  # positive answers 404 without the OpenAI envelope (this op)
        self._drawn, self._skipped = Counter(), Counter()
        try:
            self.positive(op, failures, statuses, base)
            self.negative(op, failures, base[0] if base else None, base[1:])
            if self.run_.send_unauthenticated is not None and base:
                req = base[0]
                exchange = self.run_.send_unauthenticated(req.method, req.path, **req.kwargs())
                self.run_.requests += 1
                if self.run_.on_sent is not None:
                    self.run_.on_sent(op, req.path, exchange)
                failures.extend(auth_conformance(exchange, op, self.run_.ctx))
        except TargetFailure as exc:
            # A crashed handler often drops the keep-alive connection after its 500: the next
            # request gets a reset. The failure already found (the 500, with its exchange) is
            # the cause; the broken connection is reported after it, never instead of it.
            if not failures:
                raise
            failures.append(_transport_failure(op, exc))
        sent = self.run_.requests - sent_before
        drawn, skipped = dict(self._drawn), dict(self._skipped)
        if self.run_.on_generated is not None:
            self.run_.on_generated(op, drawn, skipped)
        reason = unsupported_reason(op, statuses, foreign_404s=self._foreign_404s)
        if reason is not None:
            return OperationResult([], statuses, sent, reason, drawn, skipped)
        return OperationResult(_dedupe(failures), statuses, sent, None, drawn, skipped)

    def positive(
        self,
        op: Operation,
        failures: list[Failure],
        statuses: list[int],
        base: list[GeneratedRequest],
    ) -> None:
        media = request_media(op)
        valid = self._valid(op, media)
        destructive = op.method in DESTRUCTIVE_METHODS or op.path.endswith(DESTRUCTIVE_SUFFIXES)
        shared_ids = None if destructive else self._path_ids(op)
        self._ensure_body_ids(op, media)
        shaping = self._shaping()
        # A request already sent in this phase is not sent again: its verdict is reused, so
        # shrinking (which replays draws) still sees the failure it is shrinking.
        verdicts: dict[str, list[Failure]] = {}

        @hypothesis_seed(derive_seed(self.run_.run_seed, op.id, "positive"))
        @hypothesis_settings(self.run_.profile, "positive", None if varies(op) else 1)
        @given(case=strategy(self.spec, op, "positive", self.run_.profile.max_array_items))
        def examples(case: Any) -> None:
            self._drawn["positive"] += 1
            req = to_request(self.spec, op, case)
            if req is None:
                self._skip("positive", "undrawable" if case is None else "unsendable")
                return
            self._declared_headers(op, req)
            # Destructive operations get a fresh object per example: the first DELETE would
            # otherwise turn every later example into a 404.
            path_ids = self._path_ids(op) if destructive else shared_ids
            own_ids = path_ids is not None
            req.path = fill_path(op.path, path_ids or placeholder_ids(op))
            req.params = shape_query(op, req.params, shaping)
            if req.has_body and req.media in op.request_content:
                # Shape by the media type the case was drawn for (an operation may take JSON
                # and multipart, e.g. image edits), validating only what JSON can validate.
                schema = op.request_content[req.media]
                if req.media == JSON:
                    req.body = shape_body(self.spec, op, req.body, schema, shaping, valid)
                else:
                    req.body = shape_body(self.spec, op, req.body, schema, shaping, lambda b: True)
                    self._seed_files(op, req)
            key = req.key()
            if key in verdicts:
                self._skip("positive", "duplicate")
                hunt.report(verdicts[key])
                return
            exchange = self._send(req, op)
            statuses.append(exchange.status)
            if exchange.status == 404 and not _is_envelope(exchange):
                self._foreign_404s += 1
            if not base and exchange.status < 500:
                base.append(req)  # a request shaped like a valid one, even if it was rejected
            elif 200 <= exchange.status < 300:
                base.append(req)  # accepted: the negative phase mutates these too
            verdicts[key] = judge_positive(
                exchange, op, self.run_.ctx, strict=self.run_.strict, own_ids=own_ids
            )
            hunt.report(verdicts[key])

        hunt = Hunt(self.run_.profile.shrink, failures)
        hunt.run(examples)

    def negative(
        self,
        op: Operation,
        failures: list[Failure],
        base: GeneratedRequest | None,
        accepted: Sequence[GeneratedRequest] = (),
    ) -> None:
        budget = self.run_.profile.negative_examples
        # Schemathesis's own negative cases break the body in ways our mutations do not (deep
        # inside unions, formats, patterns): a quarter of the budget is always theirs.
        drawn_share = max(1, budget // 4)
        salt = derive_seed(self.run_.run_seed, op.id, "negative")
        media = request_media(op)
        valid = self._valid(op, media)
        if base is not None:
            found, source = self._mutations(op, base, accepted, valid)
            for m in pick(found, budget - drawn_share, salt):
                src = source[m.label]
                req = GeneratedRequest(
                    method=src.method,
                    path=src.path,
                    operation=op.id,
                    params=m.query if m.query is not None else dict(src.params),
                    headers=dict(src.headers),
                    media=src.media,
                    body=m.body if m.query is None else src.body,
                    files=dict(src.files),
                    has_body=src.has_body,
                )
                exchange = self._send(req, op)
                failures.extend(judge_negative(exchange, op, self.run_.ctx, m.param, m.label))
                budget -= 1
        if media != JSON:
            return
        budget = max(budget, drawn_share)
        path_ids = placeholder_ids(op)

        # Hypothesis draws what the mutations left of the budget, at least its share: drawing
        # a negative case of a large schema costs far more than sending it (POST /chat/
        # completions spent 13 of its 22 s drawing 25 cases).
        @hypothesis_seed(salt)
        @hypothesis_settings(self.run_.profile, "negative", budget)
        @given(case=strategy(self.spec, op, "negative", self.run_.profile.max_array_items))
        def examples(case: Any) -> None:
            self._drawn["negative"] += 1
            req = to_request(self.spec, op, case)
            if req is None:
                self._skip("negative", "undrawable" if case is None else "unsendable")
                return
            if not req.has_body or req.media != JSON:
                self._skip("negative", "no-json-body")
                return
            if valid(req.body):
                self._skip("negative", "not-invalid")
                return  # only bodies our validator confirms invalid (no false positives)
            self._declared_headers(op, req)
            req.params = {}
            if op.path_params:
                req.path = base.path if base is not None else fill_path(op.path, path_ids)
            hunt.report(judge_negative(self._send(req, op), op, self.run_.ctx, None))

        hunt = Hunt(self.run_.profile.shrink, failures)
        hunt.run(examples)


def _transport_failure(op: Operation, exc: TargetFailure) -> Failure:
    failure = Failure(
        title=f"the connection broke after the failure above ({type(exc).__name__})",
        check=type(exc).__name__,
        operation=op.id,
        message=exc.message.splitlines()[0],
    )
    exchange = getattr(exc, "exchange", None)
    return failure.with_exchange(exchange) if exchange is not None else failure


class ExampleFailed(Exception):
    """Raised inside a hypothesis test so hypothesis shrinks the example (non-quick profiles)."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__("; ".join(f"{f.check}: {f.title}" for f in failures[:3]))
        self.failures = failures


@dataclass
class Hunt:
    """How one phase's hypothesis test reports what the judge found.

    ``shrink=False`` (quick): every example's failures are collected and the test goes on, so
    one run reports every distinct broken field (deduplicated later). ``shrink=True`` (default,
    thorough): the first failing example raises ``ExampleFailed`` inside the test, hypothesis
    shrinks it and replays the minimal example, whose failures (and exchange) are reported. If
    the failure does not reproduce on replay (a stateful target), hypothesis says ``Flaky`` and
    the first failing example is reported as drawn.
    """

    shrink: bool
    sink: list[Failure]
    first: list[Failure] = field(default_factory=list)

    def report(self, found: list[Failure]) -> None:
        if not found:
            return
        if not self.shrink:
            self.sink.extend(found)
            return
        if not self.first:
            self.first.extend(found)
        raise ExampleFailed(found)

    def run(self, test: Callable[[], None]) -> None:
        try:
            test()
        except ExampleFailed as exc:  # the minimal example, replayed last by hypothesis
            self.sink.extend(exc.failures)
        except Flaky:
            self.sink.extend(self.first)


def unsupported_reason(op: Operation, statuses: list[int], *, foreign_404s: int = 0) -> str | None:
    """Why ``op`` counts as not implemented by the target, or None.

    The absence rule of the feature registry (``contract.features.absent_answer``), applied to
    an operation no feature probe covers: every positive request answered 405 or 501, or 404
    on a collection route (no path parameters), whatever the body looks like. On an id route a
    404 may be the object's, so it means absence only when none of them carried the OpenAI
    error envelope (``foreign_404s``: a framework's ``{"detail": "Not Found"}``, plain text,
    HTML). Whether 404s carry the envelope is judged once, by core/unknown-route-404, not here.
    """
    if not statuses:
        return None
    if all(s in (405, 501) for s in statuses):
        return f"{op.id} answered {statuses[0]} (not implemented)"
    if not op.path_params and all(s in ABSENT_STATUSES for s in statuses):
        return f"{op.id} answered {statuses[0]} (route not offered)"
    if all(s == 404 for s in statuses) and foreign_404s == len(statuses):
        return f"{op.id} answered 404 without the OpenAI error envelope (route not offered)"
    return None


def _is_envelope(exchange: Any) -> bool:
    """The body is the OpenAI error envelope (the registry's rule, ``is_error_envelope``)."""
    try:
        return is_error_envelope(json.loads(exchange.content))
    except (ValueError, UnicodeDecodeError, TypeError):
        return False


def _dedupe(failures: list[Failure]) -> list[Failure]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in failures:
        key = (f.check, f.pointer, f.title, f.level)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
