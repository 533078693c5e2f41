"""Resources the generated suite creates so generated requests can name real objects.

``ResourcePool(spec, send, models)`` creates, on first need and once per worker, one instance
of each lifecycle a path needs (``/threads/{thread_id}/messages/{message_id}`` → a thread, then
a message in it) from the ``x-oaic-seed`` of its create operation, and hands out their ids:

* ``path_ids(path)``  path-parameter values for an operation template (None: cannot supply);
* ``fresh_path_ids(path)`` a dedicated instance for destructive operations (DELETE, cancel)
  so deleting it does not pull the rug from the operations that share the pool;
* ``ids``             id kinds for body fields (``{"file_id": "file-..."}``) created so far;
  a seed variant's object appears as ``KIND:VARIANT`` (``file_id:fine-tune``: a file created
  from the ``fine-tune`` entry of the create's ``x-oaic-seed-variants``).

``send(method, path, **kwargs)`` is the project's client (``ConformanceClient.request``);
``on_created(lifecycle, ids)`` registers each object with the cleanup registry. A failed
create is remembered and not retried (one failure, not one per dependent operation).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..contract import Operation, Spec
from .cases import fill_path
from .links import Lifecycle, lifecycle_for_path, lifecycles
from .schema_tools import flatten

Send = Callable[..., Any]


def resolve_seed(value: Any, models: Mapping[str, str], ids: Mapping[str, str]) -> Any:
    """Fill ``$model:ROLE`` and ``$id:KIND`` placeholders in a seed (strings, nested)."""
    if isinstance(value, str):
        for role, model in models.items():
            value = value.replace(f"$model:{role}", model)
        for kind, ident in ids.items():
            value = value.replace(f"$id:{kind}", ident)
        return value
    if isinstance(value, dict):
        return {k: resolve_seed(v, models, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_seed(v, models, ids) for v in value]
    return value


def seed_kwargs(seed: Mapping[str, Any], models: Mapping[str, str], ids: Mapping[str, str]) -> dict:
    """Client keyword arguments for an ``x-oaic-seed`` (json, or multipart data + files)."""
    seed = resolve_seed(copy.deepcopy(dict(seed)), models, ids)
    if "json" in seed:
        return {"json": seed["json"]}
    out: dict[str, Any] = {"data": seed.get("multipart") or {}}
    files = {}
    for name, spec in (seed.get("files") or {}).items():
        content = spec.get("content", "")
        files[name] = (spec["filename"], content.encode(), spec.get("content_type", "text/plain"))
    if files:
        out["files"] = files
    return out


class CreateFailed(Exception):
    """A seed create did not give an id; ``exchange`` is the evidence (None: no exchange)."""

    def __init__(self, message: str, exchange: Any = None) -> None:
        super().__init__(message)
        self.exchange = exchange


class ResourcePool:
    def __init__(
        self,
        spec: Spec,
        send: Send,
        models: Mapping[str, str],
        *,
        allowed: Callable[[str], bool] = lambda op_id: True,
        on_created: Callable[[Lifecycle, dict[str, str]], None] | None = None,
        run_id: str | None = None,
    ) -> None:
        self.spec = spec
        self.run_id = run_id  # tagged on every seed create (``tagged``)
        self.send = send
        self.models = dict(models)
        self.allowed = allowed
        self.on_created = on_created
        self._instances: dict[str, dict[str, str]] = {}  # item_path[#variant] -> path ids
        self._variant_kinds: dict[str, str] = {}  # item_path#variant -> "KIND:VARIANT"
        self._failed: dict[str, str] = {}
        self._lock = threading.RLock()

    @property
    def ids(self) -> dict[str, str]:
        """Id kinds for body fields: ``{"file_id": ..., "assistant_id": ...}`` created so far."""
        with self._lock:
            out: dict[str, str] = {}
            for key, instance in self._instances.items():
                kind = self._variant_kinds.get(key)
                if kind is None:
                    out.update(instance)
                else:
                    out[kind] = instance[kind.partition(":")[0]]
            return out

    def kinds(self) -> dict[str, Lifecycle]:
        return {lc.id_param: lc for lc in lifecycles(self.spec) if not lc.parents}

    def ensure_kind(self, kind: str) -> str | None:
        """An id of ``kind`` (``file_id``, ``file_id:fine-tune``), creating a top-level
        instance if needed (None: the kind is unknown or its create failed)."""
        base, _, variant = kind.partition(":")
        lc = self.kinds().get(base)
        if lc is None or (variant and variant not in lc.seed_variants):
            return None
        try:
            return self._instance(lc, {}, variant=variant)[base]
        except CreateFailed:
            return None

    def path_ids(self, path: str) -> dict[str, str] | None:
        """Values for every path parameter of ``path`` from shared instances (None if not all)."""
        return self._ids(path, fresh=False)

    def fresh_path_ids(self, path: str) -> dict[str, str] | None:
        """Like ``path_ids`` but the innermost object is created anew (for destructive ops)."""
        return self._ids(path, fresh=True)

    def _ids(self, path: str, *, fresh: bool) -> dict[str, str] | None:
        params = [p[1:-1] for p in path.split("/") if p.startswith("{")]
        if not params:
            return {}
        chain = lifecycle_for_path(self.spec, path)
        ids: dict[str, str] = {}
        try:
            for i, lc in enumerate(chain):
                ids.update(self._instance(lc, ids, fresh=fresh and i == len(chain) - 1))
        except CreateFailed:
            return None
        return ids if all(p in ids for p in params) else None

    def _instance(
        self,
        lc: Lifecycle,
        parent_ids: dict[str, str],
        *,
        fresh: bool = False,
        variant: str = "",
    ) -> dict[str, str]:
        key = f"{lc.item_path}#{variant}" if variant else lc.item_path
        with self._lock:
            if not fresh and key in self._instances:
                return self._instances[key]
            if key in self._failed:
                raise CreateFailed(self._failed[key])
            ids = self.create(lc, parent_ids, variant=variant)
            if not fresh:
                self._instances[key] = ids
                if variant:
                    self._variant_kinds[key] = f"{lc.id_param}:{variant}"
            return ids

    def create(
        self, lc: Lifecycle, parent_ids: Mapping[str, str], *, variant: str = ""
    ) -> dict[str, str]:
        """Create one object of ``lc`` from its seed (or the named seed variant); its path ids
        (parents + own id)."""
        key = f"{lc.item_path}#{variant}" if variant else lc.item_path
        if not self.allowed(lc.create):
            self._failed[key] = f"{lc.create} is not allowed in this run"
            raise CreateFailed(self._failed[key])
        seed = lc.seed_variants.get(variant) if variant else lc.seed
        if not seed:
            raise CreateFailed(
                f"{lc.create} has no x-oaic-seed{'-variants ' + variant if variant else ''}"
            )
        op = self.spec.operation(lc.create)
        known = {**self.ids, **parent_ids}
        for dep in _seed_dependencies(seed):
            if dep not in known and (got := self.ensure_kind(dep)) is not None:
                known[dep] = got
        path = fill_path(op.path, {p: parent_ids[p] for p in lc.parents})
        exchange = self.send(
            op.method,
            path,
            operation=op.id,
            **self.tagged(op, seed_kwargs(seed, self.models, known)),
        )
        body = None
        try:
            body = exchange.json() if 200 <= exchange.status < 300 else None
        except ValueError:
            body = None
        ident = body.get("id") if isinstance(body, dict) else None
        if not isinstance(ident, str) or not ident:
            msg = f"creating a {lc.resource} object with {op.id} answered {exchange.status}"
            self._failed[key] = msg
            raise CreateFailed(msg, exchange)
        ids = {**{p: parent_ids[p] for p in lc.parents}, lc.id_param: ident}
        if self.on_created is not None:
            self.on_created(lc, ids)
        return ids

    def tagged(self, op: Operation, kwargs: dict[str, Any]) -> dict[str, Any]:
        """A seed create's arguments carrying the run id, as every create must: ``metadata``
        ``oaic_run`` when the operation takes metadata, else an ``oaic-<run>-`` prefix on its
        ``name`` (JSON) or on the uploaded files' names (multipart)."""
        run = self.run_id
        if not run:
            return kwargs
        prefix = f"oaic-{run}-"
        media = "application/json" if "json" in kwargs else "multipart/form-data"
        declared = flatten(self.spec, op.request_content.get(media) or {})["properties"]
        body = kwargs.get("json") if "json" in kwargs else kwargs.get("data")
        if isinstance(body, dict) and "metadata" in declared:
            body["metadata"] = {**(body.get("metadata") or {}), "oaic_run": run}
        elif isinstance(body, dict) and "name" in declared:
            body["name"] = prefix + str(body.get("name") or "")
        files = kwargs.get("files") or {}
        for field_name, (filename, content, ctype) in list(files.items()):
            files[field_name] = (prefix + filename, content, ctype)
        return kwargs


def _seed_dependencies(seed: Any) -> list[str]:
    text = repr(seed)
    out = []
    start = 0
    while (i := text.find("$id:", start)) >= 0:
        j = i + 4
        while j < len(text) and (text[j].isalnum() or text[j] == "_"):
            j += 1
        out.append(text[i + 4 : j])
        start = j
    return out
