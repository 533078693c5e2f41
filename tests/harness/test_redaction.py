"""Redaction by construction: a run with a known fake key leaves it in no artifact."""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import quote

import pytest
from harness_support import CANARY, make_config

from openai_conformance.errors import ConformanceError
from openai_conformance.wire.client import ConformanceClient
from openai_conformance.wire.evidence import EvidenceRecorder, merge_evidence
from openai_conformance.wire.redact import (
    REDACTED,
    Secret,
    looks_secret,
    redact_headers,
    redact_obj,
    redact_text,
    redact_url,
)

SECRET_HEADER = "tok-0123456789abcdef0123"


def test_a_run_with_the_canary_key_writes_it_nowhere(target, dead_port, tmp_path: Path):
    """Every path that writes: JSON, errors, retries, streams, websocket, failures, curl."""
    run = tmp_path / "run"
    cfg = make_config(
        target.base_url, headers={"X-Secret-Token": Secret(SECRET_HEADER), "X-Plain": "p"}
    )
    texts: list[str] = []
    with EvidenceRecorder(run, "gw0") as rec, ConformanceClient(cfg, rec) as c:
        c.sleep = lambda s: None
        # the target echoes our headers (incl. the key) back in the body
        ex = c.request("POST", f"/echo?api_key={CANARY}", json={"key": CANARY})
        texts += [ex.curl(), str(ex.to_record()), repr(ex.request)]
        c.request("GET", "/flaky", params={"key": "r", "fail": 1, "after": "0"})
        c.request("POST", "/echo", data={"k": CANARY}, files={"f": ("a.txt", CANARY.encode())})
        raw = quote(f'data: {{"echo": "{CANARY}"}}\n\n')
        with c.stream("POST", f"/sse?raw={raw}", json={"k": CANARY}) as s:
            list(s.events())
        with c.websocket("/realtime", {"token": CANARY}) as ws:
            ws.recv()
            ws.send({"secret": CANARY})
            ws.recv()
        for path in ("/html", "/hang?s=5"):
            try:
                c.request("GET", path).json()
            except ConformanceError as exc:
                texts += [str(exc), exc.render()]
        rec.record_outcome(
            "t::x", {"outcome": "FAIL", "message": redact_text(CANARY, cfg.secrets())}
        )
    dead = make_config(f"http://127.0.0.1:{dead_port}/v1")
    with (
        EvidenceRecorder(run, "gw1") as rec,
        ConformanceClient(dead, rec) as c,
        contextlib.suppress(ConformanceError),
    ):
        c.request("GET", f"/x?key={CANARY}")
    merged = merge_evidence(run)
    artifacts = list(run.rglob("*"))
    assert merged in artifacts
    for path in artifacts:
        if path.is_file():
            content = path.read_text(encoding="utf-8", errors="replace")
            assert CANARY not in content, f"{path} contains the key"
            assert SECRET_HEADER not in content, f"{path} contains the secret header"
    for text in texts:
        assert CANARY not in text and SECRET_HEADER not in text
    assert "X-Plain" in merged.read_text() or "x-plain" in merged.read_text()


def test_secret_type_never_prints_its_value():
    s = Secret("sk-hidden-value")
    assert "hidden" not in f"{s} {s!r} {s!s} {[s]} {s:>20}"
    assert s.reveal() == "sk-hidden-value"


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("key sk-proj-AAAABBBBCCCCDDDD1234 leaked", "sk-proj-AAAABBBBCCCCDDDD1234"),
        ("GET https://h/v1?api_key=s3cr3t&x=1", "s3cr3t"),
        ("https://user:pa55@host/v1", "pa55"),
        ("configured: my-configured-secret", "my-configured-secret"),
    ],
)
def test_redact_text_removes_secret_shapes_and_configured_values(text, leak):
    out = redact_text(text, ["my-configured-secret"])
    assert leak not in out and REDACTED in out


def test_redact_url_keeps_harmless_params():
    url = redact_url("https://h/v1/files?limit=2&api-key=zzz&sig=abc")
    assert "limit=2" in url and "zzz" not in url and "abc" not in url


def test_redact_headers_by_name_and_value():
    out = redact_headers(
        [("Authorization", "Bearer x"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
         ("OpenAI-Organization", "org-1"), ("X-Echo", "has my-secret-val inside")],
        ["my-secret-val"],
    )  # fmt: skip
    assert out["authorization"] == REDACTED and out["set-cookie"] == f"{REDACTED}, {REDACTED}"
    assert out["openai-organization"] == "org-1"
    assert out["x-echo"] == f"has {REDACTED} inside"


def test_redact_obj_walks_json():
    assert redact_obj({"a": ["x-secret-1"], "api-key": "k"}, ["x-secret-1"]) == {
        "a": [REDACTED], "api-key": REDACTED}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [("X-Api-Key", "abc", True), ("X-Trace", "0123456789abcdef0123456789", True),
     ("X-Tenant", "acme", False), ("X-Note", "a long value with spaces in it ok", False)],
)  # fmt: skip
def test_looks_secret(name, value, secret):
    assert looks_secret(name, value) is secret
