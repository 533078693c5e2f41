"""The compiled contract: operations, their schemas, and path matching.

``Spec`` is immutable after loading and cheap to share between threads. Schemas stay as they
are in the document (with local ``$ref``s); ``Spec.schema_ref`` gives the ``$ref`` pointer a
validator resolves against the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .overlays import Overlay

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """One operation of the contract (``METHOD /path``)."""

    operation_id: str
    method: str  # upper case
    path: str  # as in the document, e.g. /files/{file_id}
    pointer: str  # JSON pointer of the operation object, e.g. /paths/~1files/post
    resource: str
    safety: str  # read-only | creates | destructive | costly | admin
    parameters: tuple[Parameter, ...]
    request_content: dict[str, dict[str, Any]]  # content type -> schema
    request_required: bool
    responses: dict[str, dict[str, dict[str, Any]]]  # status ("200", "4XX") -> type -> schema
    summary: str = ""
    deprecated: bool = False
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        """The stable test id: ``METHOD /path``."""
        return f"{self.method} {self.path}"

    @property
    def streams(self) -> bool:
        """True when some documented response is ``text/event-stream``."""
        return any("text/event-stream" in c for c in self.responses.values())

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{([^}]+)}", self.path))

    def response_for(self, status: int) -> dict[str, dict[str, Any]] | None:
        """The documented content map for a status: exact code first, then ``4XX``, then default."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return self.responses[key]
        return None

    def documented_statuses(self) -> list[str]:
        return list(self.responses)


def _route_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"({[^}]+})", path)
    pattern = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$")


def _pointer_escape(s: str) -> str:
    return s.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Spec:
    """The normalised, overlaid contract plus where it came from."""

    document: dict[str, Any] = field(repr=False)
    origin: str
    sha256: str
    package_version: str | None
    is_default: bool
    overlays: tuple[Overlay, ...]
    metadata: dict[str, dict[str, str]] = field(repr=False)  # operation id -> resource/safety

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", ""))

    @property
    def version(self) -> str:
        return str(self.document.get("info", {}).get("version", ""))

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        ops: list[Operation] = []
        for path, item in self.document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                ops.append(self._operation(path, method, op, shared))
        return tuple(ops)

    def _operation(self, path: str, method: str, op: dict, shared: list) -> Operation:
        params: dict[tuple[str, str], Parameter] = {}
        for raw in [*shared, *op.get("parameters", [])]:
            raw = self.resolve(raw)
            params[(raw["name"], raw["in"])] = Parameter(
                raw["name"], raw["in"], bool(raw.get("required")), raw.get("schema") or {}
            )
        body = self.resolve(op.get("requestBody") or {})
        request_content = {
            ctype: media.get("schema") or {} for ctype, media in (body.get("content") or {}).items()
        }
        responses: dict[str, dict[str, dict[str, Any]]] = {}
        for status, resp in (op.get("responses") or {}).items():
            resp = self.resolve(resp)
            responses[str(status)] = {
                ctype: media.get("schema") or {}
                for ctype, media in (resp.get("content") or {}).items()
            }
        op_id = f"{method.upper()} {path}"
        meta = self.metadata.get(op_id, {})
        return Operation(
            operation_id=op.get("operationId") or op_id,
            method=method.upper(),
            path=path,
            pointer=f"/paths/{_pointer_escape(path)}/{method}",
            resource=meta.get("resource", path.strip("/").split("/")[0]),
            safety=meta.get("safety", "read-only" if method == "get" else "creates"),
            parameters=tuple(params.values()),
            request_content=request_content,
            request_required=bool(body.get("required")),
            responses=responses,
            summary=str(op.get("summary") or "").strip().split("\n")[0],
            deprecated=bool(op.get("deprecated")),
            _regex=_route_regex(path),
        )

    @cached_property
    def _by_id(self) -> dict[str, Operation]:
        index = {op.id: op for op in self.operations}
        index.update({op.operation_id: op for op in self.operations})
        return index

    @cached_property
    def _routes(self) -> list[Operation]:
        # Literal segments win over templates: /videos/characters before /videos/{video_id}.
        def key(op: Operation) -> tuple[int, int]:
            segments = op.path.strip("/").split("/")
            return (sum(s.startswith("{") for s in segments), -len(segments))

        return sorted(self.operations, key=key)

    def operation(self, key: str) -> Operation:
        """Look an operation up by ``METHOD /path`` or by operationId (KeyError if unknown)."""
        return self._by_id[key]

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """Find the operation a concrete request path belongs to, with its path parameters."""
        method = method.upper()
        for op in self._routes:
            if op.method != method:
                continue
            m = op._regex.match(path) if op._regex else None
            if m:
                return op, m.groupdict()
        return None

    def path_exists(self, path: str) -> bool:
        return any(op._regex and op._regex.match(path) for op in self.operations)

    def resolve(self, node: Any) -> Any:
        """Follow a local ``$ref`` chain (``#/components/...``) to the object it names."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 32:
            node = self.pointer(node["$ref"].removeprefix("#"))
            seen += 1
        return node

    def pointer(self, pointer: str) -> Any:
        """The value at a JSON pointer in the document (KeyError if absent)."""
        node: Any = self.document
        for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def component(self, name: str) -> dict[str, Any]:
        """A component schema by name (KeyError if absent)."""
        return self.document["components"]["schemas"][name]

    def component_names(self, prefix: str = "") -> list[str]:
        return [n for n in self.document["components"]["schemas"] if n.startswith(prefix)]
