"""The conformance sweep: one representative valid request per operation, validated.

Shared by ``test_server_conformance.py`` (asserts) and usable by hand::

    /tmp/probe/bin/python -m tests.refserver.sweep

Requests are synthesized from the request schema (``Synth.value``); path parameters take the id
of the last object created (or listed) in the collection they name, so operations run in
lifecycle order: creates (outer first), then reads/updates/actions, then deletes (inner first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from openai_conformance.contract import Operation, Spec
from openai_conformance.contract.schemautil import is_binary, object_shape
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.routes import classify, kind_of
from openai_conformance.refserver.synth import Synth

UNKNOWN_ID = "unknown-id"
_ORDER = {
    "create": 0,
    "list": 1,
    "singleton": 2,
    "retrieve": 3,
    "sub": 3,
    "modify": 4,
    "compute": 4,
    "action": 5,
    "delete": 6,
}


@dataclass
class Outcome:
    op: str
    status: int
    ok: bool  # a schema-valid 2xx
    problems: list[str] = field(default_factory=list)
    note: str = ""


def order(spec: Spec, ops: list[Operation]) -> list[Operation]:
    routes = classify(spec)

    def key(op: Operation) -> tuple[bool, int, int, str]:
        # Outer levels first (a parent exists before its children are used), deletes last and
        # innermost first.
        shape = routes[op.id].shape
        depth = op.path.count("/")
        is_delete = shape == "delete"
        return (is_delete, -depth if is_delete else depth, _ORDER[shape], op.id)

    return sorted(ops, key=key)


def form_fields(spec: Spec, schema: Any, body: dict[str, Any]) -> tuple[list, list]:
    props = object_shape(spec, schema)["properties"]
    data: list[tuple[str, str]] = []
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for name, value in body.items():
        if is_binary(spec, props.get(name, {})):
            values = value if isinstance(value, list) else [value]
            for _ in values or [b""]:
                files.append((name, (f"{name}.bin", b"data", "application/octet-stream")))
        elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            data += [(name, _scalar(v)) for v in value]
        else:
            data.append((name, _scalar(value)))
    return data, files


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class Sweep:
    def __init__(self, spec: Spec, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.spec = spec
        self.validator = SchemaValidator(spec)
        self.synth = Synth(spec)
        self.base_url = base_url
        self.client = httpx.Client(timeout=10, headers=headers or {})
        self.ids: dict[str, str] = {}  # collection kind -> an id in it
        self.routes = classify(spec)

    def close(self) -> None:
        self.client.close()

    def path_for(self, op: Operation) -> tuple[str, bool]:
        segs = op.path.strip("/").split("/")
        out, known = [], True
        for i, seg in enumerate(segs):
            if seg.startswith("{"):
                kind = kind_of(segs[:i])
                ident = self.ids.get(kind)
                if ident is None and i == 1:  # /projects/{id}: the organization/projects one
                    ident = next((v for k, v in self.ids.items() if k.endswith("/" + kind)), None)
                if ident is None:
                    known = False
                    ident = UNKNOWN_ID
                out.append(ident)
            else:
                out.append(seg)
        return "/" + "/".join(out), known

    def request(self, op: Operation) -> tuple[httpx.Response, bool]:
        path, known = self.path_for(op)
        params = {
            p.name: _scalar(self.synth.value(p.schema, p.name))
            for p in op.parameters
            if p.location == "query" and p.required
        }
        kwargs: dict[str, Any] = {"params": params}
        if op.request_content:
            ctype = (
                "application/json"
                if "application/json" in op.request_content
                else next(iter(op.request_content))
            )
            schema = op.request_content[ctype]
            body = self.synth.value(schema)
            if ctype == "application/json":
                kwargs["json"] = body
            elif ctype == "multipart/form-data":
                data, files = form_fields(self.spec, schema, body)
                # (None, value) parts are plain form fields; this forces multipart encoding
                # even when the schema has no file part.
                kwargs["files"] = [(k, (None, v)) for k, v in data] + files
            elif ctype == "application/x-www-form-urlencoded":
                kwargs["data"] = dict(form_fields(self.spec, schema, body)[0])
            else:
                kwargs["content"] = b"v=0\r\n"
                kwargs["headers"] = {"content-type": ctype}
        url = self.base_url + path
        return self.client.request(op.method, url, **kwargs), known

    def check(self, op: Operation) -> Outcome:
        resp, known = self.request(op)
        out = Outcome(op.id, resp.status_code, False)
        ctype = resp.headers.get("content-type", "").split(";")[0]
        documented = op.response_for(resp.status_code)
        if documented is None:
            out.problems.append(f"undocumented status {resp.status_code}")
            return out
        if documented and ctype not in documented:
            out.problems.append(f"content type {ctype!r} not in {list(documented)}")
            return out
        schema = documented.get(ctype) if documented else None
        if ctype == "application/json" and schema is not None:
            try:
                body = resp.json()
            except ValueError:
                out.problems.append("body is not JSON")
                return out
            for v in self.validator.validate(body, schema)[:5]:
                out.problems.append(f"{v.pointer or '/'}: {v.message[:200]}")
            if resp.status_code < 300 and not out.problems:
                self._remember(op, body)
        elif resp.status_code < 300 and "location" in resp.headers:
            route = self.routes[op.id]
            if route.shape == "create":
                self.ids[route.collection] = resp.headers["location"].rstrip("/").split("/")[-1]
        if resp.status_code >= 400:
            out.note = resp.text[:200]
            if resp.status_code == 404 and not known:
                out.note = "no parent id available: " + out.note
        out.ok = resp.status_code < 300 and not out.problems
        return out

    def _item_param(self, collection: str) -> str | None:
        for route in self.routes.values():
            if route.collection == collection and route.shape == "retrieve":
                return route.item_param
        return None

    def _remember(self, op: Operation, body: Any) -> None:
        route = self.routes[op.id]
        if route.shape not in ("create", "list") or not isinstance(body, dict):
            return
        ident = body.get("id") or body.get(self._item_param(route.collection) or "id")
        data = body.get("data")
        listed = isinstance(data, list) and data and isinstance(data[0], dict)
        if (route.shape == "list" or ident is None) and listed:
            ident = data[0].get("id")  # type: ignore[index]
        if isinstance(ident, str) and (route.shape == "create" or route.collection not in self.ids):
            self.ids[route.collection] = ident

    def run(self, ops: list[Operation]) -> list[Outcome]:
        return [self.check(op) for op in order(self.spec, ops)]


if __name__ == "__main__":
    from openai_conformance.contract import load_spec
    from openai_conformance.refserver.context import HANDLERS
    from openai_conformance.refserver.server import ReferenceServer

    spec = load_spec()
    with ReferenceServer() as server:
        sweep = Sweep(spec, server.base_url)
        results = sweep.run([op for op in spec.operations if op.id not in HANDLERS])
        sweep.close()
    for r in results:
        if not r.ok:
            print(r.op, r.status, r.problems[:3], r.note[:150])
    print(sum(r.ok for r in results), "of", len(results), "schema-valid 2xx")
