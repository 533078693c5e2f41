"""Lifecycle deadlines: an option overrides them, a run without a profile is bounded to
minutes, and a lifecycle still progressing at its deadline is DISABLED with the hint."""

from __future__ import annotations

import pytest

from openai_conformance.checks.outcomes import DEADLINE_LABEL, ConformanceFailure, DeadlinePassed
from openai_conformance.scenario.lifecycles.machines import BATCH
from openai_conformance.scenario.lifecycles.target import (
    UNPROFILED_DEADLINE_S,
    Observed,
    deadline_s,
    reached_conformance,
)
from openai_conformance.target.config import build_config

REMOTE = {"target": "http://127.0.0.1:9/v1"}


def test_without_a_profile_lifecycles_are_bounded_to_minutes():
    config = build_config(REMOTE, env={})
    assert deadline_s(config, "batches") == UNPROFILED_DEADLINE_S
    assert deadline_s(config, "files") == 120.0


def test_a_profile_keeps_its_long_defaults():
    config = build_config({**REMOTE, "profile": "openai"}, env={})
    assert deadline_s(config, "fine_tuning") > UNPROFILED_DEADLINE_S


def test_the_option_and_its_variable_override_every_deadline():
    assert deadline_s(build_config({**REMOTE, "lifecycle_deadline": "42"}, env={}), "batches") == 42
    env = {"OAIC_LIFECYCLE_DEADLINE": "7"}
    assert deadline_s(build_config(REMOTE, env=env), "fine_tuning") == 7


def test_a_lifecycle_still_progressing_at_its_deadline_is_not_a_failure():
    seen = Observed(states=["validating", "in_progress"], timed_out=True, deadline_s=300)
    with pytest.raises(DeadlinePassed) as info:
        reached_conformance(
            seen, BATCH, {"completed"}, operation="GET /batches/{batch_id}"
        )  # fmt: skip
    assert info.value.reason.startswith(DEADLINE_LABEL)
    assert "--lifecycle-deadline" in info.value.reason and "in_progress" in info.value.reason


def test_a_lifecycle_that_stopped_elsewhere_still_fails():
    seen = Observed(states=["validating", "failed"], timed_out=False)
    with pytest.raises(ConformanceFailure):
        reached_conformance(seen, BATCH, {"completed"}, operation="GET /batches/{batch_id}")
