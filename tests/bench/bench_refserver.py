"""Benchmark of the reference server over loopback (run by hand; not a test).

    /tmp/probe/bin/python tests/bench/bench_refserver.py [N]

Prints requests/s, p50 and p99 latency for ``GET /v1/models``, a non-streamed chat completion
and an engine-served ``GET /v1/assistants/{id}``, N sequential requests each (default 1,000)
on one keep-alive httpx client, after 50 warm-up requests; and the time to stream a chat
completion. The server runs in its own process (``oaic serve`` entry, ``--port 0``) so the
client does not share its GIL; ``--in-process`` measures the ReferenceServer thread instead.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx

from openai_conformance.refserver.server import ReferenceServer


def measure(name: str, send: Callable[[], httpx.Response], n: int) -> None:
    for _ in range(50):
        send()
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        resp = send()
        latencies.append((time.perf_counter() - t) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{name}: HTTP {resp.status_code} {resp.text[:200]}")
    total = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{name:<34} {n / total:8.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")


@contextlib.contextmanager
def subprocess_server() -> Iterator[str]:
    cmd = [sys.executable, "-m", "openai_conformance.refserver.cli", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on" not in line:
            raise SystemExit(f"server did not start: {line!r}")
        yield line.rsplit(" ", 1)[-1].strip()
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def thread_server() -> Iterator[str]:
    with ReferenceServer() as srv:
        yield srv.base_url


def main(argv: list[str]) -> int:
    in_process = "--in-process" in argv
    argv = [a for a in argv if a != "--in-process"]
    n = int(argv[0]) if argv else 1000
    chat = {"model": "ref-chat", "messages": [{"role": "user", "content": "Say hello."}]}
    server = thread_server() if in_process else subprocess_server()
    with server as base_url, httpx.Client(base_url=base_url, timeout=30) as c:
        measure("GET /v1/models", lambda: c.get("/models"), n)
        measure("POST /v1/chat/completions", lambda: c.post("/chat/completions", json=chat), n)
        ident = c.post("/assistants", json={"model": "ref-chat"}).json()["id"]
        measure("GET /v1/assistants/{id} (engine)", lambda: c.get(f"/assistants/{ident}"), n)
        # ~1,000 chunks: the deterministic model answers one 8-15 word sentence per choice and
        # streams a word per chunk, so 80 choices give roughly a thousand content chunks.
        stream = {**chat, "stream": True, "n": 80}
        t = time.perf_counter()
        chunks = 0
        with c.stream("POST", "/chat/completions", json=stream) as resp:
            for line in resp.iter_lines():
                chunks += line.startswith("data:")
        elapsed = time.perf_counter() - t
        print(f"stream chat completion: {chunks} chunks in {elapsed:.3f} s", end="")
        print(f"  ({elapsed / max(chunks, 1) * 1e6:.0f} µs per chunk)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
