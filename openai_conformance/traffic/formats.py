"""Read recorded HTTP traffic into ``Recorded`` exchanges: VCR cassettes, HAR 1.2, evidence.jsonl.

``read_file(path) -> list[Recorded | Skipped]`` reads one file (``.gz`` files are
decompressed first) and raises ``TrafficInputError`` with a precise message when the file is
unreadable, truncated or in no known format. Formats, recognised by content, not by name:

* vcrpy cassettes (YAML or JSON): ``interactions: [{request, response}]``, and the variant with
  parallel ``requests:``/``responses:`` lists. A request body is a string, ``!!binary`` bytes
  or ``{string: ...}``; a response body is ``body.string`` (string or bytes), ``body`` itself
  or ``content`` (httpx-style recorders); either side may store a JSON body as a structure
  (``parsed_body``), which is serialised back to JSON; a body that is still gzip-compressed
  (vcrpy keeps ``Content-Encoding: gzip`` bytes) is decompressed. Status is ``status.code`` or
  ``status_code``. Header values are lists or scalars.
* HAR 1.2: ``log.entries[].request`` / ``.response`` (``content.encoding: base64`` honoured).
* the project's own ``evidence.jsonl`` (records of ``kind: exchange``); a stream whose body
  excerpt was truncated is rebuilt from its recorded events.

An exchange that cannot be judged is returned as ``Skipped`` with its reason (a URI the
recorder redacted, a request with no recorded response); the caller decides about hosts and
paths (``judge.admissible``). Nothing is dropped silently.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError

GZIP_MAGIC = b"\x1f\x8b"
MAX_FILE_BYTES = 256 * 1024 * 1024
TRUNCATION = "...[truncated by openai-conformance"


class TrafficInputError(UsageError):
    """A file that cannot be read as recorded traffic (message names the file and why)."""


@dataclass
class Recorded:
    """One recorded request/response pair, decoded (bodies as bytes, headers as pairs)."""

    source: str  # the file it came from, as given
    index: int  # the interaction's position in the file (0-based)
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    response_body: bytes
    events: list[dict[str, Any]] | None = None  # recorded SSE events (evidence.jsonl only)
    notes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.source}#{self.index}"


@dataclass
class Skipped:
    """An exchange of the file that is not judged, and why."""

    source: str
    index: int
    reason: str
    method: str = ""
    url: str = ""

    @property
    def where(self) -> str:
        return f"{self.source}#{self.index}"


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads vcrpy's python tags as their plain values (never constructs)."""


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _plain)


def read_file(path: Path) -> list[Recorded | Skipped]:
    """Every exchange of one file (see module doc); ``TrafficInputError`` when unreadable."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TrafficInputError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise TrafficInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise TrafficInputError(f"{path}: truncated or corrupt gzip file ({exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TrafficInputError(f"{path}: not text (binary file); not recorded traffic") from None
    name = str(path)
    stripped = text.lstrip()
    if not stripped:
        raise TrafficInputError(f"{path}: empty file")
    if _looks_jsonl(stripped):
        return _evidence(name, text)
    data = _parse(path, text)
    if isinstance(data, dict) and isinstance(data.get("log"), dict) and "entries" in data["log"]:
        return _har(name, data["log"]["entries"])
    if isinstance(data, dict) and "interactions" in data:
        return _vcr(name, data.get("interactions") or [])
    if isinstance(data, dict) and "requests" in data and "responses" in data:
        pairs = [
            {"request": q, "response": r}
            for q, r in zip(data["requests"] or [], data["responses"] or [], strict=False)
        ]
        if len(data["requests"] or []) != len(data["responses"] or []):
            raise TrafficInputError(
                f"{path}: {len(data['requests'] or [])} requests but "
                f"{len(data['responses'] or [])} responses; the cassette is incomplete"
            )
        return _vcr(name, pairs)
    raise TrafficInputError(
        f"{path}: unknown format: not a VCR cassette (no 'interactions'), not HAR 1.2 "
        "(no 'log.entries') and not evidence.jsonl"
    )


def _looks_jsonl(stripped: str) -> bool:
    first = stripped.split("\n", 1)[0].strip()  # one JSON object per line, "kind" in each
    if not (first.startswith("{") and first.endswith("}")):
        return False
    try:
        rec = json.loads(first)
    except ValueError:
        return False
    return isinstance(rec, dict) and "kind" in rec and "log" not in rec


def _parse(path: Path, text: str) -> Any:
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise TrafficInputError(f"{path}: truncated or invalid JSON ({exc})") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TrafficInputError(f"{path}: truncated or invalid YAML{at} ({problem})") from None


# -- helpers ---------------------------------------------------------------------------------


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")  # a JSON body stored as a structure


def _pairs(headers: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(headers, dict):
        for name, value in headers.items():
            values = value if isinstance(value, list) else [value]
            out += [(str(name), "" if v is None else str(v)) for v in values]
    elif isinstance(headers, list):  # HAR: [{name, value}]
        for h in headers:
            if isinstance(h, dict) and "name" in h:
                out.append((str(h["name"]), str(h.get("value", ""))))
    return out


def _decoded(body: bytes, headers: list[tuple[str, str]]) -> tuple[bytes, list[str]]:
    """The body with any content encoding undone; the bytes are what the checks see."""
    notes: list[str] = []
    if body[:2] == GZIP_MAGIC:
        try:
            body = gzip.decompress(body)
            notes.append("gzip body decompressed")
        except (OSError, EOFError, zlib.error) as exc:
            notes.append(f"gzip body could not be decompressed ({exc})")
    elif any(k.lower() == "content-encoding" and v.lower() == "deflate" for k, v in headers):
        with contextlib.suppress(zlib.error):  # vcrpy may have stored it decoded already
            body = zlib.decompress(body)
    return body, notes


def _strip_encoding(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # The stored bytes are decoded; a Content-Encoding/Length header would describe other bytes.
    drop = {"content-encoding", "content-length", "transfer-encoding"}
    return [(k, v) for k, v in headers if k.lower() not in drop]


def _vcr_body(body: Any) -> Any:
    if isinstance(body, dict):
        for key in ("string", "content", "json", "body"):
            if key in body:
                return body[key]
        return body or None
    return body


def _request_body(value: Any, headers: list[tuple[str, str]]) -> bytes:
    body = _decoded(_bytes(value), headers)[0]
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
    if ctype.lower().startswith("multipart/") and not body.startswith(b"--"):
        # Some recorders store a multipart body as base64 text (not as !!binary).
        try:
            decoded = base64.b64decode(body, validate=True)
        except ValueError:
            return body
        if decoded.startswith(b"--"):
            return decoded
    return body


def _vcr(name: str, interactions: Any) -> list[Recorded | Skipped]:
    if not isinstance(interactions, list):
        raise TrafficInputError(f"{name}: 'interactions' is not a list")
    out: list[Recorded | Skipped] = []
    for i, item in enumerate(interactions):
        req = item.get("request") if isinstance(item, dict) else None
        resp = item.get("response") if isinstance(item, dict) else None
        if not isinstance(req, dict):
            out.append(Skipped(name, i, "interaction without a request"))
            continue
        method = str(req.get("method") or "").upper()
        url = str(req.get("uri") or req.get("url") or "")
        if not isinstance(resp, dict):
            out.append(Skipped(name, i, "no recorded response", method, url))
            continue
        status_field = resp.get("status")
        if isinstance(status_field, dict):
            status, reason = status_field.get("code"), str(status_field.get("message") or "")
        else:
            status, reason = resp.get("status_code", status_field), ""
        try:
            status = int(str(status))
        except ValueError:
            out.append(Skipped(name, i, "response without a status code", method, url))
            continue
        rq_headers = _pairs(req.get("headers"))
        rs_headers = _pairs(resp.get("headers"))
        raw = _vcr_body(resp.get("body"))
        if "parsed_body" in resp:  # JSON-format body stored as a structure
            raw = resp["parsed_body"]
        elif "content" in resp:  # httpx-style recorders
            raw = resp["content"]
        body, notes = _decoded(_bytes(raw), rs_headers)
        out.append(
            Recorded(
                source=name,
                index=i,
                method=method,
                url=url,
                request_headers=_strip_encoding(rq_headers),
                request_body=_request_body(
                    req["parsed_body"] if "parsed_body" in req else _vcr_body(req.get("body")),
                    rq_headers,
                ),
                status=status,
                reason=reason,
                response_headers=_strip_encoding(rs_headers),
                response_body=body,
                notes=notes,
            )
        )
    return out


def _har(name: str, entries: Any) -> list[Recorded | Skipped]:
    if not isinstance(entries, list):
        raise TrafficInputError(f"{name}: HAR 'log.entries' is not a list")
    out: list[Recorded | Skipped] = []
    for i, entry in enumerate(entries):
        req = entry.get("request") if isinstance(entry, dict) else None
        resp = entry.get("response") if isinstance(entry, dict) else None
        if not isinstance(req, dict) or not isinstance(resp, dict):
            out.append(Skipped(name, i, "HAR entry without request or response"))
            continue
        method, url = str(req.get("method") or "").upper(), str(req.get("url") or "")
        status = resp.get("status")
        if not isinstance(status, int) or status <= 0:  # HAR uses 0 for "no response"
            out.append(Skipped(name, i, "no recorded response (status 0)", method, url))
            continue
        post = req.get("postData") or {}
        rq_headers = _pairs(req.get("headers"))
        if post.get("mimeType") and not any(k.lower() == "content-type" for k, _ in rq_headers):
            rq_headers.append(("content-type", str(post["mimeType"])))
        content = resp.get("content") or {}
        text = content.get("text")
        if content.get("encoding") == "base64" and isinstance(text, str):
            try:
                raw = base64.b64decode(text, validate=False)
            except ValueError:
                out.append(Skipped(name, i, "response body is not valid base64", method, url))
                continue
        else:
            raw = _bytes(text)
        rs_headers = _pairs(resp.get("headers"))
        body, notes = _decoded(raw, rs_headers)
        out.append(
            Recorded(
                source=name,
                index=i,
                method=method,
                url=url,
                request_headers=_strip_encoding(rq_headers),
                request_body=_bytes(post.get("text")),
                status=status,
                reason=str(resp.get("statusText") or ""),
                response_headers=_strip_encoding(rs_headers),
                response_body=body,
                notes=notes,
            )
        )
    return out


def _redaction_broke_json(body: Any) -> bool:
    """The evidence redacts secret-looking text (URL credentials, keys) inside bodies; where
    that cut a JSON body, the recorded body is not the one that was sent."""
    if not isinstance(body, str) or "[REDACTED]" not in body:
        return False
    try:
        json.loads(body)
    except ValueError:
        return body.lstrip().startswith(("{", "["))
    return False


def _evidence(name: str, text: str) -> list[Recorded | Skipped]:
    out: list[Recorded | Skipped] = []
    index = -1
    for lineno, line in enumerate(text.split("\n"), 1):  # JSON lines: only \n ends one
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise TrafficInputError(
                f"{name}: line {lineno} is not JSON ({exc}); a truncated evidence.jsonl?"
            ) from None
        if not isinstance(rec, dict) or rec.get("kind") != "exchange":
            continue  # outcomes, notes, cleanup records: not exchanges
        index += 1
        req = rec.get("request") or {}
        resp = rec.get("response")
        method, url = str(req.get("method") or "").upper(), str(req.get("url") or "")
        if rec.get("websocket"):
            out.append(
                Skipped(name, index, "WebSocket transcript (not judged offline)", method, url)
            )
            continue
        if not isinstance(resp, dict):
            out.append(Skipped(name, index, "no response recorded", method, url))
            continue
        rq_body = req.get("body") or ""
        rs_body = resp.get("body") or ""
        if TRUNCATION in str(rq_body):
            out.append(Skipped(name, index, "request body truncated in the evidence", method, url))
            continue
        if _redaction_broke_json(rq_body):
            out.append(
                Skipped(
                    name, index, "request body altered by redaction in the evidence", method, url
                )
            )
            continue
        stream = rec.get("stream") or None
        events = stream.get("events") if isinstance(stream, dict) else None
        if TRUNCATION in str(rs_body) and events is None:
            out.append(Skipped(name, index, "response body truncated in the evidence", method, url))
            continue
        out.append(
            Recorded(
                source=name,
                index=index,
                method=method,
                url=url,
                request_headers=_strip_encoding(_pairs(req.get("headers"))),
                request_body=_bytes(rq_body),
                status=int(resp.get("status") or 0),
                reason=str(resp.get("reason") or ""),
                response_headers=_strip_encoding(_pairs(resp.get("headers"))),
                response_body=_bytes(rs_body),
                events=events,
            )
        )
    if index < 0:
        raise TrafficInputError(f"{name}: a JSON-lines file without exchange records")
    return out
