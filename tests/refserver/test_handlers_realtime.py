"""Realtime WebSocket (GA) and REST side: event sequences, schema validity, faults, SDK."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openai import OpenAI
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.server import ReferenceServer

VALIDATOR = SchemaValidator(load_spec())
KEY = "sk-realtime-test"


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(clock_speed=1000, allow_fault_header=True, api_key=KEY) as s:
        yield s


def open_ws(server: ReferenceServer, fault: str = "") -> ClientConnection:
    url = server.base_url.replace("http://", "ws://") + "/realtime?model=gpt-realtime"
    headers = {"Authorization": f"Bearer {KEY}"}
    if fault:
        headers["x-oaic-fault"] = fault
    return connect(url, additional_headers=headers, open_timeout=5)


def until(ws: ClientConnection, event_type: str, check: bool = True) -> list[dict[str, Any]]:
    """Events up to and including the first of ``event_type``; each validated against the spec."""
    seen = []
    for _ in range(200):
        event = json.loads(ws.recv(timeout=5))
        if check:
            assert VALIDATOR.validate(event, "RealtimeServerEvent") == [], event
        seen.append(event)
        if event["type"] == event_type:
            return seen
    raise AssertionError(f"no {event_type} in {[e['type'] for e in seen]}")


def say(ws: ClientConnection, text: str) -> None:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    ws.send(json.dumps({"type": "conversation.item.create", "item": item}))


def test_session_created_first_and_update_reflected(server: ReferenceServer) -> None:
    with open_ws(server) as ws:
        first = json.loads(ws.recv(timeout=5))
        assert first["type"] == "session.created"
        update = {"type": "realtime", "instructions": "Be terse.", "output_modalities": ["text"]}
        ws.send(json.dumps({"type": "session.update", "session": update}))
        session = until(ws, "session.updated")[-1]["session"]
        assert session["instructions"] == "Be terse." and session["output_modalities"] == ["text"]


def test_text_response_sequence_and_deltas_concatenate(server: ReferenceServer) -> None:
    with open_ws(server) as ws:
        until(ws, "session.created")
        say(ws, "hello")
        types = [e["type"] for e in until(ws, "conversation.item.done")]
        assert types == ["conversation.item.added", "conversation.item.done"]
        ws.send(
            json.dumps({"type": "response.create", "response": {"output_modalities": ["text"]}})
        )
        events = until(ws, "response.done")
        order = [e["type"] for e in events]
        assert order[:3] == [
            "response.created",
            "response.output_item.added",
            "conversation.item.added",
        ]
        text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
        done = next(e for e in events if e["type"] == "response.output_text.done")
        assert text == done["text"] and "hello" in text
        assert events[-1]["response"]["status"] == "completed"


def test_items_retrieve_truncate_delete_and_audio_buffer(server: ReferenceServer) -> None:
    with open_ws(server) as ws:
        until(ws, "session.created")
        transcription = {
            "type": "realtime",
            "audio": {"input": {"transcription": {"model": "whisper-1"}}},
        }
        ws.send(json.dumps({"type": "session.update", "session": transcription}))
        until(ws, "session.updated")
        pcm = base64.b64encode(b"\x00\x10" * 4800).decode()
        ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": pcm}))
        ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
        committed = until(ws, "input_audio_buffer.committed")[-1]
        until(ws, "conversation.item.input_audio_transcription.completed")
        ws.send(json.dumps({"type": "conversation.item.retrieve", "item_id": committed["item_id"]}))
        assert until(ws, "conversation.item.retrieved")[-1]["item"]["id"] == committed["item_id"]
        ws.send(json.dumps({"type": "response.create"}))
        item = until(ws, "response.done")[-1]["response"]["output"][0]
        ws.send(
            json.dumps(
                {
                    "type": "conversation.item.truncate",
                    "item_id": item["id"],
                    "content_index": 0,
                    "audio_end_ms": 20,
                }
            )
        )
        until(ws, "conversation.item.truncated")
        ws.send(json.dumps({"type": "conversation.item.delete", "item_id": item["id"]}))
        assert until(ws, "conversation.item.deleted")[-1]["item_id"] == item["id"]
        ws.send(json.dumps({"type": "input_audio_buffer.clear"}))
        until(ws, "input_audio_buffer.cleared")


def test_response_cancel_ends_response_cancelled(server: ReferenceServer) -> None:
    with open_ws(server) as ws:
        until(ws, "session.created")
        ws.send(json.dumps({"type": "response.create"}))
        until(ws, "response.created")
        ws.send(json.dumps({"type": "response.cancel"}))
        done = until(ws, "response.done")[-1]
        assert done["response"]["status"] == "cancelled"


def test_invalid_event_gets_error_with_event_id_and_session_survives(
    server: ReferenceServer,
) -> None:
    with open_ws(server) as ws:
        until(ws, "session.created")
        ws.send(json.dumps({"type": "conversation.item.retrieve", "event_id": "evt_1"}))
        error = until(ws, "error")[-1]
        assert error["error"]["event_id"] == "evt_1"
        say(ws, "still here")
        until(ws, "conversation.item.done")


def test_faults_visibly_break_the_protocol(server: ReferenceServer) -> None:
    with open_ws(server, "realtime-session-created-missing") as ws:
        say(ws, "x")
        assert json.loads(ws.recv(timeout=5))["type"] != "session.created"
    with open_ws(server, "realtime-error-no-event-id") as ws:
        ws.send(json.dumps({"type": "bogus", "event_id": "evt_2"}))
        assert "event_id" not in until(ws, "error")[-1]["error"]
    with open_ws(server, "realtime-delta-mismatch") as ws:
        say(ws, "x")
        ws.send(
            json.dumps({"type": "response.create", "response": {"output_modalities": ["text"]}})
        )
        events = until(ws, "response.done")
        text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
        assert text != next(e["text"] for e in events if e["type"] == "response.output_text.done")
    with open_ws(server, "realtime-event-wrong-schema") as ws:
        event = json.loads(ws.recv(timeout=5))
        assert VALIDATOR.validate(event, "RealtimeServerEvent") != []
    with open_ws(server, "realtime-close-on-invalid-event") as ws:
        ws.send(json.dumps({"type": "bogus"}))
        until(ws, "error", check=False)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with open_ws(server, "realtime-beta-event-names") as ws:
        say(ws, "x")
        assert (
            until(ws, "conversation.item.created", check=False)[-1]["type"]
            == "conversation.item.created"
        )


def test_wrong_key_refuses_handshake(server: ReferenceServer) -> None:
    url = server.base_url.replace("http://", "ws://") + "/realtime?model=gpt-realtime"
    with pytest.raises(InvalidStatus):
        connect(url, additional_headers={"Authorization": "Bearer wrong"}, open_timeout=5)


def test_client_secret_is_schema_valid(server: ReferenceServer) -> None:
    r = httpx.post(
        server.base_url + "/realtime/client_secrets",
        json={"session": {"type": "realtime", "instructions": "hi"}},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert VALIDATOR.validate(r.json(), "RealtimeCreateClientSecretResponse") == []
    assert r.json()["session"]["instructions"] == "hi"


def test_client_secret_shows_a_custom_voice_reference_by_its_id(server: ReferenceServer) -> None:
    # Regression (issue 14): the request takes {"id": ...} as a voice, the response's session
    # types voice as a name string (VoiceIdsShared); echoing the object broke the contract.
    session = {"type": "realtime", "audio": {"output": {"voice": {"id": "voice_1234"}}}}
    r = httpx.post(
        server.base_url + "/realtime/client_secrets",
        json={"session": session},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert VALIDATOR.validate(r.json(), "RealtimeCreateClientSecretResponse") == []
    assert r.json()["session"]["audio"]["output"]["voice"] == "voice_1234"


# openai-python calls websockets.sync.client.connect() outside a context manager, which
# websockets 16+ deprecates; the warning is the SDK's, not the server's.
@pytest.mark.filterwarnings(
    "ignore:connect\\(\\) must be used as a context manager:DeprecationWarning"
)
def test_official_sdk_realtime_connect_update_and_respond(server: ReferenceServer) -> None:
    client = OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0, timeout=10)
    with client.realtime.connect(model="gpt-realtime") as conn:
        assert conn.recv().type == "session.created"
        conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        assert conn.recv().type == "session.updated"
        conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "sdk"}],
            }
        )
        conn.response.create()
        text = ""
        for event in conn:
            if event.type == "response.output_text.delta":
                text += event.delta
            if event.type == "response.done":
                break
        assert "sdk" in text


def _inventoried(server: ReferenceServer, ident: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{server.base_url}/__oaic/inventory",
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=30,
    )
    rows = [row for row in answer.json()["data"] if row["id"] == ident]
    assert len(rows) == 1, rows
    return rows[0]


def test_call_named_by_location_is_recorded_ended_after_its_hangup(
    server: ReferenceServer,
) -> None:
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/sdp"}
    created = httpx.post(
        f"{server.base_url}/realtime/calls", content=b"v=0\r\n", headers=headers, timeout=30
    )
    assert created.status_code == 201 and created.headers["content-type"].startswith(
        "application/sdp"
    ), created.text
    location = created.headers["location"]
    assert location.startswith("/v1/realtime/calls/rtc_"), location
    ident = location.rsplit("/", 1)[-1]
    assert _inventoried(server, ident)["status"] != "ended"
    ended = httpx.post(
        f"{server.base_url}/realtime/calls/{ident}/hangup",
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=30,
    )
    assert ended.status_code == 200 and ended.content == b""
    assert _inventoried(server, ident)["status"] == "ended"
