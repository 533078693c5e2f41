"""Benchmark hostile targets: wall time, verdict and peak RSS of a run per misbehaviour.

Run: ``.venv/bin/python tests/bench/bench_hostile.py [--mb 300] [--modes a,b]`` (not a timed
test). Each mode is one ``pytest -p openai_conformance.plugin`` run of one suite test, in a
child process of its own so that its peak RSS (``ru_maxrss``) is the run's alone; the hostile
server (tests/hostile/hostile_server.py) runs in this process with ``huge_bytes`` = ``--mb``.
Prints a Markdown table: case, wall time, verdict, peak RSS. Done-when of issue 14: peak RSS
under 400 MB for a 300 MB body or stream, a header drip ends within total + 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

from hostile_server import HostileServer  # noqa: E402

CORE = "suites/core/test_core_responses.py::test_chat_completion_body_matches_its_schema"
STREAM = "suites/core/test_core_streaming.py::test_chat_stream_events_match_the_chunk_schema"
WS = "suites/realtime/test_realtime_session.py::test_session_created_is_the_first_server_event"
CASES = {
    "hang": CORE,
    "header-drip": CORE,
    "body-drip": CORE,
    "sse-drip": STREAM,
    "garbage": CORE,
    "html": CORE,
    "huge-body": CORE,
    "huge-stream": STREAM,
    "mid-close": STREAM,
    "cl-long": CORE,
    "cl-short": CORE,
    "retry-after": CORE,
    "raw": CORE,
    "redirect": STREAM,
    "ws-close": WS,
    "ws-silent": WS,
    "ws-bad-accept": WS,
    "ws-redirect": WS,
}
TIMEOUTS = {
    "OAIC_TIMEOUT_CONNECT": "5",
    "OAIC_TIMEOUT_READ": "5",
    "OAIC_TIMEOUT_TOTAL": "10",
    "OAIC_TIMEOUT_STREAM_TOTAL": "30",  # long enough to swallow the whole huge stream
    "OAIC_TIMEOUT_STREAM_IDLE": "5",
}
CHILD = """
import json, resource, sys, pytest
ret = pytest.main(sys.argv[1:])
print("OAIC_BENCH " + json.dumps({"ret": int(ret),
      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_case(server: HostileServer, mode: str, test: str, workdir: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OAIC_", "OPENAI_"))}
    env.update(TIMEOUTS, OAIC_API_KEY="sk-oaic-bench-canary-0123456789", OAIC_RETRIES="1")
    env["OAIC_FEATURES"] = "chat,realtime,realtime.websocket"
    report_dir = workdir / mode
    argv = [
        sys.executable, "-c", CHILD, "-p", "openai_conformance.plugin", "-p", "no:cacheprovider",
        "-q", str(ROOT / test), "--target", server.base_url(mode), "--report-dir", str(report_dir),
    ]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, cwd=workdir)
    wall = time.monotonic() - started
    line = next((x for x in proc.stdout.splitlines() if x.startswith("OAIC_BENCH ")), None)
    stats = json.loads(line.split(" ", 1)[1]) if line else {"ret": proc.returncode, "rss_mb": 0}
    verdict = "?"
    results = report_dir / "latest" / "results.json"
    if results.exists():
        tests = json.loads(results.read_text())["tests"]
        verdict = ",".join(sorted({t["outcome"] for t in tests})) or "none"
    evidence = report_dir / "latest" / "evidence.jsonl"
    ev_mb = evidence.stat().st_size / 2**20 if evidence.exists() else 0.0
    return {"case": mode, "wall_s": wall, "verdict": verdict, "rss_mb": stats["rss_mb"],
            "evidence_mb": ev_mb, "exit": stats["ret"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="size of the huge body/stream (MB)")
    parser.add_argument("--drip", type=float, default=1.0, help="seconds between dripped bytes")
    parser.add_argument("--modes", default=",".join(CASES), help="comma-separated modes")
    args = parser.parse_args()
    rows = []
    with (
        HostileServer(drip_s=args.drip, huge_bytes=args.mb * 2**20) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for mode in args.modes.split(","):
            rows.append(run_case(server, mode, CASES[mode], Path(tmp)))
            r = rows[-1]
            print(f"  {mode}: {r['wall_s']:.1f}s {r['verdict']} {r['rss_mb']:.0f} MB", flush=True)
    print(f"\nhuge body/stream: {args.mb} MB; timeouts {TIMEOUTS}\n")
    print("| case | wall time | verdict | peak RSS | evidence.jsonl | exit |")
    print("|---|---:|---|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['case']} | {r['wall_s']:.1f} s | {r['verdict']} | {r['rss_mb']:.0f} MB "
            f"| {r['evidence_mb']:.1f} MB | {r['exit']} |"
        )


if __name__ == "__main__":
    main()
