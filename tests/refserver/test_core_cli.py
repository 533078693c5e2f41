"""``oaic serve`` (serve_main): listing faults, usage errors, serving until SIGTERM."""

from __future__ import annotations

import io
import signal
import subprocess
import sys

import httpx
import pytest

from openai_conformance.refserver.cli import serve_main


def test_list_faults_prints_every_generic_fault_with_its_target() -> None:
    out = io.StringIO()
    assert serve_main(["--list-faults"], out=out) == 0
    text = out.getvalue()
    for name in ("missing-required-field", "ignore-auth", "html-error-page"):
        assert name in text
    assert "[targets:" in text


def test_unknown_fault_is_a_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve_main(["--fault", "no-such-fault"]) == 2
    assert "unknown fault(s): no-such-fault" in capsys.readouterr().err


def test_bad_option_is_a_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve_main(["--clock-speed", "0"]) == 2
    assert serve_main(["--port", "many"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_serve_prints_its_base_url_serves_and_stops_on_sigterm() -> None:
    cmd = [sys.executable, "-m", "openai_conformance.refserver.cli", "--api-key", "sk-cli-test"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("openai-conformance reference server listening on http://127.0.0.1:")
        base = line.rsplit(" ", 1)[-1].strip()
        assert base.endswith("/v1")
        assert httpx.get(base + "/assistants", timeout=5).status_code == 401
        ok = httpx.get(base + "/assistants", headers={"Authorization": "Bearer sk-cli-test"})
        assert ok.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
