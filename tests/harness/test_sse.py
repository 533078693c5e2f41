"""The SSE reader: HTML-standard parsing (table-driven, every chunk boundary), framing
findings, content-type helper, and the stream deadlines of ConformanceClient.stream."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from harness_support import make_config

from openai_conformance.wire.client import ConformanceClient
from openai_conformance.wire.evidence import EvidenceRecorder, read_evidence
from openai_conformance.wire.exchange import StreamTimeout
from openai_conformance.wire.sse import SSEParser, is_event_stream, parse_sse

# (name, stream, [(event, data, id)], {finding kinds})
CASES = [
    ("single", "data: hi\n\n", [(None, "hi", None)], set()),
    ("no-space", "data:hi\n\n", [(None, "hi", None)], {"data-without-space"}),
    ("two-spaces-keep-one", "data:  hi\n\n", [(None, " hi", None)], set()),
    ("multi-line", "data: a\ndata: b\n\n", [(None, "a\nb", None)], set()),
    ("empty-data-line", "data\n\n", [(None, "", None)], set()),
    ("event-and-id", "event: e\nid: 7\ndata: x\n\n", [("e", "x", "7")], set()),
    ("id-persists", "id: 1\ndata: a\n\ndata: b\n\n", [(None, "a", "1"), (None, "b", "1")], set()),
    ("id-with-nul-ignored", "id: a\0b\ndata: x\n\n", [(None, "x", None)], set()),
    ("crlf", "data: a\r\n\r\ndata: b\r\n\r\n", [(None, "a", None), (None, "b", None)], {"crlf"}),
    ("bare-cr", "data: a\r\rdata: b\r\r", [(None, "a", None), (None, "b", None)], {"cr"}),
    ("comment", ": ping\n\ndata: a\n\n", [(None, "a", None)], {"comment"}),
    ("bom", "\ufeffdata: a\n\n", [(None, "a", None)], set()),
    ("no-trailing-blank", "data: a\n\ndata: b\n", [(None, "a", None)],
     {"missing-trailing-blank-line"}),
    ("no-trailing-newline", "data: a\n\ndata: b", [(None, "a", None)],
     {"missing-trailing-blank-line"}),
    ("event-without-data", "event: x\n\ndata: a\n\n", [(None, "a", None)],
     {"event-without-data"}),
    ("bare-json-line", '{"a": 1}\n\n', [], {"unknown-field"}),
    ("retry-field", "retry: 1000\ndata: a\n\n", [(None, "a", None)], set()),
    ("utf8", "data: héllo ✓ 🙂\n\n", [(None, "héllo ✓ 🙂", None)], set()),
    ("done", 'data: {"x":1}\n\ndata: [DONE]\n\n', [(None, '{"x":1}', None), (None, "[DONE]", None)],
     set()),
]  # fmt: skip


def _shape(events):
    return [(e.event, e.data, e.id) for e in events]


@pytest.mark.parametrize(("name", "stream", "expected", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_parser_follows_the_html_standard(name, stream, expected, kinds):
    events, findings = parse_sse(stream.encode())
    assert _shape(events) == expected
    assert {f.kind for f in findings} == kinds


@pytest.mark.parametrize(("name", "stream", "expected", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_parser_gives_the_same_result_at_every_chunk_boundary(name, stream, expected, kinds):
    raw = stream.encode()
    for cut in range(1, len(raw)):
        p = SSEParser()
        events = p.feed(raw[:cut]) + p.feed(raw[cut:]) + p.close()
        assert _shape(events) == expected, f"split at byte {cut}"
        assert {f.kind for f in p.findings} == kinds, f"split at byte {cut}"


def test_parser_handles_one_byte_chunks():
    raw = "event: e\r\ndata: é🙂\r\n\r\n".encode()
    p = SSEParser()
    events = [e for i in range(len(raw)) for e in p.feed(raw[i : i + 1])] + p.close()
    assert _shape(events) == [("e", "é🙂", None)]


def test_findings_are_counted_once_per_kind():
    _, findings = parse_sse(b": a\n\n: b\n\ndata:x\n\n")
    comment = next(f for f in findings if f.kind == "comment")
    assert comment.count == 2 and "': a'" in comment.detail


def test_event_helpers():
    (ev,), _ = parse_sse(b'event: response.created\ndata: {"a": 1}\n\n')
    assert ev.type == "response.created" and ev.json() == {"a": 1} and not ev.is_done
    (plain,), _ = parse_sse(b"data: [DONE]\n\n")
    assert plain.type == "message" and plain.is_done


@pytest.mark.parametrize(
    ("ctype", "ok"),
    [("text/event-stream", True), ("Text/Event-Stream; charset=utf-8", True),
     ("application/json", False), (None, False), ("text/plain", False)],
)  # fmt: skip
def test_content_type_helper(ctype, ok):
    assert is_event_stream(ctype) is ok


# ------------------------------------------------------------------ client.stream deadlines


def test_stream_yields_events_and_records_them(target, evidence_dir):
    raw = quote('data: {"n": 1}\n\ndata:{"n": 2}\n\ndata: [DONE]\n\n')
    with (
        EvidenceRecorder(evidence_dir) as rec,
        ConformanceClient(make_config(target.base_url), rec) as c,
    ):
        with c.stream("POST", f"/sse?raw={raw}", json={"stream": True}) as s:
            assert s.status == 200 and s.is_event_stream
            events = list(s.events())
        assert [e.data for e in events] == ['{"n": 1}', '{"n": 2}', "[DONE]"]
        record = read_evidence(rec.path)[-1]
    assert [e["data"] for e in record["stream"]["events"]] == ['{"n": 1}', '{"n": 2}', "[DONE]"]
    assert [f["kind"] for f in record["stream"]["findings"]] == ["data-without-space"]


def test_stalled_stream_ends_at_the_idle_deadline_with_events_so_far(target, evidence_dir):
    start = time.monotonic()
    with (
        EvidenceRecorder(evidence_dir) as rec,
        ConformanceClient(make_config(target.base_url), rec) as c,
    ):
        with pytest.raises(StreamTimeout) as info, c.stream("POST", "/sse/stall", json={}) as s:
            list(s.events())
        record = read_evidence(rec.path)[-1]
    assert time.monotonic() - start < 15  # the stall lasts 30 s
    assert info.value.kind == "idle" and [e.data for e in info.value.events] == ['{"n": 1}']
    assert "idle deadline" in record["error"] and len(record["stream"]["events"]) == 1


def test_keepalive_forever_stream_ends_at_the_total_deadline(target):
    start = time.monotonic()
    client = ConformanceClient(make_config(target.base_url))
    with client, pytest.raises(StreamTimeout) as info, client.stream("POST", "/sse/keepalive") as s:
        list(s.events())
    assert 1.9 < time.monotonic() - start < 15  # keep-alives would last 30 s
    assert info.value.kind == "total" and len(info.value.events) == 1


def test_non_stream_answer_to_a_stream_request_is_readable_as_json(target):
    with ConformanceClient(make_config(target.base_url)) as c, c.stream("GET", "/echo") as s:
        assert not s.is_event_stream
        assert s.json()["path"] == "/v1/echo"


# ------------------------------------------------------------------ against the reference server


def _chat_stream(faults: tuple[str, ...]):
    from openai_conformance.refserver.server import ReferenceServer

    body = {"model": "ref-chat", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with ReferenceServer(api_key="sk-ref-test-000000", faults=faults) as server:
        cfg = make_config(server.base_url)
        cfg = type(cfg)(**{**cfg.__dict__, "api_key": type(cfg.api_key)("sk-ref-test-000000")})
        with ConformanceClient(cfg) as c, c.stream("POST", "/chat/completions", json=body) as s:
            events = list(s.events())
            return s.content_type, events, {f.kind for f in s.findings}


def test_reference_stream_has_no_framing_findings_without_fault():
    ctype, events, kinds = _chat_stream(())
    assert is_event_stream(ctype) and events[-1].is_done and kinds == set()


def test_data_without_space_fault_is_reported_as_a_framing_finding():
    _, events, kinds = _chat_stream(("chat-stream-data-no-space",))
    assert events[-1].is_done and kinds == {"data-without-space"}


def test_wrong_content_type_fault_fails_the_content_type_helper():
    ctype, _, _ = _chat_stream(("chat-stream-wrong-content-type",))
    assert not is_event_stream(ctype)
