"""Run scenario suite folders against a target in a subprocess and read their results.

``run(folders, faults, clock, env)`` starts ``ReferenceServer(faults=faults, api_key=KEY,
allow_fault_header=True, clock_speed=clock)`` on a free loopback port, runs ``pytest
suites/<folder> ...`` in one session with the project's plugin (``--target URL --profile
reference --report-dir DIR``) and returns a ``SuiteRun``: every test's node id, requirement id
and outcome from the run's results.json, and the exit status. ``run_absent(folders)`` does
the same against ``AbsentTarget``, a server that implements nothing (404 + error envelope
everywhere, as a chat-only server answers a route it lacks).

Runs are memoised per arguments; ``prefetch`` fills the memo two runs at a time (2 cores).
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 600
KEY = "sk-oaic-selftest-key"
Env = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CaseOutcome:
    nodeid: str
    suite: str
    requirement: str | None
    outcome: str

    @property
    def name(self) -> str:
        """``test_x[param]`` (module path left out)."""
        return self.nodeid.split("::")[-1]

    @property
    def param(self) -> str | None:
        """The parametrization id (``wav`` of ``test_x[wav]``), None when not parametrized."""
        return self.name[self.name.index("[") + 1 : -1] if self.name.endswith("]") else None


@dataclass(frozen=True)
class SuiteRun:
    what: str
    tests: tuple[CaseOutcome, ...]
    exit_code: int

    def outcomes(self) -> dict[str, str]:
        return {t.nodeid: t.outcome for t in self.tests}


def _run_pytest(folders: tuple[str, ...], base_url: str, what: str, env: Env = ()) -> SuiteRun:
    with tempfile.TemporaryDirectory(prefix="oaic-suite-run-") as tmp:
        cmd = [
            sys.executable, "-m", "pytest", *[f"suites/{f}" for f in folders],
            "-q", "-p", "no:cacheprovider",
            "--target", base_url, "--profile", "reference", "--report-dir", tmp,
        ]  # fmt: skip
        # Several folders in one session exceed the default budget of a remote target.
        budget = {"OAIC_MAX_REQUESTS": "unlimited"}
        environ = {**os.environ, "OAIC_API_KEY": KEY, **budget, **dict(env)}
        proc = subprocess.run(
            cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
        found = sorted(Path(tmp).glob("runs/*/results.json"))
        if not found:
            raise AssertionError(
                f"no results.json for suites/{','.join(folders)} ({what}); exit "
                f"{proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        results = json.loads(found[-1].read_text(encoding="utf-8"))
    tests = tuple(
        CaseOutcome(
            nodeid=t["id"],
            suite=t.get("suite") or "",
            requirement=(t.get("requirement") or {}).get("id"),
            outcome=t["outcome"],
        )
        for t in results["tests"]
    )
    return SuiteRun(what, tests, proc.returncode)


@functools.cache
def run(
    folders: tuple[str, ...], faults: tuple[str, ...] = (), clock: float = 1000.0, env: Env = ()
) -> SuiteRun:
    from openai_conformance.refserver.server import ReferenceServer

    server = ReferenceServer(faults=faults, api_key=KEY, allow_fault_header=True, clock_speed=clock)
    with server:
        return _run_pytest(folders, server.base_url, f"faults {list(faults)}", env)


@functools.cache
def run_absent(folders: tuple[str, ...]) -> SuiteRun:
    with AbsentTarget() as base_url:
        return _run_pytest(folders, base_url, "a target without the features")


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


#: ``(folders,)`` is an absent-target run, ``(folders, faults, clock, env)`` a reference one.
Job = tuple[tuple[str, ...]] | tuple[tuple[str, ...], tuple[str, ...], float, Env]


def prefetch(jobs: list[Job], workers: int = 2) -> None:
    """Run jobs concurrently to fill the memo; errors are left for the test that asks for
    that job (it runs it again and sees them)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(job: Job) -> None:
        try:
            if len(job) == 1:
                run_absent(job[0])
            else:
                run(*job)
        except Exception:  # reported by the test that owns the job
            return

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, jobs))
