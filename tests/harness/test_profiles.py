"""Profiles validate against reports/schema/profile.schema.json; typos are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_conformance.errors import UsageError
from openai_conformance.target.config import build_config
from openai_conformance.target.profiles import (
    DEFAULT_PROFILES_DIR,
    FEATURES,
    MODEL_ROLES,
    available_profiles,
    load_profile,
)


@pytest.mark.parametrize("name", ["reference", "openai", "example"])
def test_shipped_profile_validates(name: str):
    profile = load_profile(name, DEFAULT_PROFILES_DIR)
    assert profile.name == name


@pytest.mark.parametrize("name", ["reference", "openai"])
def test_shipped_profile_declares_every_model_role_and_claims_every_feature(name: str):
    profile = load_profile(name, DEFAULT_PROFILES_DIR)
    assert set(profile.get("models")) == set(MODEL_ROLES)
    # No features key: the profile claims the whole registry (suites/*/feature.yaml), so it
    # never needs editing when a feature is added.
    assert profile.get("features") is None
    config = build_config({"profile": name})
    assert all(config.claims(feature) for feature in FEATURES)


def test_reference_profile_uses_reference_models_and_no_base_url():
    p = load_profile("reference", DEFAULT_PROFILES_DIR)
    assert p.get("target.base_url") is None
    assert p.get("models.fine_tune_base") == "ref-chat"
    assert all(m.startswith("ref-") for m in p.get("models").values())


def test_every_profile_in_targets_validates():
    names = available_profiles(DEFAULT_PROFILES_DIR)
    assert {"reference", "openai", "example"} <= set(names)
    for name in names:
        load_profile(name, DEFAULT_PROFILES_DIR)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[timeouts]\nconect = 3\n", "unknown key 'timeouts.conect' (did you mean 'connect'?)"),
        ("featurs = []\n", "unknown key 'featurs' (did you mean 'features'?)"),
        ("[target]\nauth = 'basic'\n", "one of 'bearer', 'api-key', 'none'"),
        ("[run]\nmax_requests = 'many'\n", "key 'run.max_requests'"),
        ("features = ['chat.streamng']\n", "unknown feature 'chat.streamng'"),
        ('[expect."a::b"]\noutcome = "fail"\n', "'reason' is a required property"),
        ("[models]\nvision = 'x'\n", "unknown key 'models.vision'"),
        ("[target\n", "not valid TOML"),
    ],
)
def test_profile_mistake_is_a_usage_error_naming_the_key(tmp_path: Path, text: str, expected: str):
    (tmp_path / "t.toml").write_text(text)
    with pytest.raises(UsageError) as info:
        load_profile("t", tmp_path)
    assert expected in info.value.message
    assert "t.toml" in info.value.message


def test_profile_can_be_given_as_a_path(tmp_path: Path):
    path = tmp_path / "custom.toml"
    path.write_text('name = "custom"\n')
    assert load_profile(str(path)).name == "custom"
