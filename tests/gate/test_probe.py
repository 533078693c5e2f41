"""``oaic probe`` against the reference server with some routes turned off: the draft claims
exactly what answered, leaves out what answered 404, and round-trips through the validator."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    assert profile.data["target"] == {
        "base_url": partial_server.base_url,
        "auth": "bearer",
        "api_key_env": "W4_PROBE_KEY",
    }
    assert profile.data["models"]["chat"] == "ref-chat"
    text = draft.read_text()
    assert "GET /files" in text and ": absent" in text
    assert KEY not in text


def test_probe_treats_statuses_that_every_route_gets_as_unknown(
    partial_server: BackgroundServer, capsys
) -> None:
    # Without a key the server answers 401 everywhere, even on a route that cannot exist:
    # a 401 proves nothing, so nothing but the routes that answer 404 is decided.
    assert main(["probe", "--target", partial_server.base_url, "--auth", "none"]) == 0
    data = tomllib.loads(capsys.readouterr().out)
    assert data["features"] == []
    assert data["target"]["auth"] == "none"


def test_probe_of_an_unreachable_target_fails_in_one_paragraph(capsys) -> None:
    assert main(["probe", "--target", "http://127.0.0.1:9/v1", "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "Traceback" not in err
