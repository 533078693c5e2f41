"""Helpers shared by the handler self-tests: a server, an HTTP client, SSE parsing, validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.server import ReferenceServer

_VALIDATOR: SchemaValidator | None = None


def validator() -> SchemaValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = SchemaValidator(load_spec())
    return _VALIDATOR


def assert_valid(body: Any, schema: str) -> None:
    errors = validator().validate(body, schema)
    assert not errors, f"{schema}: " + "; ".join(map(str, errors[:5]))


def serve(**kw: Any) -> Iterator[tuple[ReferenceServer, httpx.Client]]:
    with (
        ReferenceServer(allow_fault_header=True, **kw) as srv,
        httpx.Client(base_url=srv.base_url, timeout=10) as client,
    ):
        yield srv, client


def faulty(*names: str) -> dict[str, str]:
    return {"x-oaic-fault": ",".join(names)}


def sse_events(text: str) -> list[tuple[str | None, str]]:
    """(event type, data) per SSE event; accepts ``data:`` with or without the space."""
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        event, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].lstrip(" ")
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            out.append((event, "\n".join(data)))
    return out


def sse_json(text: str) -> list[dict[str, Any]]:
    return [json.loads(d) for _, d in sse_events(text) if d != "[DONE]"]
