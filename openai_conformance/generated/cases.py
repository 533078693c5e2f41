"""Generated cases as plain requests for the project's client.

``strategy(spec, op, mode)`` is the schemathesis/hypothesis strategy for one operation, built
on *our* normalised, overlaid document (one schemathesis schema per process, memoised), and
``to_request(spec, op, case)`` turns a schemathesis ``Case`` into a ``GeneratedRequest`` whose
``kwargs()`` are exactly ``ConformanceClient.request``'s keyword arguments. Schemathesis is used
for generation only: its transport, checks and state machine are never involved.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from ..contract import Operation, Spec
from .schema_tools import flatten

JSON = "application/json"
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"
SUPPORTED_MEDIA = (JSON, MULTIPART, FORM)

_lock = threading.Lock()
_schemas: dict[tuple[int, int | None], tuple[Spec, Any]] = {}


def schemathesis_schema(spec: Spec, max_items: int | None = None) -> Any:
    """The schemathesis schema of ``spec.document`` (memoised per process, Spec and cap).

    ``max_items`` caps the arrays schemathesis draws (``cap_arrays``); None draws them as the
    document allows.
    """
    import schemathesis

    with _lock:
        hit = _schemas.get((id(spec), max_items))
        if hit is None or hit[0] is not spec:
            # A deep copy: schemathesis may annotate the dict it is given; Spec stays immutable.
            document = copy.deepcopy(spec.document)
            if max_items is not None:
                cap_arrays(document, max_items)
            schema = schemathesis.openapi.from_dict(document)
            # Credentials are the client's job (it sends the run's key, or none for the auth
            # probe): a drawn Authorization header is dropped before sending, and in the
            # negative mode a case whose only broken part is that header sends nothing.
            schema.config.generation.update(with_security_parameters=False)
            hit = (spec, schema)
            _schemas[(id(spec), max_items)] = hit
        return hit[1]


def cap_arrays(node: Any, max_items: int) -> None:
    """Give every array schema in ``node`` (in place) a ``maxItems`` of at most ``max_items``,
    never below its ``minItems``.

    Only the copy schemathesis generates from is capped: what is drawn stays valid for the
    document, and our validator judges by the document itself. Drawing stops at a few items
    because the long tail of a large union array (conversation items, response input) is
    where generation spends its time, not where servers break.
    """
    if isinstance(node, dict):
        if node.get("type") == "array" or "items" in node or "prefixItems" in node:
            least = node.get("minItems", 0)
            most = max(least, max_items) if isinstance(least, int) else max_items
            if not isinstance(node.get("maxItems"), int) or node["maxItems"] > most:
                node["maxItems"] = most
        for value in node.values():
            cap_arrays(value, max_items)
    elif isinstance(node, list):
        for value in node:
            cap_arrays(value, max_items)


def request_media(op: Operation) -> str | None:
    """The request media type the suite sends: JSON first, then multipart, then a form."""
    for media in SUPPORTED_MEDIA:
        if media in op.request_content:
            return media
    return None


def strategy(
    spec: Spec, op: Operation, mode: str, max_items: int | None = None
) -> st.SearchStrategy[Any]:
    """Hypothesis strategy of schemathesis ``Case``s for ``op`` (``mode``: positive|negative;
    ``max_items``: the profile's array cap, see ``cap_arrays``).

    A draw schemathesis cannot make yields ``None`` (see ``guarded``), never an exception.
    """
    from schemathesis.generation.modes import GenerationMode

    api_op = schemathesis_schema(spec, max_items)[op.path][op.method.lower()]
    media = request_media(op)
    kwargs: dict[str, Any] = {"generation_mode": GenerationMode(mode)}
    if media is not None:
        kwargs["media_type"] = media
    # Path values are never drawn: the runner fills in the run's own ids (or plain unknown
    # ids) after the draw, so a drawn value would be thrown away, and in the negative mode a
    # case whose only broken part is its path would send nothing.
    if op.path_params:
        kwargs["path_parameters"] = placeholder_ids(op)
    if mode == "negative":
        # The negative phase judges broken JSON bodies and sends no query (runner.negative):
        # query values given here leave the body as the only location schemathesis breaks,
        # instead of a draw in two that breaks only the query and is skipped as not invalid.
        query = {p.name: "oaic" for p in op.parameters if p.location == "query"}
        if query:
            kwargs["query"] = query
    from schemathesis.core.errors import InvalidSchema

    try:
        built = api_op.as_strategy(**kwargs)
    except InvalidSchema:
        return st.none()  # refused while building: every draw is skipped, like one below
    return guarded(built)


def placeholder_ids(op: Operation) -> dict[str, str]:
    """Plausible ids of objects that do not exist, for parameters the pool cannot supply.

    Generated path values (``%2F..``, control characters) test the router rather than the
    operation and get framework 404s on every server; a plain unknown id tests the operation.
    """
    return {p: f"oaic_missing_{p}" for p in op.path_params}


def varies(op: Operation) -> bool:
    """Does a positive draw of ``op`` change the request sent? Not when the operation takes
    nothing but path parameters (the runner fills those in itself): such an operation sends
    one positive request, where hypothesis would send the same request once per example."""
    return bool(op.request_content) or any(p.location != "path" for p in op.parameters)


@st.composite
def guarded(draw: st.DrawFn, inner: st.SearchStrategy[Any]) -> Any:
    """``inner``'s value, or ``None`` when schemathesis gives up on the schema for this draw.

    Schemathesis builds parts of its strategy lazily, per draw, and some draws reach a schema
    it cannot generate from: the negative mode mutates a subschema into a ``not`` it does not
    support (``UnsupportedSchema``, POST /realtime/calls/{call_id}/accept), or an array layout
    asks Hypothesis for more demanded elements than it draws in one value (``InvalidSchema:
    Cannot generate an array with N demanded elements``, POST /responses). That is a limit of
    the generator, not of the target nor of the suite: the draw is skipped (callers send
    nothing for ``None``) and the phase goes on with its other draws. Hypothesis closes the
    draw's span in a ``finally``, so catching here leaves its bookkeeping consistent.
    """
    from schemathesis.core.errors import InvalidSchema  # UnsupportedSchema is a subclass

    try:
        return draw(inner)
    except InvalidSchema:
        return None


@dataclass
class GeneratedRequest:
    """One request as the client sends it. ``body`` is JSON or a form dict; files separate."""

    method: str
    path: str  # concrete, relative to the /v1 base
    operation: str  # METHOD /path template
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    media: str | None = None
    body: Any = None
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    has_body: bool = False

    def key(self) -> str:
        """What identifies the request on the wire (equal keys: the same request)."""
        files = sorted((k, v[0], hashlib.sha1(v[1]).hexdigest()) for k, v in self.files.items())
        parts = [self.method, self.path, self.params, self.media, self.body, files]
        return json.dumps(parts, sort_keys=True, default=repr)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``ConformanceClient.request`` (after method and path)."""
        out: dict[str, Any] = {"operation": self.operation}
        if self.params:
            out["params"] = self.params
        if self.headers:
            out["headers"] = self.headers
        if not self.has_body:
            return out
        if self.media == JSON:
            if self.body is None:
                # A JSON null body is a real (invalid) body; json=None would send no body at all.
                out["content"] = b"null"
                out["headers"] = {**out.get("headers", {}), "Content-Type": JSON}
            else:
                out["json"] = self.body
            return out
        fields = form_fields(self.body or {})
        if self.media == MULTIPART:
            # Always multipart, even without a file: fields go as (None, value) parts, which
            # httpx encodes as multipart/form-data (data= alone would be urlencoded).
            parts: list[tuple[str, Any]] = [(k, (None, v)) for k, v in fields]
            parts += list(self.files.items())
            out["files"] = parts
        else:
            out["data"] = {k: v for k, v in fields}
        return out

    def with_path_params(self, op: Operation, values: dict[str, str]) -> GeneratedRequest:
        return replace(self, path=fill_path(op.path, values))


def form_fields(body: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Form fields the way the official SDKs encode them: nested objects in bracket notation
    (``chunking_strategy[type]=auto``), arrays as repeated ``key[]``, booleans ``true``/``false``,
    ``None`` omitted (an absent optional field, not the string "null"). A key bracket notation
    cannot carry (empty, or containing ``[``/``]``) is left out: no server could decode it, and
    such keys only ever come from generated free-form objects where they are optional."""
    out: list[tuple[str, str]] = []
    for key, value in body.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None or not _representable(str(key)):
            continue
        if isinstance(value, dict):
            out.extend(form_fields(value, name))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    out.extend(form_fields(item, name + "[]"))
                elif item is not None:
                    out.append((name + "[]", _scalar(item)))
        else:
            out.append((name, _scalar(value)))
    return out


def _representable(key: str) -> bool:
    return bool(key) and "[" not in key and "]" not in key


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def fill_path(template: str, values: dict[str, Any]) -> str:
    """``/files/{file_id}`` + ``{"file_id": "file-1"}`` → ``/files/file-1`` (values quoted once)."""
    out = template
    for name, value in values.items():
        text = str(value)
        # schemathesis already percent-encodes generated path values; ids we own are plain.
        safe = text if "%" in text else quote(text, safe="")
        out = out.replace("{" + name + "}", safe or "x")
    return out


# A 1x1 PNG and a 10 ms silent 8 kHz WAV: the smallest files image and audio endpoints parse.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc0f01f0005000201a5f0b26b0000000049454e44ae426082"
)
WAV_SILENCE = (
    b"RIFF" + (36 + 160).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
    + (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
    + (16000).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    + b"data" + (160).to_bytes(4, "little") + bytes(160)
)  # fmt: skip


def sample_file(path: str, field: str, generated: bytes) -> tuple[str, bytes, str]:
    """The file part for a multipart upload: a real PNG for image endpoints, a real WAV for
    audio, otherwise the generated bytes (never empty: an empty upload is a business 400)."""
    if path.startswith("/images"):
        return (f"{field}.png", PNG_1X1, "image/png")
    if path.startswith("/audio") or path.startswith("/realtime"):
        return (f"{field}.wav", WAV_SILENCE, "audio/wav")
    return (f"{field}.bin", generated or b"oaic\n", "application/octet-stream")


def _contains_binary(value: Any, binary: type) -> bool:
    if isinstance(value, binary | bytes | bytearray):
        return True
    if isinstance(value, dict):
        return any(_contains_binary(v, binary) for v in value.values())
    if isinstance(value, list):
        return any(_contains_binary(v, binary) for v in value)
    return False


def is_binary(spec: Spec, schema: Any, depth: int = 0) -> bool:
    """A file schema: ``format: binary``, an array of files, or a union with a file branch."""
    schema = spec.resolve(schema)
    if not isinstance(schema, dict) or depth > 4:
        return False
    if schema.get("format") == "binary":
        return True
    if "items" in schema and is_binary(spec, schema["items"], depth + 1):
        return True
    return any(
        is_binary(spec, branch, depth + 1)
        for key in ("anyOf", "oneOf", "allOf")
        for branch in schema.get(key) or []
    )


def binary_fields(spec: Spec, schema: Any) -> set[str]:
    """Names of multipart fields that are files (``format: binary``, arrays or unions of them)."""
    return {
        name for name, prop in flatten(spec, schema)["properties"].items() if is_binary(spec, prop)
    }


def to_request(spec: Spec, op: Operation, case: Any) -> GeneratedRequest | None:
    """The request for a schemathesis case; None when the case cannot be sent as such
    (a raw non-JSON body for a JSON operation: the client takes JSON values, not bytes)."""
    from schemathesis.core import NOT_SET
    from schemathesis.transport.serialization import Binary

    if case is None:
        return None  # a draw the generator could not make (``guarded``)
    media = case.media_type or request_media(op)
    req = GeneratedRequest(
        method=op.method,
        path=fill_path(op.path, dict(case.path_parameters or {})),
        operation=op.id,
        params={k: v for k, v in (case.query or {}).items() if v is not None},
        headers={str(k): str(v) for k, v in (case.headers or {}).items()},
        media=media,
    )
    body = case.body
    if body is NOT_SET or media is None:
        return req
    if isinstance(body, bytes | bytearray | Binary):
        return None
    req.has_body = True
    if media == JSON:
        if _contains_binary(body, Binary):
            return None  # a file field in a JSON body: not sendable as JSON
        req.body = body
        return req
    if not isinstance(body, dict):
        return None
    files_named = binary_fields(spec, op.request_content.get(media) or {})
    form: dict[str, Any] = {}
    for key, value in body.items():
        is_file_list = isinstance(value, list) and any(isinstance(v, Binary) for v in value)
        if key in files_named or isinstance(value, Binary | bytes) or is_file_list:
            data: Any = value.data if isinstance(value, Binary) else value
            if isinstance(data, list):  # arrays of files: send the first one (an empty array
                # cannot be sent as parts at all, so it becomes one file: still schema-valid)
                data = data[0].data if data and isinstance(data[0], Binary) else b""
            if not isinstance(data, bytes | bytearray):
                data = str(data).encode()
            name, content, ctype = sample_file(op.path, key, bytes(data))
            req.files[key] = (name, content, ctype)
        else:
            form[key] = value
    if not form_roundtrips(form):
        return None  # bracket notation would send another body than the one drawn
    req.body = form
    return req


def form_roundtrips(body: dict[str, Any]) -> bool:
    """Does ``body`` reach a server unchanged through ``form_fields``' bracket notation?

    It does not when it holds what the notation cannot carry: empty objects or arrays, nulls
    inside arrays, arrays of arrays, consecutive array elements sharing no key boundary.
    Such a case is skipped rather than sent as a different (maybe invalid) body.
    """
    from ..contract.formcodec import decode_raw

    return decode_raw(form_fields(body)) == _wire(body)


def _wire(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return _scalar(value)
