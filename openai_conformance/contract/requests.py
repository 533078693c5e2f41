"""Request parsing and validation: query/path parameters and bodies, checked against the spec.

Everything here raises ``ApiError`` (400/413/415) with the OpenAI envelope; nothing lets a
malformed request reach a handler.

**The ``param`` convention.** A validation error names the offending field as a dotted path
with bracketed array indices, relative to the body (or the parameter name for query/path
parameters): ``model``, ``messages[0].role``, ``tools[1].function.name``,
``response_format.json_schema``. A missing required field is named by its own path
(``messages[0].content``), not by its parent. OpenAI's own errors use this form for body fields.

**Form bodies** (multipart/form-data, x-www-form-urlencoded): values are strings on the wire, so
each field is coerced to the type its schema property admits (integer, number, boolean, JSON
object/array, repeated keys or ``name[]`` keys for arrays) before validation. File parts
(``format: binary``) stay ``UploadFile`` objects in the body handed to the handler and are
validated as present-or-absent. Keys are normalised without a trailing ``[]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from . import Operation, Parameter, Spec
from . import formcodec as formbody
from .envelope import ApiError, invalid
from .schemautil import is_binary, items_schema, object_shape, type_set
from .validation import SchemaValidator, Violation

JSON = "application/json"
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = (MULTIPART, URLENCODED)
_DEEP_KEY = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")
_REQUIRED_MSG = re.compile(r"^'(.+)' is a required property")


# --------------------------------------------------------------------------- param naming


def param_path(pointer: str) -> str | None:
    """``/messages/0/role`` → ``messages[0].role`` (``None`` for the root)."""
    out = ""
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or None


def violation_param(v: Violation, prefix: str | None = None) -> str | None:
    """The ``param`` an error reply names for a violation (missing fields name themselves)."""
    path = param_path(v.pointer)
    if v.keyword == "required":
        m = _REQUIRED_MSG.match(v.message)
        if m:
            path = f"{path}.{m.group(1)}" if path else m.group(1)
    if prefix:
        return f"{prefix}.{path}" if path else prefix
    return path


def violation_error(v: Violation, where: str = "") -> ApiError:
    param = violation_param(v)
    if v.keyword == "required":
        message = f"Missing required parameter: '{param}'."
        return ApiError(400, message, param=param, code="missing_required_parameter")
    if v.keyword == "additionalProperties":
        message = f"Unrecognized request argument supplied{where}: {v.message}"
        return ApiError(400, message, param=param, code="unknown_parameter")
    if v.keyword in ("type",):
        message = f"Invalid type for '{param or 'body'}'{where}: {v.message}"
        return ApiError(400, message, param=param, code="invalid_type")
    message = f"Invalid value for '{param or 'body'}'{where}: {v.message}"
    return ApiError(400, message, param=param, code="invalid_value")


# --------------------------------------------------------------------------- scalars


def coerce(spec: Spec, schema: Any, raw: Any) -> Any:
    """Turn a wire string into the value its schema most plausibly means (never raises).

    An unconvertible string is returned unchanged so validation reports it with its field.
    """
    if not isinstance(raw, str):
        return raw
    types = type_set(spec, schema)
    if not types or ("string" in types and not types & {"integer", "number", "boolean"}):
        return raw
    if "integer" in types and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "number" in types:
        try:
            return float(raw)
        except ValueError:
            pass
    if "boolean" in types and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if "null" in types and raw in ("", "null"):
        return None
    if types & {"object", "array"} and raw[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return raw
    return raw


# --------------------------------------------------------------------------- parameters


def parse_query(
    spec: Spec, validator: SchemaValidator, op: Operation, items: list[tuple[str, str]]
) -> dict[str, Any]:
    """Declared query parameters coerced and validated; undeclared ones kept as strings.

    Arrays come from repeated keys (``include=a&include=b`` or ``include[]=a``); object
    parameters from deepObject keys (``metadata[k]=v``).
    """
    declared = {p.name: p for p in op.parameters if p.location == "query"}
    grouped: dict[str, list[str]] = {}
    deep: dict[str, dict[str, str]] = {}
    for key, raw in items:
        m = _DEEP_KEY.match(key)
        # deepObject: metadata[k]=v; metadata[]=v is the key "" of an object parameter (what
        # a client serialises {"": v} to), but the array form include[]=a of an array one.
        if m and m.group(1) in declared:
            types = type_set(spec, declared[m.group(1)].schema)
            if m.group(2) or ("object" in types and "array" not in types):
                deep.setdefault(m.group(1), {})[m.group(2)] = raw
                continue
        grouped.setdefault(key.removesuffix("[]"), []).append(raw)
    out: dict[str, Any] = {}
    for name, values in grouped.items():
        if name not in declared:
            out[name] = values if len(values) > 1 else values[0]
    for name, param in declared.items():
        value: Any
        if name in deep:
            props = object_shape(spec, param.schema)["properties"]
            value = {k: coerce(spec, props.get(k, {}), v) for k, v in deep[name].items()}
        elif name in grouped:
            values = grouped[name]
            if "array" in type_set(spec, param.schema):
                item = items_schema(spec, param.schema)
                value = [coerce(spec, item, v) for v in values]
            else:
                value = coerce(spec, param.schema, values[-1])
        else:
            if param.required:
                raise ApiError(
                    400,
                    f"Missing required query parameter: '{name}'.",
                    param=name,
                    code="missing_required_parameter",
                )
            continue
        _check_param(validator, param, value)
        out[name] = value
    return out


def check_path_params(validator: SchemaValidator, op: Operation, values: dict[str, str]) -> None:
    for param in op.parameters:
        if param.location == "path" and param.name in values:
            _check_param(validator, param, values[param.name])


def _check_param(validator: SchemaValidator, param: Parameter, value: Any) -> None:
    if not param.schema:
        return
    violations = validator.validate(value, param.schema)
    if violations:
        v = violations[0]
        sub = param_path(v.pointer)
        name = f"{param.name}.{sub}" if sub else param.name
        kind = "type" if v.keyword == "type" else "value"
        raise ApiError(
            400,
            f"Invalid {kind} for {param.location} parameter '{name}': {v.message}",
            param=name,
            code=f"invalid_{kind}",
        )


# --------------------------------------------------------------------------- bodies


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"Request body too large: the limit is {limit} bytes.",
        code="request_too_large",
    )


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def pick_content_type(op: Operation, ctype: str) -> str:
    """The documented request content type matching the request's, or a 415 envelope."""
    if ctype in op.request_content:
        return ctype
    if not ctype and JSON in op.request_content:
        return JSON  # OpenAI accepts a JSON body without a content type
    accepted = ", ".join(op.request_content)
    got = ctype or "no Content-Type"
    raise ApiError(
        415,
        f"Unsupported Content-Type {got!r} for {op.id}; expected one of: {accepted}.",
        code="unsupported_media_type",
    )


MAX_JSON_DEPTH = 128  # deeper request bodies are refused (400), never a RecursionError (500)


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects nest deeper than ``limit`` (iterative: safe on any value; the
    validator and handlers recurse, so a deep body must stop here)."""
    if not isinstance(value, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _too_deep_error() -> ApiError:
    return invalid(
        f"The JSON body of your request is nested too deeply (at most {MAX_JSON_DEPTH} levels"
        " of arrays and objects are accepted).",
        code="invalid_json",
    )


def parse_json(raw: bytes) -> Any:
    try:
        value = json.loads(raw)
    except RecursionError:
        raise _too_deep_error() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid(
            "We could not parse the JSON body of your request. (HINT: This likely means you "
            "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
            code="invalid_json",
        ) from exc
    if isinstance(value, dict | list) and too_deep(value):
        raise _too_deep_error()
    return value


async def parse_form(request: Request, raw: bytes) -> FormData:
    """Parse an already-read form body (multipart or urlencoded) with starlette's parser."""

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    clone = Request(request.scope, receive=replay)
    try:
        return await clone.form(max_files=64, max_fields=2000)
    except Exception as exc:  # python-multipart/starlette raise several types for bad input
        raise invalid(f"Could not parse the form body: {exc}", code="invalid_form") from exc


def form_to_body(spec: Spec, schema: Any, form: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """(body for the handler, instance for validation) from parsed form data.

    Keys in bracket notation decode to nested objects and arrays at any depth
    (``formbody.decode``). The validation instance replaces uploads by a placeholder string
    (``format: binary`` validates as a string).
    """
    body = formbody.decode(spec, schema, form.multi_items(), coerce)
    instance = {k: _placeholder(v) for k, v in body.items()}
    return body, instance


def _placeholder(value: Any) -> Any:
    if isinstance(value, UploadFile):
        return f"<file {value.filename or 'upload'}>"
    if isinstance(value, list):
        return [_placeholder(v) for v in value]
    if isinstance(value, dict):
        return {k: _placeholder(v) for k, v in value.items()}
    return value


def check_body(
    validator: SchemaValidator, schema: Any, instance: Any, depth: int | None = None
) -> None:
    """400 (``violation_error``) for the most specific violation of ``schema``; ``depth``
    ignores violations deeper than that many pointer steps (a server that checks only the
    body's top-level fields: the reference server's ``shallow-body-validation`` fault)."""
    if not schema:
        return
    violations = validator.validate(instance, schema)
    if depth is not None:
        violations = [v for v in violations if v.pointer.count("/") <= depth]
    if violations:
        raise violation_error(_most_specific(violations))


def _most_specific(violations: list[Violation]) -> Violation:
    """The violation a user should fix first: the deepest pointer, required before others."""
    return max(violations, key=lambda v: (v.pointer.count("/"), v.keyword == "required"))


async def iter_chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


__all__ = [
    "FORM_TYPES",
    "JSON",
    "MULTIPART",
    "URLENCODED",
    "check_body",
    "check_path_params",
    "form_to_body",
    "is_binary",
    "media_type",
    "param_path",
    "parse_form",
    "parse_json",
    "parse_query",
    "pick_content_type",
    "read_body",
]
