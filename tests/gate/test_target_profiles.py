"""Every shipped profile validates, and target.query reaches every request (Azure)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from openai_conformance.target.config import build_config
from openai_conformance.target.profiles import (
    DEFAULT_PROFILES_DIR,
    available_profiles,
    load_profile,
)
from openai_conformance.wire.client import ConformanceClient

SHIPPED = {
    "reference", "openai", "example", "azure-openai", "vllm", "llama-cpp", "ollama", "litellm",
    "lmstudio",
}  # fmt: skip
SUITES = Path(__file__).resolve().parents[2] / "suites"


def test_every_documented_target_has_a_profile() -> None:
    assert set(available_profiles(DEFAULT_PROFILES_DIR)) >= SHIPPED


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_profile_validates_and_its_expectations_name_real_tests(name: str) -> None:
    profile = load_profile(name, DEFAULT_PROFILES_DIR)
    for test_id, entry in (profile.get("expect") or {}).items():
        path, _, func = test_id.partition("::")
        if not path.startswith("suites/") or not (SUITES.parent / path).is_file():
            continue  # example.toml documents a suite that may not exist yet
        assert f"def {func.split('[')[0]}(" in (SUITES.parent / path).read_text(), test_id
        assert entry["link"].startswith("https://"), f"{name}: {test_id} needs a link"


def test_target_query_is_sent_with_every_request(tmp_path: Path) -> None:
    profile = tmp_path / "azure.toml"
    profile.write_text(
        'name = "azure"\n[target]\nbase_url = "https://res.example/openai/v1"\n'
        'auth = "api-key"\nquery = { "api-version" = "preview" }\n'
    )
    cfg = build_config({"profile": str(profile)}, env={"OAIC_API_KEY": "sk-w4-azure-key-000"})
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"object": "list", "data": []})

    with ConformanceClient(cfg, transport=httpx.MockTransport(answer)) as client:
        exchange = client.request("GET", "/models", params={"limit": 1})
    assert seen[0].url.params == httpx.QueryParams({"api-version": "preview", "limit": "1"})
    assert seen[0].headers["api-key"] == "sk-w4-azure-key-000"
    assert "api-version=preview" in exchange.curl() and "sk-w4-azure" not in exchange.curl()


def test_profile_query_typo_is_a_clear_error(tmp_path: Path) -> None:
    from openai_conformance.errors import UsageError

    profile = tmp_path / "bad.toml"
    profile.write_text('[target]\nquery = { "api-version" = 2024 }\n')
    with pytest.raises(UsageError, match="query"):
        load_profile(str(profile))
