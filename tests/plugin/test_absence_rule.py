"""One absence rule: a resource the target does not implement is UNSUPPORTED, not FAIL, for
scenario and generated tests alike, whatever its 404 looks like; whether 404s carry the error
envelope is judged once, by core/unknown-route-404.

The target is the reference server behind a thin ASGI layer that answers everything under
``/v1/moderations`` and unknown routes the way a FastAPI server does: ``404 {"detail": "Not
Found"}``. Everything else is the reference server, so the rest of the run is unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from openai_conformance.checks.outcomes import Disabled
from openai_conformance.contract import load_spec
from openai_conformance.contract.features import registry
from openai_conformance.errors import ConformanceError
from openai_conformance.plugin.absence import AbsenceRule
from openai_conformance.refserver.app import create_app
from openai_conformance.refserver.state import ServerConfig
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.serving import BackgroundServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-oaic-canary-absence-0123456789abcdef"
ABSENT_PREFIXES = ("/v1/moderations", "/v1/oaic-no-such-route")
NOT_FOUND = json.dumps({"detail": "Not Found"}).encode()


def without_moderations(app: Any) -> Any:
    """``app`` with the moderations resource (and unknown routes) answered like FastAPI."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ABSENT_PREFIXES):
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 404, "headers": headers})
            await send({"type": "http.response.body", "body": NOT_FOUND})
            return
        await app(scope, receive, send)

    return wrapped


@pytest.fixture(scope="module")
def fastapi_like_target() -> Iterator[str]:
    app = without_moderations(create_app(ServerConfig(api_key=KEY)))
    server = BackgroundServer(app, name="oaic-absence-selftest")
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def outcomes(fastapi_like_target: str) -> dict[str, dict[str, Any]]:
    """One run of the moderations suite, its generated test and the core 404 test."""
    with tempfile.TemporaryDirectory(prefix="oaic-absence-") as tmp:
        cmd = [
            sys.executable, "-m", "pytest", "suites/moderations",
            "suites/generated/test_operations.py", "suites/core/test_core_errors.py",
            "-k", "moderations or unknown_route", "-q", "-p", "no:cacheprovider",
            "--target", fastapi_like_target, "--profile", "reference", "--report-dir", tmp,
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OAIC_", "OPENAI_"))}
        env["OAIC_API_KEY"] = KEY
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        found = sorted(Path(tmp).glob("runs/*/results.json"))
        assert found, f"no results.json; exit {proc.returncode}\n{proc.stdout[-3000:]}"
        results = json.loads(found[-1].read_text(encoding="utf-8"))
        probes = json.loads((found[-1].parent / "probes.json").read_text(encoding="utf-8"))
    tests = {t["id"].split("::")[-1]: t for t in results["tests"]}
    return {"tests": tests, "probes": probes}


@pytest.mark.slow
def test_scenario_tests_of_an_absent_resource_are_unsupported_with_the_probe_evidence(
    outcomes: dict[str, Any],
) -> None:
    scenario = {
        n: t for n, t in outcomes["tests"].items() if t["id"].startswith("suites/moderations/")
    }
    assert len(scenario) >= 4
    assert {t["outcome"] for t in scenario.values()} == {"UNSUPPORTED"}, scenario
    reason = next(iter(scenario.values()))["message"]
    assert "POST /moderations answered HTTP 404" in reason
    assert '{"detail": "Not Found"}' in reason


@pytest.mark.slow
def test_generated_tests_of_an_absent_resource_are_unsupported(outcomes: dict[str, Any]) -> None:
    generated = {n: t["outcome"] for n, t in outcomes["tests"].items() if "[POST /moderations" in n}
    assert generated, "the generated test of POST /moderations was not collected"
    assert set(generated.values()) == {"UNSUPPORTED"}
    # another resource's operation that merely mentions moderations still runs and passes
    usage = outcomes["tests"][
        "test_operation_conforms_to_its_schema[GET /organization/usage/moderations]"
    ]
    assert usage["outcome"] == "PASS"


@pytest.mark.slow
def test_the_404_envelope_is_judged_once_by_its_core_test(outcomes: dict[str, Any]) -> None:
    core = outcomes["tests"]["test_unknown_route_returns_404_envelope"]
    assert core["outcome"] == "FAIL"
    failing = [n for n, t in outcomes["tests"].items() if t["outcome"] == "FAIL"]
    assert failing == ["test_unknown_route_returns_404_envelope"]


@pytest.mark.slow
def test_the_feature_is_probed_once_per_run(outcomes: dict[str, Any]) -> None:
    assert set(outcomes["probes"]) == {"moderations"}
    assert outcomes["probes"]["moderations"].startswith("moderations: the target does not")


class _RecordingClient:
    """Stands in for the session client: records what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str, path: str, **_: Any) -> Any:
        self.sent.append((method, path))
        raise ConformanceError("not sent anywhere")  # no answer: the probe decides nothing


@pytest.mark.parametrize(("allow", "sent"), [(frozenset(), False), ({"destructive"}, True)])
def test_a_destructive_probe_is_sent_only_when_destructive_operations_are_allowed(
    allow: frozenset[str], sent: bool
) -> None:
    client = _RecordingClient()
    session = SimpleNamespace(
        spec=load_spec(),
        run_config=RunConfig(allow=frozenset(allow), models={"chat": "gpt-4o-mini"}),
        client=client,
        run_dir=None,
    )
    rule = AbsenceRule(session, registry())  # type: ignore[arg-type]
    feature = registry().get("models.delete")
    assert feature is not None and feature.probe is not None
    assert feature.probe.method == "DELETE"
    assert rule.verdict(feature) is None  # never absent without an answer
    assert bool(client.sent) is sent


@pytest.mark.parametrize(
    ("feature", "allow", "disabled"),
    [
        ("audio.speech", frozenset(), True),  # POST /audio/speech is costly
        ("audio.speech", frozenset({"costly"}), False),
        ("models.delete", frozenset(), True),  # a DELETE is destructive
        ("chat", frozenset(), False),  # creating a chat completion is always allowed
    ],
)
def test_a_feature_whose_operation_is_not_allowed_is_disabled_before_any_probe(
    feature: str, allow: frozenset[str], disabled: bool
) -> None:
    client = _RecordingClient()
    session = SimpleNamespace(
        spec=load_spec(),
        run_config=RunConfig(allow=allow, models={"chat": "gpt-4o-mini", "tts": "tts-1"}),
        client=client,
        run_dir=None,
    )
    rule = AbsenceRule(session, registry())  # type: ignore[arg-type]
    found = registry().get(feature)
    assert found is not None
    if disabled:
        with pytest.raises(Disabled, match="enable it with --allow"):
            rule._gate(found)
    else:
        rule._gate(found)
    assert client.sent == []


class _Item:
    """Just enough of a pytest item for ``needed_features``."""

    def __init__(
        self, nodeid: str, params: dict[str, Any], operation: str = "", requirement: str = ""
    ) -> None:
        self.nodeid = nodeid
        self.callspec = SimpleNamespace(params=params)
        self.stash = pytest.Stash()
        self.markers = {"operation": operation, "requirement": requirement}

    def get_closest_marker(self, name: str) -> Any:
        value = self.markers.get(name)
        return SimpleNamespace(args=(value,)) if value else None

    def iter_markers(self, name: str) -> list[Any]:
        marker = self.get_closest_marker(name)
        return [marker] if marker is not None else []


def test_a_generated_lifecycle_needs_the_sub_features_of_its_steps() -> None:
    # "POST /chat/completions lifecycle" retrieves stored completions: a target without them
    # (stubllm, mocktopus) made it FAIL on the retrieve it never offered.
    from openai_conformance.plugin.absence import needed_features

    session: Any = SimpleNamespace(spec=load_spec())
    create = "POST /chat/completions"
    lifecycle = _Item(
        f"suites/generated/test_lifecycles.py::test_x[{create} lifecycle]",
        {"lifecycle_create": create},
        operation=create,
    )
    names = needed_features(lifecycle, session, registry())  # type: ignore[arg-type]
    assert names[0] == "chat" and "chat.stored" in names
    plain = _Item("suites/generated/test_operations.py::test_x", {"operation_id": create}, create)
    assert needed_features(plain, session, registry()) == ["chat"]  # type: ignore[arg-type]


def test_the_core_models_list_test_needs_the_models_route() -> None:
    # llm-mock-api has no GET /models: core/models-list FAILed on its 404 {"detail": ...}.
    from openai_conformance.plugin.absence import needed_features

    session: Any = SimpleNamespace(spec=load_spec())
    item = _Item("suites/core/test_x.py::test_x", {}, requirement="core/models-list")
    assert "models.list" in needed_features(item, session, registry())  # type: ignore[arg-type]
    assert [f.name for f in registry().chain("models.list")] == ["models", "models.list"]
