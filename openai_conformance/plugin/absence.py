"""The one absence rule: a test of a feature the target does not implement is UNSUPPORTED.

Which features a test needs comes from the feature registry (``suites/<x>/feature.yaml``):

* a scenario test needs its requirement's feature (the folder's, e.g. ``batches``) and every
  sub-feature whose ``requirements`` list its requirement id (``batches.cancel``);
* a generated test needs the sub-feature that owns its operation, else the feature that owns
  the operation's resource;
* each of those needs what it depends on first (``needs``, then its parent).

Each feature with a ``probe`` is probed once per run; the answer is judged by
``contract.features.absent_answer`` (404/405/501 whatever the body: the envelope of a 404 is
judged once, by core/unknown-route-404). A WebSocket probe is a handshake: 101 is present; a
refusal is absent when its status is 404/405/501, or when a plain GET of the same URL is
(frameworks refuse an upgrade to a route they lack with 403, like a refused key). A probe that
cannot be resolved (no model for the role it names), whose operation is of a safety class the
run does not allow (``--allow``), or that gets no answer decides nothing: the tests run and
judge (and gate themselves).

Probes go through the session's client, so they count against the request budget and their
exchanges are evidence of the first test that needed them. Verdicts are cached in the run
directory (``probes.json``, under an exclusive file lock), so with xdist one request per
feature is made for the whole run, not per worker.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..checks.outcomes import Disabled, Unsupported
from ..contract.features import (
    ABSENT_STATUSES,
    Feature,
    Registry,
    Request,
    absent_answer,
    registry,
)
from ..contract.model import Operation
from ..errors import BudgetExhausted, ConformanceError
from . import items as meta

if TYPE_CHECKING:
    from .session import OaicSession

CACHE_FILE = "probes.json"
EXCERPT = 120


def needed_features(item: pytest.Item, session: OaicSession, reg: Registry) -> list[str]:
    """The registry features ``item`` needs (see module doc), without duplicates."""
    names: list[str] = []
    operation = meta.operation_of(item)
    if meta.suite_of(item.nodeid) == meta.GENERATED:
        if operation:
            try:
                resource = session.spec.operation(operation).resource
            except KeyError:
                resource = None
            owner = reg.owner_of_operation(operation, resource)
            if owner is not None:
                names.append(owner.name)
            names += _lifecycle_step_owners(item, session, reg)
        return list(dict.fromkeys(names))
    for rid in meta.requirement_ids(item):
        feature = rid.split("/", 1)[0]
        if reg.get(feature) is not None:
            names.append(feature)
        names += [f.name for f in reg.needing_requirement(rid)]
    return list(dict.fromkeys(names))


def _lifecycle_step_owners(item: pytest.Item, session: OaicSession, reg: Registry) -> list[str]:
    """A generated lifecycle exercises every step after its create (retrieve, list, modify,
    delete): it needs the sub-features owning them too. A target without stored chat
    completions makes "POST /chat/completions lifecycle" UNSUPPORTED, not a FAIL of the
    retrieve it never offered."""
    params = getattr(getattr(item, "callspec", None), "params", {}) or {}
    create = params.get("lifecycle_create")
    if not create:
        return []
    from ..generated.links import lifecycles

    lc = next((lc for lc in lifecycles(session.spec) if lc.create == create), None)
    if lc is None:
        return []
    owners = (reg.owner_of_operation(op) for op in lc.steps.values())
    return [f.name for f in owners if f is not None]


class AbsenceRule:
    """Probes features on demand and raises ``Unsupported`` for a test that needs an absent one."""

    def __init__(self, session: OaicSession, reg: Registry | None = None) -> None:
        self.session = session
        self.registry = reg or registry()
        self.memo: dict[str, str | None] = {}  # feature -> why it is absent (None: present)

    def check(self, item: pytest.Item) -> None:
        for name in needed_features(item, self.session, self.registry):
            for feature in self.registry.chain(name):
                if feature.probe is None:
                    continue
                self._gate(feature)
                reason = self.verdict(feature)
                if reason:
                    raise Unsupported(reason)

    def _gate(self, feature: Feature) -> None:
        """``Disabled`` when the feature's probe operation is of a safety class the run does
        not allow: its tests exercise that operation (speech synthesis is ``costly``, deleting
        a model ``destructive``), so safe-by-default holds for every suite from one place."""
        assert feature.probe is not None
        request = feature.probe.resolve(self.session.run_config.models)
        if request is None or request.kind == "websocket":
            return
        operation = self._not_allowed(request)
        if operation is not None:
            safety = operation.safety
            raise Disabled(
                f"{feature.name} ({operation.id}) is {safety}; enable it with --allow {safety}"
            )

    # -- one verdict per feature per run --------------------------------------------------

    def verdict(self, feature: Feature) -> str | None:
        if feature.name not in self.memo:
            with self._locked() as cache:
                if feature.name not in cache:
                    cache[feature.name] = self._probe(feature)
                self.memo.update(cache)
        return self.memo[feature.name]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, str | None]]:
        """The run's probe cache (``probes.json``), read and written under an exclusive lock."""
        run_dir = self.session.run_dir
        if run_dir is None:  # no run directory (cannot happen in a run): this process only
            cache = dict(self.memo)
            yield cache
            return
        with open(Path(run_dir) / CACHE_FILE, "a+", encoding="utf-8") as handle:
            try:
                import fcntl

                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            except ImportError:  # pragma: no cover - not POSIX: probes are per process
                pass
            handle.seek(0)
            try:
                cache = dict(json.loads(handle.read() or "{}"))
            except ValueError:
                cache = {}
            before = dict(cache)
            yield cache
            if cache != before:
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(cache, indent=1, sort_keys=True))

    def _probe(self, feature: Feature) -> str | None:
        assert feature.probe is not None
        request = feature.probe.resolve(self.session.run_config.models)
        if request is None:
            return None
        if request.kind != "websocket" and self._not_allowed(request) is not None:
            return None  # never send what the run does not allow: the tests gate themselves
        try:
            if request.kind == "websocket":
                return self._handshake(feature, request)
            return self._absent(feature, request, self._send(request))
        except BudgetExhausted:
            raise
        except ConformanceError:  # no answer: decides nothing, the tests judge the target
            return None

    def _not_allowed(self, request: Request) -> Operation | None:
        """The probe's operation when its safety class is one the run does not allow (a probe
        of ``DELETE /models/{id}`` is destructive, even aimed at a model that does not exist)."""
        match = self.session.spec.match(request.method, request.path)
        if match is None or self.session.run_config.allows(match[0].safety):
            return None
        return match[0]

    def _send(self, request: Request, method: str | None = None) -> Any:
        return self.session.client.request(
            method or request.method,
            request.path,
            params=dict(request.params) or None,
            headers=dict(request.headers) or None,
            json=request.body,
        )

    def _absent(self, feature: Feature, request: Request, exchange: Any) -> str | None:
        try:
            body = json.loads(exchange.content)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not absent_answer(exchange.status, body, missing_object=request.missing_object):
            return None
        excerpt = " ".join(exchange.text.split())[:EXCERPT] or "(empty body)"
        return (  # the plugin redacts every reason before it is shown
            f"{feature.name}: the target does not implement it: {request.label} answered "
            f"{exchange.status_line()}: {excerpt}"
        )

    def _handshake(self, feature: Feature, request: Request) -> str | None:
        from ..wire.exchange import WebSocketRejected

        try:
            with self.session.client.websocket(request.path, dict(request.params)):
                return None
        except WebSocketRejected as exc:
            status = exc.status
        if status in ABSENT_STATUSES:
            return (
                f"{feature.name}: the target does not implement it: the WebSocket handshake "
                f"to {request.path} was answered HTTP {status}"
            )
        get = Request("GET", request.path, params=request.params)
        return self._absent(feature, get, self._send(get))
