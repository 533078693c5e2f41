"""``oaic run`` end to end against the embedded reference server (a small selection)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

SCHEMA = Path(__file__).resolve().parents[2] / "reports" / "schema" / "results.schema.json"


@pytest.mark.slow
def test_run_against_embedded_server_writes_every_report(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "openai_conformance",
            "run",
            "--report-dir",
            str(tmp_path),
            "--resources",
            "files",
            "-k",
            "list",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), output[-3000:]
    assert "Traceback" not in output
    run_dirs = list((tmp_path / "runs").iterdir())
    assert len(run_dirs) == 1
    run = run_dirs[0]
    for name in (
        "results.json",
        "junit.xml",
        "summary.md",
        "report.html",
        "badge.svg",
        "REPRODUCE.md",
        "evidence.jsonl",
    ):
        assert (run / name).is_file(), name
    doc = json.loads((run / "results.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(doc)
    assert doc["run"]["target"]["embedded"] is True and doc["run"]["seed"] == 3
    assert proc.returncode == doc["summary"]["exit_code"]
    assert f"report: {run / 'report.html'}" in proc.stdout
    assert "files" in proc.stdout and "score" in proc.stdout
