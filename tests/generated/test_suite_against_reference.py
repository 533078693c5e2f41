"""The whole generated suite against the embedded reference server (quick profile, -n 2):
every operation runs, no ERROR, and the FAIL set is exactly the documented list of reference
server gaps below (strict both ways: a fixed gap must be removed from the list)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Findings of the generated suite that belong to the reference server (owner: refserver) or
# to shaping not yet able to satisfy a documented business rule; each one is a real 4xx/5xx
# for a schema-valid request, listed so the self-test stays strict about everything else.
KNOWN_GAPS = {
    "POST /containers/{container_id}/files": "refserver: 400 missing_body for a generated body",
    "POST /conversations/{conversation_id}/items": "refserver: 500 on a non-object body; 400",
    "POST /fine_tuning/jobs": "shaping: the pool's file has purpose batch, not fine-tune",
    "POST /images/edits": "refserver: the JSON body form (images[] references) is not accepted",
    "POST /realtime/calls": "refserver: rejects bracket-encoded nested session fields",
    "POST /responses/{response_id}/cancel": "refserver: only background responses cancel",
    "POST /uploads": "refserver: rejects mime_type '' (schema allows any string)",
}


@pytest.mark.slow
def test_generated_suite_runs_every_operation_without_error(tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "pytest", "suites/generated", "-q", "-p", "no:cacheprovider",
        "-n", "2", "--dist", "loadgroup", "--hypothesis-profile", "quick",
        "--report-dir", str(tmp_path), "--seed", "1",
    ]  # fmt: skip
    subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    results = next(tmp_path.glob("runs/*/results.json"))
    tests = json.loads(results.read_text())["tests"]
    outcomes = {t["outcome"] for t in tests}
    assert "ERROR" not in outcomes
    assert len(tests) >= 271
    failed = {t["operation"] for t in tests if t["outcome"] == "FAIL"}
    assert failed == set(KNOWN_GAPS)
