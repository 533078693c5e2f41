"""Self-tests of moderations, audio, images, and the official openai SDK against the server."""

from __future__ import annotations

import base64
import io
import struct
import wave
from collections.abc import Iterator

import httpx
import pytest
from handler_support import assert_valid, faulty, serve, sse_json

from openai_conformance.checks.decoders import problem
from openai_conformance.refserver.handlers.audio import wav
from openai_conformance.refserver.server import ReferenceServer


@pytest.fixture(scope="module")
def srv() -> Iterator[tuple[ReferenceServer, httpx.Client]]:
    yield from serve()


WAV = wav(struct.pack("<100h", *range(100)))


def test_moderation_flags_marker_words_for_text_and_multimodal_input(srv) -> None:
    _, c = srv
    body = c.post("/moderations", json={"input": ["calm words", "pure violence"]}).json()
    assert_valid(body, "CreateModerationResponse")
    assert [r["flagged"] for r in body["results"]] == [False, True]
    parts = [
        {"type": "text", "text": "hi"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    multi = c.post("/moderations", json={"input": parts, "model": "omni-moderation-latest"})
    assert_valid(multi.json(), "CreateModerationResponse")
    assert "image" in multi.json()["results"][0]["category_applied_input_types"]["violence"]


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_speech_answers_bytes_with_the_format_content_type(srv, fmt) -> None:
    _, c = srv
    r = c.post(
        "/audio/speech",
        json={"model": "tts-1", "input": "hello world", "voice": "alloy", "response_format": fmt},
    )
    assert r.status_code == 200 and len(r.content) > 40
    assert r.headers["content-type"].startswith("audio/")
    assert problem(fmt, r.content) is None  # every file decodes completely
    if fmt == "wav":
        with wave.open(io.BytesIO(r.content)) as w:
            assert w.getsampwidth() == 2 and w.getnframes() > 0


def test_speech_sse_and_speech_content_type_fault(srv) -> None:
    _, c = srv
    body = {"model": "gpt-4o-mini-tts", "input": "hi", "voice": "alloy", "stream_format": "sse"}
    events = sse_json(c.post("/audio/speech", json=body).text)
    for ev in events:
        assert_valid(ev, "CreateSpeechResponseStreamEvent")
    assert events[-1]["type"] == "speech.audio.done"
    plain = {"model": "tts-1", "input": "hi", "voice": "alloy"}
    r = c.post("/audio/speech", json=plain, headers=faulty("speech-wrong-content-type"))
    assert r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt", "verbose_json", "diarized_json"])
def test_transcription_answers_every_response_format(srv, fmt) -> None:
    _, c = srv
    data = {
        "model": "whisper-1",
        "response_format": fmt,
        "timestamp_granularities[]": ["word", "segment"],
    }
    r = c.post("/audio/transcriptions", data=data, files={"file": ("a.wav", WAV, "audio/wav")})
    assert r.status_code == 200, r.text
    if fmt == "json":
        assert_valid(r.json(), "CreateTranscriptionResponseJson")
    elif fmt == "verbose_json":
        assert_valid(r.json(), "CreateTranscriptionResponseVerboseJson")
        assert r.json()["segments"] and r.json()["words"]
    elif fmt == "diarized_json":
        assert_valid(r.json(), "CreateTranscriptionResponseDiarizedJson")
    elif fmt == "vtt":
        assert r.text.startswith("WEBVTT")
    elif fmt == "srt":
        assert r.text.startswith("1\n00:00:00,000 --> ")


def test_transcription_stream_and_translation_and_verbose_fault(srv) -> None:
    _, c = srv
    files = {"file": ("a.wav", WAV, "audio/wav")}
    r = c.post(
        "/audio/transcriptions", data={"model": "gpt-4o-transcribe", "stream": "true"}, files=files
    )
    events = sse_json(r.text)
    for ev in events:
        assert_valid(ev, "CreateTranscriptionResponseStreamEvent")
    deltas = "".join(e["delta"] for e in events if e["type"] == "transcript.text.delta")
    assert deltas == events[-1]["text"]
    t = c.post("/audio/translations", data={"model": "whisper-1"}, files=files)
    assert_valid(t.json(), "CreateTranslationResponseJson")
    v = c.post(
        "/audio/transcriptions",
        files=files,
        data={"model": "whisper-1", "response_format": "verbose_json"},
        headers=faulty("transcription-verbose-json-missing-segments"),
    )
    assert "segments" not in v.json()


def test_images_generation_edit_variation_and_stream(srv) -> None:
    _, c = srv
    gen = c.post("/images/generations", json={"model": "gpt-image-1", "prompt": "a dot", "n": 2})
    assert_valid(gen.json(), "ImagesResponse")
    png = base64.b64decode(gen.json()["data"][0]["b64_json"])
    assert png.startswith(b"\x89PNG") and len(gen.json()["data"]) == 2
    files = {"image": ("a.png", png, "image/png")}
    edit = c.post("/images/edits", data={"prompt": "x", "model": "gpt-image-1"}, files=files)
    assert_valid(edit.json(), "ImagesResponse")
    var = c.post("/images/variations", data={"model": "dall-e-2"}, files=files)
    assert_valid(var.json(), "ImagesResponse")
    s = c.post(
        "/images/generations",
        json={"model": "gpt-image-1", "prompt": "a", "stream": True, "partial_images": 1},
    )
    events = sse_json(s.text)
    for ev in events:
        assert_valid(ev, "ImageGenStreamEvent")
    assert [e["type"] for e in events] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]


def test_official_openai_sdk_performs_the_inference_lifecycles(srv) -> None:
    openai = pytest.importorskip("openai")
    server, _ = srv
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=10)
    msgs = [{"role": "user", "content": "hello"}]
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=msgs)
    text = plain.choices[0].message.content
    streamed = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=msgs, stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(ch.choices[0].delta.content or "" for ch in streamed if ch.choices) == text
    assert streamed[-1].usage is not None and streamed[-1].choices == []
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {
                "type": "object",
                "properties": {"q": {"type": "string"}},
                "required": ["q"],
            },
        },
    }
    called = client.chat.completions.create(
        model="gpt-4o-mini", messages=msgs, tools=[tool], tool_choice="required"
    )
    assert called.choices[0].message.tool_calls[0].function.name == "lookup"
    resp = client.responses.create(model="gpt-4o-mini", input="hello")
    assert resp.output_text and client.responses.retrieve(resp.id).id == resp.id
    events = list(client.responses.create(model="gpt-4o-mini", input="hello", stream=True))
    assert events[-1].type == "response.completed"
    client.responses.delete(resp.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(resp.id)
    floats = client.embeddings.create(
        model="text-embedding-3-small", input="x", encoding_format="float"
    )
    default = client.embeddings.create(model="text-embedding-3-small", input="x")
    assert default.data[0].embedding == pytest.approx(floats.data[0].embedding)
    assert client.moderations.create(input="violence").results[0].flagged
    assert any(m.id == "gpt-4o-mini" for m in client.models.list())
