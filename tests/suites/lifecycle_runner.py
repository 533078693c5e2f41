"""Run one lifecycle suite folder against a target in a subprocess and read its results.

``run_suite(feature, faults, clock_speed)`` (``feature``: one folder or several joined by
commas, run in one pytest session) starts ``ReferenceServer(faults=faults,
allow_fault_header=True)`` on a free loopback port, runs ``pytest suites/<feature>`` with the
project's plugin (``--target URL --profile reference --report-dir DIR``) and returns
``{test name: outcome}`` from the run's results.json (names without the module path, with
parameters, e.g. ``test_upload_returns_file_object_for_each_purpose[batch]``).
``run_suite_against_absent(feature)`` does the same against ``AbsentTarget``, a server that
implements nothing (404 + error envelope everywhere, as a chat-only server would answer).

Runs are memoised per arguments so a parametrized table shares one server and one pytest run
per row; ``prefetch`` fills the memo two runs at a time (one per core). A slower clock makes
short-lived states (half a finalizing phase) observable for sure.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 300


def _run_pytest(
    feature: str, base_url: str, what: str, extra_env: tuple[tuple[str, str], ...] = ()
) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="oaic-lifecycle-") as tmp:
        cmd = [
            sys.executable, "-m", "pytest", *[f"suites/{f}" for f in feature.split(",")],
            "-q", "-p", "no:cacheprovider",
            "--target", base_url, "--profile", "reference", "--report-dir", tmp,
        ]  # fmt: skip
        env = {**os.environ, "OAIC_API_KEY": "sk-oaic-selftest-key", **dict(extra_env)}
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
        found = sorted(Path(tmp).glob("runs/*/results.json"))
        if not found:
            raise AssertionError(
                f"no results.json for suites/{feature} ({what}); exit {proc.returncode}\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        results = json.loads(found[-1].read_text(encoding="utf-8"))
    return {t["id"].split("::")[-1]: t["outcome"] for t in results["tests"]}


@functools.cache
def run_suite(
    feature: str,
    faults: tuple[str, ...] = (),
    clock_speed: float = 1000.0,
    env: tuple[tuple[str, str], ...] = (),
) -> dict[str, str]:
    from openai_conformance.refserver.server import ReferenceServer

    with ReferenceServer(faults=faults, allow_fault_header=True, clock_speed=clock_speed) as server:
        return _run_pytest(feature, server.base_url, f"faults {list(faults)}", env)


@functools.cache
def run_suite_against_absent(feature: str) -> dict[str, str]:
    with AbsentTarget() as base_url:
        return _run_pytest(feature, base_url, "a target without the feature")


@contextlib.contextmanager
def AbsentTarget() -> Iterator[str]:
    """A loopback server that answers every request 404 with the OpenAI error envelope."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def absent(request: Request) -> JSONResponse:
        error = {
            "message": f"Unknown request URL: {request.method} {request.url.path}",
            "type": "invalid_request_error",
            "param": None,
            "code": "unknown_url",
        }
        return JSONResponse({"error": error}, status_code=404)

    methods = ["GET", "POST", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", absent, methods=methods)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the absent-target server did not start within 10 s")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def failing(outcomes: dict[str, str]) -> set[str]:
    """Names of tests whose outcome is not PASS (FAIL, ERROR, UNSUPPORTED, DISABLED...)."""
    return {name for name, outcome in outcomes.items() if outcome != "PASS"}


Job = tuple[str, tuple[str, ...], float] | tuple[str]


def prefetch(jobs: list[Job], workers: int = 2) -> None:
    """Run several jobs concurrently to fill the memo (``(feature,)`` is an absent-target
    run); errors are left for the test that asks for that job (it re-raises them)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(job: Job) -> None:
        try:
            if len(job) == 1:
                run_suite_against_absent(job[0])
            else:
                run_suite(*job)  # type: ignore[misc]
        except Exception:  # reported by the test that owns the job
            return

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, jobs))
