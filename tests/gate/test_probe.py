"""``oaic probe`` against the reference server with some routes turned off: the draft claims
exactly what answered, leaves out what answered 404, and round-trips through the validator."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tiny_target import MODEL, TinyTarget, serving

from openai_conformance.commands.cli import main
from openai_conformance.refserver.server import ReferenceServer
from openai_conformance.target.profiles import load_profile
from openai_conformance.wire.serving import BackgroundServer

KEY = "sk-oaic-canary-probe-0123456789abcdef"
#: Routes the wrapped server answers with 404, like a server that does not implement them.
TURNED_OFF = ("/v1/files", "/v1/batches", "/v1/images", "/v1/realtime", "/v1/fine_tuning")


class RoutesOff:
    """ASGI wrapper answering 404 (OpenAI envelope) for every path under ``prefixes``."""

    def __init__(self, app: Any, prefixes: tuple[str, ...]) -> None:
        self.app, self.prefixes = app, prefixes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and path.startswith(self.prefixes):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = b'{"error": {"message": "Not Found", "type": "invalid_request_error"}}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def partial_server() -> Iterator[BackgroundServer]:
    """The reference server's app behind ``RoutesOff``, served on its own port."""
    reference = ReferenceServer(api_key=KEY, faults=("embeddings-base64-unsupported",))
    server = BackgroundServer(RoutesOff(reference.app, TURNED_OFF), name="oaic-probe-target")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_probe_drafts_a_profile_of_what_answers(
    partial_server: BackgroundServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("W4_PROBE_KEY", KEY)
    draft = tmp_path / "probed.toml"
    argv = ["probe", "--target", partial_server.base_url, "--api-key-env", "W4_PROBE_KEY"]
    assert main([*argv, "--name", "partial", "--output", str(draft)]) == 0
    assert "feature(s) detected" in capsys.readouterr().out
    profile = load_profile(str(draft))  # round-trips through the profile validator
    features = set(profile.data["features"])
    assert {"models", "chat", "embeddings", "responses", "uploads", "audio"} <= features
    assert {"chat.streaming", "chat.stream-usage", "chat.tools", "chat.json-mode"} <= features
    assert {"files", "batches", "fine_tuning", "images", "images.generation"}.isdisjoint(features)
    assert {"realtime", "realtime.websocket"}.isdisjoint(features)
    assert "embeddings.base64" not in features, "the fault rejects base64 embeddings"
    assert "embeddings.dimensions" in features
    assert profile.data["target"] == {
        "base_url": partial_server.base_url,
        "auth": "bearer",
        "api_key_env": "W4_PROBE_KEY",
    }
    assert profile.data["models"]["chat"] == "ref-chat"
    text = draft.read_text()
    assert "GET /files" in text and ": absent" in text
    assert KEY not in text


def test_probe_refuses_to_draft_auth_none_when_routes_answer_401(
    partial_server: BackgroundServer, capsys
) -> None:
    # Without a key the server answers 401 everywhere, even on a route that cannot exist:
    # nothing is decided, and a draft saying auth = "none" would be false.
    assert main(["probe", "--target", partial_server.base_url, "--auth", "none"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "401" in err and "--api-key-env" in err and "Traceback" not in err


def test_probe_of_an_unreachable_target_fails_in_one_paragraph(capsys) -> None:
    assert main(["probe", "--target", "http://127.0.0.1:9/v1", "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "Traceback" not in err


def _probe(target: TinyTarget, capsys, *extra: str, path: str = "/v1") -> tuple[int, str, str]:
    with serving(target) as server:
        code = main(["probe", "--target", server.origin + path, "--timeout", "5", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_probe_drafts_tiny_target_with_its_listed_model(capsys) -> None:
    code, out, _ = _probe(TinyTarget(), capsys)
    assert code == 0
    data = tomllib.loads(out)
    assert data["models"] == {"chat": MODEL}
    assert {"models", "chat", "chat.streaming"} <= set(data["features"])
    assert {"files", "embeddings", "responses", "batches"}.isdisjoint(data["features"])


def test_probe_reads_405_on_get_of_a_collection_as_present(capsys) -> None:
    code, out, _ = _probe(TinyTarget(statuses={"GET /files": 405}), capsys)
    assert code == 0
    features = set(tomllib.loads(out)["features"])
    assert "files" in features, "405 on GET /files: the route exists (upload-only)"
    assert "files.list" not in features


def test_probe_claims_files_list_when_the_listing_answers(capsys) -> None:
    code, out, _ = _probe(TinyTarget(statuses={"GET /files": 200}), capsys)
    assert code == 0
    assert {"files", "files.list"} <= set(tomllib.loads(out)["features"])


def test_probe_detects_responses_streaming(capsys) -> None:
    code, out, _ = _probe(TinyTarget(responses=True, statuses={"POST /responses": 400}), capsys)
    assert code == 0
    features = set(tomllib.loads(out)["features"])
    assert {"responses", "responses.streaming"} <= features


def test_probe_does_not_claim_responses_streaming_without_events(capsys) -> None:
    code, out, _ = _probe(TinyTarget(statuses={"POST /responses": 400}), capsys)
    assert code == 0
    features = set(tomllib.loads(out)["features"])
    assert "responses" in features and "responses.streaming" not in features


def test_probe_probes_chat_options_without_models_route(capsys) -> None:
    # No /models: the default chat id is tried once; it works here, so options are probed.
    code, out, _ = _probe(TinyTarget(models=None, chat_models=("gpt-4o-mini",)), capsys)
    assert code == 0
    data = tomllib.loads(out)
    assert "models" not in data["features"]
    assert "chat.streaming" in data["features"]
    assert data["models"] == {"chat": "gpt-4o-mini"}


def test_probe_says_so_when_no_chat_model_works(capsys) -> None:
    code, out, err = _probe(TinyTarget(models=None), capsys)
    assert code == 0
    data = tomllib.loads(out)
    assert "chat" in data["features"] and "chat.streaming" not in data["features"]
    assert "models" not in data
    assert "no chat model id known" in err and "--model" in err


def test_probe_says_so_when_a_route_answers_500(capsys) -> None:
    code, out, err = _probe(TinyTarget(statuses={"POST /embeddings": 500}), capsys)
    assert code == 0
    assert "POST /embeddings answered 500" in err
    assert "POST /embeddings answered 500" in out  # kept as a comment in the draft
    # A crash is not absence (404/405/501): the route is claimed and its tests report it.
    assert "embeddings" in tomllib.loads(out)["features"]
    assert "claimed, its tests judge it" in err


def test_probe_finds_chat_on_a_target_that_crashes_on_an_empty_body(capsys) -> None:
    # mockllm has no /models and answers an empty chat body with 500: the route probe sends
    # the default id, so chat and its options are found (the first run tested nothing).
    target = TinyTarget(models=None, chat_models=("gpt-4o-mini",), crash_on_empty=True)
    code, out, _ = _probe(target, capsys)
    assert code == 0
    assert {"chat", "chat.streaming"} <= set(tomllib.loads(out)["features"])


def test_probe_exits_non_zero_when_every_route_answers_401(capsys) -> None:
    code, out, err = _probe(TinyTarget(key="sk-tiny-secret-key"), capsys)
    assert code == 1 and out == ""
    assert "401" in err and "--api-key-env" in err
    assert 'auth = "none"' not in out


def test_probe_exits_non_zero_on_a_base_url_without_v1(capsys) -> None:
    code, out, err = _probe(TinyTarget(), capsys, path="")
    assert code == 1 and out == ""
    assert "every route answered 404" in err and "/v1" in err


def test_probe_claims_no_model_role_from_a_400_without_a_model_id(capsys) -> None:
    # POST /embeddings answers 422 to an empty body, /models lists no embedding model: the
    # run would send a default OpenAI id, so embeddings is not claimed (and no role is set).
    code, out, _ = _probe(TinyTarget(statuses={"POST /embeddings": 422}), capsys)
    assert code == 0
    data = tomllib.loads(out)
    assert "embeddings" not in data["features"]
    assert data["models"] == {"chat": MODEL}
    assert "no embeddings model id listed" in out


def test_probe_claims_a_model_role_when_the_model_is_listed(capsys) -> None:
    target = TinyTarget(models=(MODEL, "tiny-embed"), statuses={"POST /embeddings": 422})
    code, out, _ = _probe(target, capsys)
    assert code == 0
    data = tomllib.loads(out)
    assert "embeddings" in data["features"]
    assert data["models"] == {"chat": MODEL, "embeddings": "tiny-embed"}


def test_probe_claims_realtime_only_with_a_listed_realtime_model(capsys) -> None:
    code, out, err = _probe(TinyTarget(realtime=True), capsys)
    assert code == 0
    assert "realtime" not in tomllib.loads(out)["features"], "the run would ask for gpt-realtime"
    assert "no realtime model id listed" in out + err
    code, out, _ = _probe(TinyTarget(realtime=True, models=(MODEL, "tiny-realtime")), capsys)
    assert code == 0
    data = tomllib.loads(out)
    assert "realtime" in data["features"]
    assert data["models"]["realtime"] == "tiny-realtime"


def test_probe_claims_options_accepted_without_their_effect(capsys) -> None:
    # The tiny target answers n=2 with one choice, logprobs with none and a stream without the
    # asked usage chunk: accepted and ignored is the option broken (its tests judge it), not
    # absent (mocktopus, stubllm: include_usage ignored was never tested on a first run).
    code, out, _ = _probe(TinyTarget(), capsys)
    assert code == 0
    assert {"chat.n", "chat.logprobs", "chat.stream-usage"} <= set(tomllib.loads(out)["features"])
    assert "accepted but without its effect" in out


def test_probe_leaves_out_options_the_target_refuses(capsys) -> None:
    code, out, _ = _probe(TinyTarget(refuse=("n", "logprobs")), capsys)
    assert code == 0
    features = set(tomllib.loads(out)["features"])
    assert {"chat.n", "chat.logprobs"}.isdisjoint(features)
    assert "chat.tools" in features
