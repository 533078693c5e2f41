"""The spec-driven engine: serves every operation that has no hand-written handler.

Each operation is classified once (``routes.py``) and served from stored records rendered
through its response schema (``synth.Synth.render``), so every body is built from the request
and the state and completed from the schema. Records are plain dicts: ``id``, the request
fields, the path parameters, ``created_at``, a ``status`` set by actions. The response schema
decides which of them a reply shows.

Contract per shape (see ``routes.Route``): create → new record (id prefixed per kind, e.g.
``asst_``, ``vs_``; or the body's own id field when the item parameter names one, e.g.
``user_id``); list → ``Store.list_page`` (limit/after/before/order, 400 on an unknown cursor);
retrieve/modify/delete/action → 404 envelope for an unknown id or a missing parent; delete →
``{id, object: "<x>.deleted", deleted: true}`` per its schema and the record is gone.

Faults implemented here: ``delete-does-not-delete``, ``create-not-listed``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..contract.envelope import not_found
from ..contract.schemautil import object_shape
from .context import Ctx
from .faults import declare
from .responses import json_response
from .routes import Route, classify, kinds_with
from .store import new_id
from .synth import Synth

DELETE_DOES_NOT_DELETE = declare(
    "delete-does-not-delete",
    "Engine deletes answer `deleted: true` but keep the object (it can still be retrieved).",
    "delete_lifecycle_conformance",
)
CREATE_NOT_LISTED = declare(
    "create-not-listed",
    "Objects created through the engine never appear in list responses.",
    "list_contains_created_conformance",
)

JSON = "application/json"

# Id prefixes by the last literal segment of a collection, as OpenAI spells them.
PREFIXES = {
    "assistants": "asst_",
    "threads": "thread_",
    "messages": "msg_",
    "runs": "run_",
    "steps": "step_",
    "vector_stores": "vs_",
    "file_batches": "vsfb_",
    "files": "file-",
    "evals": "eval_",
    "output_items": "outputitem_",
    "containers": "cntr_",
    "conversations": "conv_",
    "items": "msg_",
    "videos": "video_",
    "characters": "char_",
    "skills": "skill_",
    "versions": "skillver_",
    "admin_api_keys": "key_",
    "api_keys": "key_",
    "certificates": "cert_",
    "groups": "group_",
    "roles": "role_",
    "invites": "invite-",
    "projects": "proj_",
    "service_accounts": "svc_acct_",
    "spend_alerts": "alert_",
    "users": "user-",
    "sessions": "cksess_",
    "calls": "rtc_",
    "rate_limits": "rl-",
    "audit_logs": "audit_log-",
    "permissions": "cp_",
}
EVAL_RUN_PREFIX = "evalrun_"
#: Where the engine records the ids of the records it made up (``_seed``): not a client's
#: objects (``inventory.py`` reports them as ``seeded``).
SEEDED = "inventory:seeded"

# Status a new record starts in, by preference, when its schema has a status enum.
CREATE_STATUS = ("completed", "active", "in_progress", "queued", "pending", "processed")
# Status an action moves a record to, by action verb.
ACTION_STATUS = {
    "cancel": ("cancelled", "canceled", "cancelling"),
    "archive": ("archived",),
    "hangup": ("completed", "ended"),
    "reject": ("rejected",),
    "accept": ("active", "in_progress"),
    "pause": ("paused",),
    "resume": ("running", "in_progress"),
}

#: Status an action answered with no body records, by action verb (a call has no documented
#: status enum: "ended" after a hangup, "rejected" after a reject, "active" once accepted).
SILENT_ACTION_STATUS = {"hangup": "ended", "reject": "rejected", "accept": "active"}


def _singular(collection: str) -> str:
    """``organization/projects`` → ``project``, ``containers`` → ``container``."""
    last = collection.split("/")[-1]
    return last[:-1] if last.endswith("s") else last


def prefix_for(kind: str) -> str:
    last = kind.split("/")[-1]
    if kind.startswith("evals/") and last == "runs":
        return EVAL_RUN_PREFIX
    return PREFIXES.get(last, last.rstrip("s")[:8] + "_")


def response_schema(ctx: Ctx) -> tuple[int, str | None, Any]:
    """(status, content type, schema) of the documented success response."""
    for status, content in ctx.op.responses.items():
        if status.startswith("2") and status.isdigit():
            if JSON in content:
                return int(status), JSON, content[JSON]
            ctype = next(iter(content), None)
            return int(status), ctype, content.get(ctype) if ctype else None
    return 200, JSON, {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, UploadFile):
        return value.filename or "upload"
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class Engine:
    """Per-server engine (one per ``ServerState``; holds the synthesizer and the hidden set)."""

    def __init__(self, ctx: Ctx) -> None:
        state = ctx.state
        self.state = state
        self.spec = state.spec
        self.synth = Synth(state.spec, now=state.clock.now)
        self.routes = classify(state.spec)
        self.creatable = kinds_with(state.spec, "create")
        self.observable = kinds_with(state.spec, "create", "list", "retrieve")
        self.hidden: set[str] = set()  # ids created under the create-not-listed fault

    # ------------------------------------------------------------------ records

    def _parent_key(self, ctx: Ctx, ancestors: tuple[tuple[str, str], ...]) -> str | None:
        values = [ctx.path_params[p] for _, p in ancestors]
        return "/".join(values) or None

    def _seed(self, kind: str, parent: str | None) -> None:
        """Give a non-creatable kind one deterministic record per parent on first use."""
        store = self.state.store
        marker = f"seeded:{kind}:{parent}"
        with self.state.lock:
            if self.state.extra.get(marker):
                return
            self.state.extra[marker] = True
            digest = hashlib.sha1(f"{kind}|{parent}".encode()).hexdigest()[:16]
            ident = f"{prefix_for(kind)}{digest}"
            store.put(kind, {"id": ident, "created_at": 1_700_000_000}, parent)
            self.state.extra.setdefault(SEEDED, set()).add(ident)  # not the run's (inventory)

    def _get(self, kind: str, ident: str, parent: str | None) -> dict[str, Any] | None:
        if kind not in self.creatable:
            self._seed(kind, parent)
        return self.state.store.get(kind, ident, parent)

    def check_ancestors(self, ctx: Ctx, route: Route) -> None:
        """404 unless every observable ancestor record exists (outer to inner)."""
        for i, (kind, param) in enumerate(route.ancestors):
            parent = self._parent_key(ctx, route.ancestors[:i])
            if kind not in self.observable:
                # /projects/{project_id}/roles: "projects" has no operation of its own; the
                # project lives at /organization/projects/{project_id}. A top-level ancestor
                # with exactly one observable namesake is that object (else unchecked).
                alias = self._alias(kind) if i == 0 else None
                if alias is None:
                    continue
                kind, parent = alias, None
            ident = ctx.path_params[param]
            if self._get(kind, ident, parent) is None:
                raise not_found(kind.split("/")[-1].rstrip("s"), ident, param)

    def _alias(self, kind: str) -> str | None:
        last = kind.split("/")[-1]
        found = [
            k
            for k in self.observable
            if k != kind and k.split("/")[-1] == last and k in self.creatable
            and not any(r.ancestors for r in self.routes.values() if r.collection == k)
        ]  # fmt: skip
        return found[0] if len(found) == 1 else None

    def load(self, ctx: Ctx, route: Route) -> tuple[dict[str, Any], str | None]:
        """The record an item route names (404 when absent); virtual kinds get a stub."""
        self.check_ancestors(ctx, route)
        parent = self._parent_key(ctx, route.ancestors)
        assert route.item_param is not None
        ident = ctx.path_params[route.item_param]
        if route.collection not in self.observable:
            return {"id": ident, route.item_param: ident}, parent
        record = self._get(route.collection, ident, parent)
        if record is None:
            raise not_found(route.collection.split("/")[-1].rstrip("s"), ident, route.item_param)
        return record, parent

    def _body_fields(self, ctx: Ctx) -> dict[str, Any]:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        return {k: _jsonable(v) for k, v in body.items()}

    def _initial_status(self, schema: Any) -> str | None:
        props = object_shape(self.spec, schema)["properties"]
        status = self.spec.resolve(props.get("status")) if "status" in props else None
        values = self._enum_values(status)
        if not values and isinstance(status, dict) and "string" in json.dumps(status):
            # A free-text status ("Status of the container (e.g., active, deleted).",
            # "`active` or `archived`"): the values its description names, else the first
            # creation status; never the synthesizer's placeholder ("status": "status").
            text = str(status.get("description") or "")
            named = [w for w in CREATE_STATUS if re.search(rf"\b{w}\b", text)]
            return named[0] if named else CREATE_STATUS[0]
        for wanted in CREATE_STATUS:
            if wanted in values:
                return wanted
        return None

    def _named_values(self, schema: Any) -> list[str]:
        """The words of a free-text status's description (a project's "`active` or
        `archived`"): what an action may set when the schema has no enum."""
        schema = self.spec.resolve(schema)
        text = str(schema.get("description") or "") if isinstance(schema, dict) else ""
        return re.findall(r"[a-z_]+", text)

    def _enum_values(self, schema: Any) -> list[Any]:
        schema = self.spec.resolve(schema)
        if not isinstance(schema, dict):
            return []
        out = list(schema.get("enum") or [])
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key) or []:
                out += self._enum_values(sub)
        return out

    # ------------------------------------------------------------------ rendering

    def render(self, ctx: Ctx, record: Any, status: int | None = None) -> Response:
        code, ctype, schema = response_schema(ctx)
        status = status or code
        if ctype is None:  # documented without a body (DELETE /containers/{id})
            return Response(b"", status_code=status)
        if ctype != JSON:
            return Response(self._binary(ctype), status_code=status, media_type=ctype)
        body = self.synth.render(record, schema or {})
        body = self._repair(body, schema)
        return json_response(body, status=status, faults=ctx.faults)

    def _repair(self, body: Any, schema: Any) -> Any:
        """Replace top-level fields the validator rejects (a record value of the wrong shape)."""
        if not schema or not isinstance(body, dict):
            return body
        for _ in range(3):
            violations = self.state.validator.validate(body, schema)
            if not violations:
                return body
            fields = {v.pointer.split("/")[1] for v in violations if v.pointer.count("/") >= 1}
            if not fields:
                return self.synth.value(schema)
            shape = object_shape(self.spec, schema)
            for field in fields:
                if field in shape["required"] or field not in body:
                    body[field] = self.synth.value(shape["properties"].get(field, {}), field)
                else:
                    body.pop(field)
        return body

    @staticmethod
    def _binary(ctype: str) -> bytes:
        if ctype == "application/sdp":
            return b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        if ctype == "application/zip":  # an empty, valid zip archive
            return b"PK\x05\x06" + b"\x00" * 18
        return b"reference-server-content\n"

    # ------------------------------------------------------------------ shapes

    async def serve(self, ctx: Ctx) -> Response:
        route = self.routes[ctx.op.id]
        return await getattr(self, f"_{route.shape}")(ctx, route)

    async def _create(self, ctx: Ctx, route: Route) -> Response:
        self.check_ancestors(ctx, route)
        parent = self._parent_key(ctx, route.ancestors)
        fields = self._body_fields(ctx)
        _, _, schema = response_schema(ctx)
        shape = object_shape(self.spec, schema or {})["properties"]
        if "data" in shape and "id" not in shape:
            return self._create_many(ctx, route, parent, fields, schema)
        record = self._new_record(ctx, route, parent, fields, schema)
        response = self.render(ctx, record)
        if response.headers.get("content-type", "").split(";")[0] != JSON:
            # A non-JSON create (POST /realtime/calls answers SDP) names the new object the
            # HTTP way, as OpenAI does for calls.
            response.headers["location"] = f"/v1/{ctx.op.path.strip('/')}/{record['id']}"
        return response

    def _item_param(self, route: Route, ctx: Ctx) -> str | None:
        for _op_id, other in self.routes.items():
            if (
                other.collection == route.collection
                and other.item_param
                and other.shape
                in (
                    "retrieve",
                    "delete",
                    "modify",
                )
            ):
                return other.item_param
        return None

    def _new_record(
        self, ctx: Ctx, route: Route, parent: str | None, fields: dict[str, Any], schema: Any
    ) -> dict[str, Any]:
        item_param = self._item_param(route, ctx)
        given = fields.get(item_param) if item_param and item_param != "id" else None
        ident = given if isinstance(given, str) and given else new_id(prefix_for(route.collection))
        now = int(self.state.clock.now())
        record: dict[str, Any] = {**fields, **ctx.path_params, "created_at": now, "created": now}
        record["id"] = ident
        # Fields the response shows under another name than the request gives them; never a
        # placeholder equal to the field name ("object": "object", "name": "name").
        record.setdefault("object", _singular(route.collection))
        for key, value in fields.items():
            if key.endswith("_name") and isinstance(value, str):
                record.setdefault("name", value)
        if item_param and not item_param.endswith("_id") and item_param != "id":
            record[item_param] = ident  # /skills/{id}/versions/{version}: the record's own name
        status = self._initial_status(schema)
        if status and "status" not in fields:
            record["status"] = status
        self.state.store.put(route.collection, record, parent)
        if CREATE_NOT_LISTED in ctx.faults:
            self.hidden.add(ident)
        return record

    def _create_many(
        self, ctx: Ctx, route: Route, parent: str | None, fields: dict[str, Any], schema: Any
    ) -> Response:
        """A create answered with a list (``POST /conversations/{id}/items``)."""
        array = next((v for v in fields.values() if isinstance(v, list) and v), [fields])
        records = []
        for element in array:
            element = element if isinstance(element, dict) else {"value": element}
            records.append(self._new_record(ctx, route, parent, element, None))
        envelope = {
            "object": "list",
            "data": records,
            "first_id": records[0]["id"],
            "last_id": records[-1]["id"],
            "has_more": False,
        }
        return self.render(ctx, envelope)

    async def _list(self, ctx: Ctx, route: Route) -> Response:
        self.check_ancestors(ctx, route)
        parent = self._parent_key(ctx, route.ancestors)
        kind = route.collection
        if kind not in self.creatable:
            self._seed(kind, parent)
        items = [r for r in self.state.store.all(kind, parent) if r["id"] not in self.hidden]
        page = self.state.store.list_page(kind, ctx.query, parent, items=items)
        return self.render(ctx, page)

    async def _retrieve(self, ctx: Ctx, route: Route) -> Response:
        record, _ = self.load(ctx, route)
        return self.render(ctx, {**ctx.path_params, **record})

    async def _modify(self, ctx: Ctx, route: Route) -> Response:
        record, _parent = self.load(ctx, route)
        fields = self._body_fields(ctx)
        fields.pop("id", None)
        with self.state.lock:
            record.update(fields)
        return self.render(ctx, record)

    async def _delete(self, ctx: Ctx, route: Route) -> Response:
        record, parent = self.load(ctx, route)
        if DELETE_DOES_NOT_DELETE not in ctx.faults and route.collection in self.observable:
            self.state.store.delete(route.collection, record["id"], parent)
            child_parent = f"{parent}/{record['id']}" if parent else record["id"]
            self.state.store.delete_children(child_parent)
        # The record's own "object" (e.g. "eval") is not the deletion's ("eval.deleted").
        shown = {k: v for k, v in record.items() if k != "object"}
        return self.render(ctx, {**ctx.path_params, **shown, "deleted": True})

    async def _action(self, ctx: Ctx, route: Route) -> Response:
        record, _ = self.load(ctx, route)
        _, _, schema = response_schema(ctx)
        wanted = ACTION_STATUS.get(route.verb, ())
        props = object_shape(self.spec, schema or {})["properties"]
        if wanted and "status" in props:
            values = self._enum_values(props["status"]) or self._named_values(props["status"])
            new = next((w for w in wanted if w in values), None)
            if new:
                with self.state.lock:
                    record["status"] = new
        elif route.verb in SILENT_ACTION_STATUS and not schema:
            # An action answered with no body (``POST /realtime/calls/{id}/hangup``) still
            # moves the record: the server remembers the call ended (the inventory shows it).
            with self.state.lock:
                record["status"] = SILENT_ACTION_STATUS[route.verb]
        fields = self._body_fields(ctx)
        return self.render(ctx, {**fields, **ctx.path_params, **record})

    async def _sub(self, ctx: Ctx, route: Route) -> Response:
        record, _ = self.load(ctx, route)
        return self.render(ctx, {**ctx.path_params, **record})

    async def _singleton(self, ctx: Ctx, route: Route) -> Response:
        self.check_ancestors(ctx, route)
        parent = self._parent_key(ctx, route.ancestors)
        store = self.state.store
        with self.state.lock:
            record = store.get(route.collection, "singleton", parent)
            if record is None:
                record = store.put(route.collection, {"id": "singleton", **ctx.path_params}, parent)
            if ctx.op.method == "POST":
                record.update(self._body_fields(ctx))
        view = {k: v for k, v in record.items() if k != "id"}
        return self.render(ctx, view)

    async def _compute(self, ctx: Ctx, route: Route) -> Response:
        self.check_ancestors(ctx, route)
        fields = self._body_fields(ctx)
        now = int(self.state.clock.now())
        record = {**fields, **ctx.path_params, "created_at": now, "created": now}
        _, _, schema = response_schema(ctx)
        if schema and "id" in object_shape(self.spec, schema)["properties"]:
            record["id"] = new_id(prefix_for(ctx.op.path.strip("/").split("/")[-1]))
        if route.verb == "delete":
            record["deleted"] = True
        return self.render(ctx, record)


def engine_for(ctx: Ctx) -> Engine:
    engine: Engine | None = ctx.state.extra.get("engine")
    if engine is None:
        with ctx.state.lock:
            engine = ctx.state.extra.get("engine")
            if engine is None:
                engine = ctx.state.extra["engine"] = Engine(ctx)
    return engine


async def serve(ctx: Ctx) -> Response:
    """Serve ``ctx.op`` from the engine (the dispatcher's fallback for unhandled operations)."""
    return await engine_for(ctx).serve(ctx)


def describe(ctx: Ctx) -> str:
    """A one-line description of how the engine serves an operation (for debugging)."""
    return json.dumps(classify(ctx.state.spec)[ctx.op.id].__dict__)


__all__ = ["CREATE_NOT_LISTED", "DELETE_DOES_NOT_DELETE", "Engine", "serve"]
