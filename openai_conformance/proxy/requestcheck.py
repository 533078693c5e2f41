"""Validate one request a client sent against the contract; every violation is a Failure.

``await check_request(spec, validator, request, raw_body) -> RequestVerdict`` checks, in order:

1. method and path (``Spec.match`` on the path after ``/v1``): unknown path or method →
   ``request_path_conformance`` (nothing else can be checked then);
2. path, query and header parameters → ``request_parameter_conformance``;
3. the body: required but absent, content type not documented →
   ``request_content_type_conformance``, malformed JSON or form, every schema violation of
   the JSON or form body, and multipart parts of the wrong kind (a plain field where the
   schema wants a file, a file where it wants a value) → ``request_schema_conformance``.

Parsing, coercion of form values and parameter validation are the reference server's own
(``contract/requests.py``), so the proxy and the reference server accept exactly the same
requests. Unlike the server, which answers the first problem, the proxy reports every schema
violation of a body. All failures are attributed to the client (``attribution.CLIENT``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ..checks.failures import Failure, show
from ..contract import Operation, Spec
from ..contract import requests as dispatch
from ..contract.envelope import ApiError
from ..contract.schemautil import is_binary, object_shape
from ..contract.validation import SchemaValidator
from .attribution import client_failure

PREFIX = "/v1"
PATH_CHECK = "request_path_conformance"
PARAM_CHECK = "request_parameter_conformance"
CTYPE_CHECK = "request_content_type_conformance"
SCHEMA_CHECK = "request_schema_conformance"
_BODY_LIMIT = 512 * 1024 * 1024  # the proxy forwards what it reads; the target enforces limits


@dataclass
class RequestVerdict:
    """The operation the request belongs to (None: unknown) and what is wrong with it."""

    operation: Operation | None
    failures: list[Failure] = field(default_factory=list)
    stream: bool = False  # the body asked for a stream (``"stream": true``)

    @property
    def operation_id(self) -> str | None:
        return self.operation.id if self.operation is not None else None


def route(spec: Spec, method: str, path: str) -> tuple[Operation | None, dict[str, str], str]:
    """(operation, path parameters, path after /v1) — operation None when unknown."""
    sub = path[len(PREFIX) :] if path.startswith(PREFIX + "/") else ""
    found = spec.match("GET" if method == "HEAD" else method, sub) if sub else None
    if found is None:
        return None, {}, sub
    return found[0], found[1], sub


async def check_request(
    spec: Spec, validator: SchemaValidator, request: Request, raw: bytes
) -> RequestVerdict:
    method, path = request.method.upper(), request.url.path
    op, path_params, sub = route(spec, method, path)
    if op is None:
        known = bool(sub) and spec.path_exists(sub)
        what = "method not allowed" if known else "unknown path"
        return RequestVerdict(
            None,
            [
                client_failure(
                    f"{what}: {method} {path}",
                    PATH_CHECK,
                    operation=None,
                    message=(
                        f"{method} is not documented for {path}"
                        if known
                        else f"no operation of the contract matches {method} {path}"
                    ),
                    expected="a documented method and path under /v1",
                    actual=f"{method} {path}",
                )
            ],
        )
    verdict = RequestVerdict(op)
    verdict.failures += _parameters(spec, validator, op, request, path_params)
    if op.request_content:
        verdict.failures += await _body(spec, validator, op, request, raw, verdict)
    return verdict


def _param_failure(op: Operation, exc: ApiError) -> Failure:
    return client_failure(
        f"invalid parameter {exc.param!r}" if exc.param else "invalid parameter",
        PARAM_CHECK,
        operation=op.id,
        pointer=f"/{exc.param}" if exc.param else None,
        message=exc.message,
    )


def _parameters(
    spec: Spec,
    validator: SchemaValidator,
    op: Operation,
    request: Request,
    path_params: dict[str, str],
) -> list[Failure]:
    out: list[Failure] = []
    try:
        dispatch.check_path_params(validator, op, path_params)
    except ApiError as exc:
        out.append(_param_failure(op, exc))
    try:
        dispatch.parse_query(spec, validator, op, list(request.query_params.multi_items()))
    except ApiError as exc:
        out.append(_param_failure(op, exc))
    for param in op.parameters:
        if param.location != "header":
            continue
        value = request.headers.get(param.name)
        if value is None:
            if param.required:
                out.append(
                    client_failure(
                        f"missing header {param.name}",
                        PARAM_CHECK,
                        operation=op.id,
                        message=f"the required header {param.name} is absent",
                    )
                )
            continue
        for v in validator.validate(dispatch.coerce(spec, param.schema, value), param.schema):
            out.append(
                client_failure(
                    f"invalid header {param.name}",
                    PARAM_CHECK,
                    operation=op.id,
                    message=f"header {param.name}: {v.message}",
                    actual=value,
                )
            )
    return out


async def _body(
    spec: Spec,
    validator: SchemaValidator,
    op: Operation,
    request: Request,
    raw: bytes,
    verdict: RequestVerdict,
) -> list[Failure]:
    if not raw:
        if not op.request_required:
            return []
        return [
            client_failure(
                "missing request body",
                SCHEMA_CHECK,
                operation=op.id,
                message=f"{op.id} requires a body ({', '.join(op.request_content)})",
                expected=", ".join(op.request_content),
                actual="no body",
            )
        ]
    got = dispatch.media_type(request)
    try:
        ctype = dispatch.pick_content_type(op, got)
    except ApiError:
        return [
            client_failure(
                f"undocumented content type {got or '(none)'}",
                CTYPE_CHECK,
                operation=op.id,
                message=f"{op.id} documents a body as {', '.join(op.request_content)}",
                expected=" | ".join(op.request_content),
                actual=request.headers.get("content-type", "(no content-type)"),
            )
        ]
    schema: Any = op.request_content[ctype]
    out: list[Failure] = []
    try:
        if ctype in dispatch.FORM_TYPES:
            form = await dispatch.parse_form(request, raw)
            try:
                _, instance = dispatch.form_to_body(spec, schema, form)
                out += _part_kinds(spec, op, schema, form.multi_items())
            finally:
                await form.close()
        elif ctype == dispatch.JSON or ctype.endswith("+json"):
            instance = dispatch.parse_json(raw)
        else:  # opaque bodies (application/sdp): nothing to validate beyond the media type
            return []
    except ApiError as exc:
        return [
            client_failure(
                "malformed body",
                SCHEMA_CHECK,
                operation=op.id,
                message=exc.message,
                expected=ctype,
            )
        ]
    verdict.stream = isinstance(instance, dict) and instance.get("stream") is True
    for v in validator.validate(instance, schema):
        param = dispatch.violation_param(v)
        out.append(
            client_failure(
                f"{param or 'body'}: {v.message}",
                SCHEMA_CHECK,
                operation=op.id,
                pointer=_required_pointer(v.pointer, v.keyword, param),
                message=v.message,
                expected=show(v.expected) if v.expected is not None else None,
                actual=show(v.actual) if v.actual is not None else None,
            )
        )
    return out


def _required_pointer(pointer: str, keyword: str, param: str | None) -> str:
    """A missing field is named by its own pointer (``/model``), as the server's param does."""
    if keyword == "required" and param:
        name = param.rsplit(".", 1)[-1].split("[", 1)[0]
        return f"{pointer}/{name}"
    return pointer or "/"


def _part_kinds(
    spec: Spec, op: Operation, schema: Any, items: list[tuple[str, Any]]
) -> list[Failure]:
    """Multipart parts must be files exactly where the schema has ``format: binary``."""
    props = object_shape(spec, schema)["properties"]
    out: list[Failure] = []
    for key, value in items:
        name = key.split("[", 1)[0]
        prop = props.get(name)
        if prop is None:
            continue  # undeclared fields are judged by the schema (additionalProperties)
        wants_file = is_binary(spec, prop)
        is_file = isinstance(value, UploadFile)
        if wants_file and not is_file:
            problem, expected, actual = "a plain form field", "a file part", "a text field"
        elif is_file and not wants_file:
            problem, expected, actual = "a file part", "a form field value", "a file part"
        else:
            continue
        out.append(
            client_failure(
                f"multipart part {name!r} is {problem}",
                SCHEMA_CHECK,
                operation=op.id,
                pointer=f"/{name}",
                message=f"part {name!r} must be {expected} (filename and content), got {actual}",
                expected=expected,
                actual=actual,
            )
        )
    return out
