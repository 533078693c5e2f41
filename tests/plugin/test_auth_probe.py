"""core/auth-required: without a configured key the auth probe still runs; a target without
authentication is flagged unless the profile declares auth = "none" (UNSUPPORTED)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openai_conformance.refserver.server import ReferenceServer

SUITE = Path(__file__).resolve().parents[2] / "suites" / "core" / "test_core_auth.py"
KEY = "sk-oaic-canary-auth-probe-0123456789"
ANONYMOUS = "test_target_without_configured_key_rejects_anonymous_requests"


@pytest.mark.parametrize(
    ("server_key", "auth", "expected"),
    [
        (None, None, "FAIL"),  # no authentication, not declared: flagged (SHOULD)
        (None, "none", "UNSUPPORTED"),  # no authentication by design, declared
        (KEY, None, "PASS"),  # the target rejects anonymous requests; we have no key
    ],
    ids=["open-undeclared", "open-declared", "protected"],
)
def test_auth_is_probed_without_a_configured_key(
    pytester: pytest.Pytester,
    oaic_env: pytest.MonkeyPatch,
    server_key: str | None,
    auth: str | None,
    expected: str,
) -> None:
    oaic_env.delenv("OAIC_API_KEY", raising=False)
    if auth:
        oaic_env.setenv("OAIC_AUTH", auth)
    with ReferenceServer(api_key=server_key) as server:
        report_dir = pytester.path / "reports"
        pytester.runpytest(
            "-p", "openai_conformance.plugin", str(SUITE), "--target", server.base_url,
            "--report-dir", str(report_dir),
        )  # fmt: skip
    doc = json.loads((report_dir / "latest" / "results.json").read_text())
    outcomes = {t["name"]: t for t in doc["tests"]}
    assert outcomes[ANONYMOUS]["outcome"] == expected, outcomes[ANONYMOUS]
    assert {outcomes[n]["outcome"] for n in outcomes if n != ANONYMOUS} == {"DISABLED"}
