"""Opt-in tier: the suite against real third-party servers, judged by their target profiles.

Each server (a pinned registry package, installed by ``tests/realservers/run.sh`` into
``$OAIC_REAL_SERVERS_CACHE/<name>``) runs on a loopback port; ``oaic run --profile <name>``
must end with no unexpected verdict: every audited non-conformance is an ``[expect]`` entry in
``targets/<name>.toml`` (XFAIL), so any FAIL, ERROR or XPASS is either a regression of the
suite (a false positive, or a check that stopped catching a defect) or a change of the server.
Skipped unless ``OAIC_REAL_SERVERS=1`` (never on the default CI path).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = Path(os.environ.get("OAIC_REAL_SERVERS_CACHE", "~/.cache/oaic-realservers")).expanduser()
ENABLED = os.environ.get("OAIC_REAL_SERVERS") == "1"
ONLY = set(os.environ.get("OAIC_REAL_SERVERS_ONLY", "").split())
UNEXPECTED = {"FAIL", "ERROR", "XPASS"}

pytestmark = pytest.mark.skipif(
    not ENABLED, reason="set OAIC_REAL_SERVERS=1 (tests/realservers/run.sh)"
)


@dataclass(frozen=True)
class Server:
    name: str
    argv: tuple[str, ...]  # {venv} {port} {here} {cache} are substituted
    ready_path: str
    api_key: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    startup_s: float = 90.0


SERVERS = (
    Server(
        "litellm-mock",
        ("{venv}/bin/litellm", "--config", "{here}/servers/litellm-config.yaml",
         "--host", "127.0.0.1", "--port", "{port}", "--num_workers", "1"),
        "/health/liveliness",
        api_key="sk-local",
        # pass-through endpoints must never leave the machine: a dead loopback port upstream
        env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False",
             "OPENAI_API_BASE": "http://127.0.0.1:9/v1", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
             "OPENAI_API_KEY": "fake"},
    ),
    Server(
        "stubllm",
        ("{venv}/bin/stubllm", "serve", "--host", "127.0.0.1", "--port", "{port}",
         "--fixture-file", "{here}/servers/stubllm-fixtures.yaml", "--log-level", "warning"),
        "/v1/models",
    ),
    Server(
        "llama-cpp",
        ("{venv}/bin/python", "-m", "llama_cpp.server", "--model", "{cache}/tiny-random-llama.gguf",
         "--model_alias", "tiny-random-llama", "--host", "127.0.0.1", "--port", "{port}",
         "--n_ctx", "512", "--n_threads", "1", "--api_key", "sk-local", "--embedding", "true"),
        "/v1/models",
        api_key="sk-local",
    ),
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[tuple[Server, str]]:
    server: Server = request.param
    venv = CACHE / server.name
    if ONLY and server.name not in ONLY:
        pytest.skip(f"{server.name} not selected (OAIC_REAL_SERVERS_ONLY)")
    if not (venv / ".installed").is_file():
        pytest.skip(f"{server.name} is not installed: tests/realservers/run.sh {server.name}")
    if server.name == "llama-cpp" and not (CACHE / "tiny-random-llama.gguf").is_file():
        subprocess.run(
            [str(venv / "bin/python"), str(HERE / "servers/make_tiny_gguf.py"),
             str(CACHE / "tiny-random-llama.gguf")], check=True, timeout=120,
        )  # fmt: skip
    port = _free_port()
    subst = {"venv": str(venv), "port": str(port), "here": str(HERE), "cache": str(CACHE)}
    argv = [a.format(**subst) for a in server.argv]
    log = (CACHE / f"{server.name}.log").open("wb")
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **server.env},
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {server.api_key}"} if server.api_key else {}
    try:
        deadline = time.monotonic() + server.startup_s
        while True:
            try:
                if (
                    httpx.get(base + server.ready_path, headers=headers, timeout=2).status_code
                    < 500
                ):
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{server.name} did not start (log: {log.name})")
            time.sleep(0.5)
        yield server, base + "/v1"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass  # the server already exited (it failed to start): its log says why
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


@pytest.mark.parametrize("running", SERVERS, ids=[s.name for s in SERVERS], indirect=True)
def test_profile_expects_every_non_conformance_of_the_server(
    running: tuple[Server, str], tmp_path: Path
) -> None:
    server, base_url = running
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OAIC_", "OPENAI_"))}
    if server.api_key:
        env["OAIC_API_KEY"] = server.api_key
    subprocess.run(
        [sys.executable, "-m", "openai_conformance", "run", "--profile", server.name,
         "--target", base_url, "--report-dir", str(tmp_path)],
        cwd=ROOT, env=env, timeout=3600, capture_output=True,
    )  # fmt: skip
    doc = json.loads((tmp_path / "latest" / "results.json").read_text())
    unexpected = {t["id"]: (t["outcome"], t["message"][:200]) for t in doc["tests"]
                  if t["outcome"] in UNEXPECTED}  # fmt: skip
    assert not unexpected, json.dumps(unexpected, indent=1)
