"""Benchmark of the validating proxy's added latency over loopback (run by hand; not a test).

    /tmp/probe/bin/python tests/bench/bench_proxy.py [N]

N sequential ``GET /v1/models/gpt-4o-mini`` requests (default 1,000, after 50 warm-up
requests) on one keep-alive httpx client, directly against a reference server and through a
``ValidatingProxy`` in front of it (request validation, forwarding, response checks and
evidence recording included: judging runs after the answer is sent). The upstream runs in its
own process (``oaic serve``) so it does not share the proxy's GIL. Prints p50/p99 per path and
the added p50 (aim: <= 2 ms).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

import httpx

from openai_conformance.proxy.server import ValidatingProxy

PATH = "/models/gpt-4o-mini"


def latencies(base_url: str, n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        for _ in range(50):
            client.get(PATH).raise_for_status()
        for _ in range(n):
            t = time.perf_counter()
            client.get(PATH).raise_for_status()
            out.append((time.perf_counter() - t) * 1000)
    return sorted(out)


def p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def start_upstream() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "openai_conformance", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "http://" in line:
            url = line[line.index("http://") :].split()[0].rstrip("/.,")
            return proc, url if url.endswith("/v1") else url + "/v1"
    proc.kill()
    raise SystemExit("the reference server did not print its URL within 30 s")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    proc, upstream = start_upstream()
    try:
        direct = latencies(upstream, n)
        with tempfile.TemporaryDirectory() as tmp, ValidatingProxy(upstream, report_dir=tmp) as p:
            proxied = latencies(p.base_url, n)
    finally:
        proc.terminate()
        proc.wait(10)
    d50, p50 = statistics.median(direct), statistics.median(proxied)
    print(f"direct   GET /v1{PATH}: p50 {d50:.3f} ms  p99 {p99(direct):.3f} ms  (n={n})")
    print(f"proxied  GET /v1{PATH}: p50 {p50:.3f} ms  p99 {p99(proxied):.3f} ms  (n={n})")
    verdict = "OK" if p50 - d50 <= 2.0 else "ABOVE the 2 ms aim"
    print(f"added p50 latency: {p50 - d50:.3f} ms ({verdict})")


if __name__ == "__main__":
    main()
