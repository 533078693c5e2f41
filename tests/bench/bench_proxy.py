"""Benchmark of the validating proxy's added latency over loopback (run by hand; not a test).

    python tests/bench/bench_proxy.py [N]

``GET /v1/models/gpt-4o-mini`` N times (default 1,000, after 50 warm-up requests each way)
directly against a reference server and through a ``ValidatingProxy`` in front of it (request
validation, forwarding, response checks and evidence recording included: judging runs after
the answer is sent, on the judge thread). The upstream runs in its own process (``oaic
serve``) so it does not share the proxy's GIL. One keep-alive httpx client per path; the two
paths alternate request by request (direct, proxied, direct, ...) so a loaded, noisy machine
slows both alike, and the added latency is the median of the pair-by-pair differences.

Prints p50/p99 per path, the added p50 (aim: <= 2 ms), the CPU time the proxy costs per
request (this process's CPU proxied minus direct, judging included and settled; a figure that
moves far less with the machine's load than wall-clock latency) and the load average.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

from openai_conformance.proxy.server import ValidatingProxy

PATH = "/models/gpt-4o-mini"
WARMUP = 50


def timed(client: httpx.Client) -> tuple[float, float]:
    """(wall ms, process CPU ms) of one request."""
    cpu, t = time.process_time(), time.perf_counter()
    client.get(PATH).raise_for_status()
    return (time.perf_counter() - t) * 1000, (time.process_time() - cpu) * 1000


def paired(direct_url: str, proxy: ValidatingProxy, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"direct": [], "proxied": [], "diff": [], "cpu": []}
    with (
        httpx.Client(base_url=direct_url, timeout=10.0) as direct,
        httpx.Client(base_url=proxy.base_url, timeout=10.0) as proxied,
    ):
        for _ in range(WARMUP):
            direct.get(PATH).raise_for_status()
            proxied.get(PATH).raise_for_status()
        proxy.session.settle(60)
        cpu_direct = cpu_proxied = 0.0
        for _ in range(n):
            d, dc = timed(direct)
            p, pc = timed(proxied)
            out["direct"].append(d)
            out["proxied"].append(p)
            out["diff"].append(p - d)
            cpu_direct += dc
            cpu_proxied += pc
        cpu = time.process_time()
        proxy.session.settle(60)  # judging still queued counts as the proxy's cost
        cpu_proxied += (time.process_time() - cpu) * 1000
        out["cpu"] = [(cpu_proxied - cpu_direct) / n]
    return out


def p99(values: list[float]) -> float:
    values = sorted(values)
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
        with tempfile.TemporaryDirectory() as tmp, ValidatingProxy(upstream, report_dir=tmp) as p:
            got = paired(upstream, p, n)
    finally:
        proc.terminate()
        proc.wait(10)
    direct, proxied = got["direct"], got["proxied"]
    d50, p50 = statistics.median(direct), statistics.median(proxied)
    added = statistics.median(got["diff"])
    print(f"direct   GET /v1{PATH}: p50 {d50:.3f} ms  p99 {p99(direct):.3f} ms  (n={n})")
    print(f"proxied  GET /v1{PATH}: p50 {p50:.3f} ms  p99 {p99(proxied):.3f} ms  (n={n})")
    verdict = "OK" if added <= 2.0 else "ABOVE the 2 ms aim"
    print(f"added latency, median of paired differences: {added:.3f} ms ({verdict})")
    print(f"proxy CPU per request (judging included): {got['cpu'][0]:.3f} ms")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
