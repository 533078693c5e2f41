"""Soak benchmark: the generated suite against the embedded reference server, once per seed.

Run: ``.venv/bin/python tests/bench/bench_seeds.py [--seeds 20] [--first 1] [-n 2]`` (not a
timed test; one run takes minutes). Each seed is one ``pytest suites/generated`` run with the
``quick`` hypothesis profile; the table gives, per seed, the FAIL and ERROR counts and the
wall time, then every test that was not PASS with its message, grouped by test id, so a
seed-dependent false FAIL/ERROR is named with the seeds that produce it. Done-when of issue
14: 0 FAIL and 0 ERROR over 20 seeds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_seed(seed: int, workers: str, profile: str, report_dir: Path) -> dict[str, object]:
    cmd = [
        sys.executable, "-m", "pytest", "suites/generated", "-q", "-p", "no:cacheprovider",
        "--hypothesis-profile", profile, "--report-dir", str(report_dir), "--seed", str(seed),
    ]  # fmt: skip
    if workers != "0":
        cmd += ["-n", workers, "--dist", "loadgroup"]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - started
    found = sorted(report_dir.glob("runs/*/results.json"))
    if not found:
        return {"seed": seed, "wall_s": wall, "tests": [], "error": proc.stdout[-2000:]}
    tests = json.loads(found[-1].read_text())["tests"]
    return {"seed": seed, "wall_s": wall, "tests": tests, "exit": proc.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="how many seeds")
    parser.add_argument("--first", type=int, default=1, help="the first seed")
    parser.add_argument("-n", dest="workers", default="2", help="xdist workers (0: none)")
    parser.add_argument("--profile", default="quick", help="hypothesis profile")
    args = parser.parse_args()
    bad: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first, args.first + args.seeds):
            out = run_seed(seed, args.workers, args.profile, Path(tmp) / str(seed))
            tests = out["tests"]
            assert isinstance(tests, list)
            counts = {o: sum(1 for t in tests if t["outcome"] == o) for o in ("FAIL", "ERROR")}
            rows.append((seed, len(tests), counts["FAIL"], counts["ERROR"], out["wall_s"]))
            for t in tests:
                if t["outcome"] in ("FAIL", "ERROR"):
                    bad[t["id"]].append((seed, t["outcome"], (t.get("message") or "")[:160]))
            if not tests:
                print(f"seed {seed}: no results.json\n{out.get('error')}", flush=True)
            print(f"  seed {seed}: {counts} in {out['wall_s']:.0f}s", flush=True)
    print("\n| seed | tests | FAIL | ERROR | wall time |")
    print("|---:|---:|---:|---:|---:|")
    for seed, total, fails, errors, wall in rows:
        print(f"| {seed} | {total} | {fails} | {errors} | {wall:.0f} s |")
    total_fail = sum(r[2] for r in rows)
    total_error = sum(r[3] for r in rows)
    print(f"\n{len(rows)} seeds: {total_fail} FAIL, {total_error} ERROR")
    for test_id, hits in sorted(bad.items()):
        seeds = ", ".join(str(h[0]) for h in hits)
        print(f"- {test_id} ({hits[0][1]}; seeds {seeds}): {hits[0][2]}")


if __name__ == "__main__":
    main()
