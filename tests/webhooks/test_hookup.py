"""Receiver settings (profile ``[webhooks]`` + environment) and the hookup decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from openai_conformance.errors import UsageError
from openai_conformance.scenario.webhooks import ReceiverSettings, hookup, receiver_settings


@dataclass
class FakeProfile:
    data: dict[str, Any]

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node


@dataclass
class Answer:
    status: int
    body: Any = None

    def json(self) -> Any:
        if self.body is None:
            raise ValueError("no JSON")
        return self.body


@dataclass
class FakeClient:
    base_url: str
    answer: Answer = field(default_factory=lambda: Answer(404))
    sent: list[tuple[str, str, Any]] = field(default_factory=list)

    def request(self, method: str, path: str, json: Any = None) -> Answer:
        self.sent.append((method, path, json))
        return self.answer


class FakeCleanup:
    def __init__(self) -> None:
        self.undo: list[Any] = []

    def register(self, kind: str, ident: str, undo: Any, what: str) -> None:
        self.undo.append(undo)


class FakeReceiver:
    url = "http://127.0.0.1:5000/webhooks"
    secret = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def test_defaults_are_a_free_loopback_port_and_the_openai_secret_variable() -> None:
    s = receiver_settings(None, {"OPENAI_WEBHOOK_SECRET": "whsec_x"})
    assert (s.public_url, s.host, s.port, s.secret_env, s.secret) == (
        None, "127.0.0.1", 0, "OPENAI_WEBHOOK_SECRET", "whsec_x",
    )  # fmt: skip


def test_environment_overrides_the_profile() -> None:
    profile = FakeProfile(
        {
            "webhooks": {
                "public_url": "https://a.example/h",
                "listen": "0.0.0.0:9000",
                "secret_env": "MY_SECRET",
            }
        }
    )
    env = {"OAIC_WEBHOOK_PUBLIC_URL": "https://b.example/h", "MY_SECRET": "whsec_y"}
    s = receiver_settings(profile, env)
    assert (s.public_url, s.host, s.port, s.secret) == (
        "https://b.example/h",
        "0.0.0.0",
        9000,
        "whsec_y",
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OAIC_WEBHOOK_LISTEN": "8765"}, "HOST:PORT"),
        ({"OAIC_WEBHOOK_PUBLIC_URL": "ftp://x"}, r"http\(s\) URL"),
    ],
)
def test_bad_settings_are_usage_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        receiver_settings(None, env)


def test_remote_target_without_public_url_cannot_deliver() -> None:
    client = FakeClient("https://api.example.com/v1")
    reason = hookup(client, FakeReceiver(), ReceiverSettings(), FakeCleanup())
    assert reason and "public_url" in reason and client.sent == []


def test_public_url_means_the_user_configured_the_provider() -> None:
    client = FakeClient("https://api.example.com/v1")
    settings = ReceiverSettings(public_url="https://hooks.example.com/x", secret="whsec_z")
    assert hookup(client, FakeReceiver(), settings, FakeCleanup()) is None and client.sent == []


def test_loopback_target_without_control_endpoint_cannot_deliver() -> None:
    client = FakeClient("http://127.0.0.1:8000/v1", Answer(404, {"error": {}}))
    reason = hookup(client, FakeReceiver(), ReceiverSettings(), FakeCleanup())
    assert reason and "answered 404" in reason


def test_loopback_reference_server_is_configured_and_undone_at_cleanup() -> None:
    client = FakeClient("http://localhost:8000/v1", Answer(200, {"id": "we_1"}))
    cleanup = FakeCleanup()
    assert hookup(client, FakeReceiver(), ReceiverSettings(), cleanup) is None
    assert client.sent[0] == (
        "POST", "/__oaic/webhooks", {"url": FakeReceiver.url, "secret": FakeReceiver.secret},
    )  # fmt: skip
    cleanup.undo[0]()
    assert client.sent[-1][:2] == ("DELETE", "/__oaic/webhooks/we_1")
