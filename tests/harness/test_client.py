"""The one HTTP stack against a misbehaving in-thread target: retries, budget, timeouts,
unreachable/garbage targets, curl reproduction and evidence."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
from harness_support import CANARY, make_config

from openai_conformance.errors import BudgetExhausted, TargetError
from openai_conformance.wire.budget import RequestBudget
from openai_conformance.wire.client import USER_AGENT, ConformanceClient
from openai_conformance.wire.evidence import EvidenceRecorder, read_evidence
from openai_conformance.wire.exchange import (
    MalformedResponse,
    RequestTimeout,
    TargetProtocolError,
    TargetUnreachable,
    WebSocketRejected,
)


@pytest.fixture
def recorder(evidence_dir: Path):
    with EvidenceRecorder(evidence_dir, "main") as rec:
        yield rec


@pytest.fixture
def client(target, recorder):
    with ConformanceClient(make_config(target.base_url), recorder) as c:
        c.sleep_calls = []  # type: ignore[attr-defined]
        real_sleep = c.sleep

        def sleep(s: float) -> None:
            c.sleep_calls.append(s)  # type: ignore[attr-defined]
            real_sleep(min(s, 0.05))

        c.sleep = sleep
        yield c


def key() -> str:
    return uuid.uuid4().hex


def test_request_sends_bearer_auth_user_agent_and_json(client):
    ex = client.request("POST", "/echo", json={"a": 1}, params={"q": "x"})
    body = ex.json()
    assert ex.status == 200
    assert body["headers"]["authorization"] == f"Bearer {CANARY}"
    assert body["headers"]["user-agent"] == USER_AGENT
    assert json.loads(body["body"]) == {"a": 1} and body["query"] == {"q": "x"}
    assert ex.request.headers["authorization"] == "[REDACTED]"


def test_api_key_auth_style_sends_the_azure_header(target):
    with ConformanceClient(make_config(target.base_url, auth="api-key")) as c:
        headers = c.request("GET", "/echo").json()["headers"]
    assert headers["api-key"] == CANARY and "authorization" not in headers


def test_no_auth_style_sends_no_credentials(target):
    with ConformanceClient(make_config(target.base_url, auth="none")) as c:
        headers = c.request("GET", "/echo").json()["headers"]
    assert "api-key" not in headers and "authorization" not in headers


@pytest.mark.parametrize("status", [429, 503])
def test_retryable_status_is_retried_honouring_retry_after_and_recorded(client, status):
    k = key()
    ex = client.request("GET", "/flaky", params={"key": k, "fail": 2, "status": status,
                                                 "after": "0.2"})  # fmt: skip
    assert ex.status == 200 and ex.json()["attempt"] == 3
    assert [(r.status, r.retry_after, r.waited_s) for r in ex.retries] == [
        (status, "0.2", 0.2), (status, "0.2", 0.2)]  # fmt: skip
    assert client.sleep_calls == [0.2, 0.2]
    assert client.budget.spent == 3
    record = read_evidence(client.recorder.path)[-1]
    assert [r["status"] for r in record["retries"]] == [status, status]


def test_retry_after_is_capped(client):
    ex = client.request("GET", "/flaky", params={"key": key(), "fail": 1, "after": "3600"})
    assert ex.status == 200 and ex.retries[0].waited_s == 0.3  # the configured cap


def test_retries_stop_after_two_and_return_the_last_answer(client):
    ex = client.request("GET", "/flaky", params={"key": key(), "fail": 5, "after": "0"})
    assert ex.status == 429 and len(ex.retries) == 2 and client.budget.spent == 3


def test_server_error_500_is_not_retried(client):
    ex = client.request("GET", "/flaky", params={"key": key(), "fail": 1, "status": 500})
    assert ex.status == 500 and ex.retries == [] and client.sleep_calls == []


def test_budget_exhaustion_raises_before_sending(target):
    with ConformanceClient(make_config(target.base_url), budget=RequestBudget(2)) as c:
        c.request("GET", "/echo")
        c.request("GET", "/echo")
        with pytest.raises(BudgetExhausted) as info:
            c.request("GET", "/echo")
    assert "2 of 2" in info.value.message and c.budget.spent == 2


def test_hanging_target_ends_in_request_timeout_quickly(client):
    start = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        client.request("GET", "/hang", params={"s": 30})
    # Bounded well below the 30 s hang (load-tolerant): the point is "ends", not "how fast".
    assert time.monotonic() - start < 15
    assert "target hung" in info.value.message
    assert info.value.exchange is not None and info.value.exchange.status is None


def test_trickling_body_ends_at_the_total_deadline(client):
    start = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        client.request("GET", "/trickle")
    assert time.monotonic() - start < 12  # the body would trickle for 20 s
    assert "over 2.0s" in info.value.message and info.value.exchange.status == 200


def test_unreachable_target_is_a_clear_target_error(dead_port, recorder):
    cfg = make_config(f"http://127.0.0.1:{dead_port}/v1")
    with ConformanceClient(cfg, recorder) as c, pytest.raises(TargetUnreachable) as info:
        c.request("GET", "/models")
    assert f"cannot connect to http://127.0.0.1:{dead_port}/v1" in info.value.message
    assert info.value.render().startswith("error: ") and "hint:" in info.value.render()
    assert read_evidence(recorder.path)[-1]["error"]


def test_non_http_garbage_is_a_clear_protocol_error(garbage_port):
    cfg = make_config(f"http://127.0.0.1:{garbage_port}/v1")
    with ConformanceClient(cfg) as c, pytest.raises(TargetProtocolError) as info:
        c.request("GET", "/models")
    assert "did not answer with HTTP" in info.value.message
    assert isinstance(info.value, TargetError)


def test_html_body_is_data_and_json_raises_malformed_response(client):
    ex = client.request("GET", "/html")
    assert ex.status == 200 and "Bad Gateway" in ex.text
    with pytest.raises(MalformedResponse) as info:
        ex.json()
    assert "target returned non-JSON" in info.value.message
    assert "text/html" in info.value.message and "<html>" in info.value.message


def test_curl_line_reproduces_the_request_without_the_key(client):
    ex = client.request("POST", "/echo", json={"model": "m", "input": "it's"})
    curl = ex.curl()
    assert curl.startswith("curl -sS -X POST ")
    assert '-H "Authorization: Bearer $OPENAI_API_KEY"' in curl
    assert "--data-raw" in curl and "it'\"'\"'s" in curl
    assert CANARY not in curl


def test_multipart_request_is_summarised_and_curl_uses_form_fields(client):
    ex = client.request(
        "POST", "/echo", data={"purpose": "batch"},
        files={"file": ("input.jsonl", b'{"a": 1}\n', "application/jsonl")},
    )  # fmt: skip
    assert ex.status == 200
    assert "-F purpose=batch" in ex.curl()
    assert "-F 'file=@input.jsonl;type=application/jsonl'" in ex.curl()
    assert ex.request.files == (("file", "input.jsonl", "application/jsonl"),)


def test_operation_is_inferred_from_the_spec(target):
    from openai_conformance.contract import load_spec

    with ConformanceClient(make_config(target.base_url), spec=load_spec()) as c:
        ex = c.request("GET", "/files/file-abc")
    assert ex.operation == "GET /files/{file_id}"


def test_websocket_records_a_redacted_transcript(target, recorder):
    client = ConformanceClient(make_config(target.base_url), recorder)
    with client, client.websocket("/realtime", {"model": "m"}) as ws:
        first = ws.recv()
        ws.send({"type": "ping", "secret": CANARY})
        echoed = ws.recv()
    assert first == {"type": "session.created", "auth": True}
    assert echoed["got"]["type"] == "ping"
    record = read_evidence(recorder.path)[-1]
    transcript = record["websocket"]["transcript"]
    assert [t["dir"] for t in transcript] == ["recv", "send", "recv"]
    assert CANARY not in json.dumps(record)
    assert record["curl"].startswith("websocat ") and "$OPENAI_API_KEY" in record["curl"]


def test_websocket_silence_is_a_stream_timeout_not_a_hang(target):
    from openai_conformance.wire.exchange import StreamTimeout

    with ConformanceClient(make_config(target.base_url)) as c, c.websocket("/realtime") as ws:
        ws.recv()
        ws.send({"type": "silence"})
        with pytest.raises(StreamTimeout):
            ws.recv(timeout=0.2)


def test_websocket_on_a_plain_http_route_is_rejected_with_its_status(target):
    client = ConformanceClient(make_config(target.base_url))
    with client, pytest.raises(WebSocketRejected) as info, client.websocket("/echo"):
        pass
    assert info.value.status in (403, 404)


def test_mock_transport_can_stand_in_for_a_target():
    transport = httpx.MockTransport(lambda req: httpx.Response(200, json={"ok": True}))
    with ConformanceClient(make_config("http://mock/v1"), transport=transport) as c:
        assert c.request("GET", "/models").json() == {"ok": True}


def test_a_reset_after_a_crash_is_retried_once_on_a_fresh_connection(recorder):
    # stubllm (uvicorn) closes the keep-alive connection after an unhandled exception's 500;
    # the next request on it was reset and became a TargetProtocolError in the next test.
    import socket
    import struct
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(10)

    def answer(conn: socket.socket, head: bytes, body: bytes) -> None:
        conn.recv(65536)
        conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def serve() -> None:
        first, _ = srv.accept()
        answer(
            first, b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n", b"boom"
        )
        first.recv(65536)  # the next request on the kept-alive connection: reset, no answer
        first.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        first.close()
        second, _ = srv.accept()
        with second:
            ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            answer(second, ok, b'{"object": "list", "data": []}')

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    cfg = make_config(f"http://127.0.0.1:{srv.getsockname()[1]}/v1")
    try:
        with ConformanceClient(cfg, recorder) as c:
            assert c.request("GET", "/models").status == 500
            again = c.request("GET", "/models")
        assert again.status == 200
        assert [r.status for r in again.retries] == [0]
    finally:
        thread.join(timeout=5)
        srv.close()
