"""Benchmark: the generated suite vs the plain ``schemathesis run`` CLI on the same operations.

Both run against a fresh embedded reference server on 2 workers with the same example count
(quick profile: 5 positive + 5 negative per operation). Prints both wall times and the ratio.

    /tmp/probe/bin/python tests/bench/bench_generated.py [-k EXPR]

The plain CLI gets our normalised, overlaid document (written to a temp file) with the quick
profile's array cap applied (``generated.cases.cap_arrays``), so the two runs generate from the
same document; it uses schemathesis's own transport and checks. ``--uncapped`` gives it the
document without the cap (ours still caps: the comparison then favours ours).

Ours runs as ``oaic run`` runs it: with ``PYTHONDONTWRITEBYTECODE`` set, with the bytecode cache
``oaic run`` keeps under its report dir (here ``reports/.pycache``, see commands/bytecode.py);
the plain CLI reads the site-packages that pip precompiled.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from openai_conformance.commands.bytecode import cache_bytecode  # noqa: E402
from openai_conformance.contract import load_spec  # noqa: E402
from openai_conformance.generated.cases import cap_arrays  # noqa: E402
from openai_conformance.generated.settings import profile  # noqa: E402
from openai_conformance.refserver.server import ReferenceServer  # noqa: E402

KEY = "sk-oaic-bench-0123456789"


def run_ours(k: str | None, report_dir: str) -> float:
    cmd = [
        sys.executable, "-m", "pytest", "suites/generated", "-q", "-p", "no:cacheprovider",
        "-n", "2", "--dist", "loadgroup", "--hypothesis-profile", "quick", "--seed", "1",
        "--report-dir", report_dir,
    ]  # fmt: skip
    if k:
        cmd += ["-k", k]
    restore = cache_bytecode(ROOT / "reports" / ".pycache")  # as oaic run does
    try:
        start = time.monotonic()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=1800, check=False)
        return time.monotonic() - start
    finally:
        restore()


def run_plain(document: Path, base_url: str, k: str | None) -> float:
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [
        str(exe), "run", str(document), "--url", base_url, "--max-examples", "5",
        "--workers", "2", "--mode", "all", "--phases", "fuzzing", "--no-shrink",
        "-H", f"Authorization: Bearer {KEY}", "--seed", "1",
    ]  # fmt: skip
    if k:
        cmd += ["--include-path-regex", k]
    start = time.monotonic()
    env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
    # cwd: the CLI writes its .schemathesis/ cache into the working directory, never the repo's.
    cwd = document.parent
    subprocess.run(cmd, capture_output=True, timeout=1800, check=False, env=env, cwd=cwd)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", help="pytest -k expression (and path regex for the CLI)")
    parser.add_argument("--uncapped", action="store_true", help="plain CLI without the array cap")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_ours(args.k, tmp)
        document = Path(tmp) / "openapi.json"
        doc = copy.deepcopy(load_spec().document)
        cap = profile("quick").max_array_items
        if cap is not None and not args.uncapped:
            cap_arrays(doc, cap)
        document.write_text(json.dumps(doc, default=str))
        with ReferenceServer(api_key=KEY) as server:
            plain = run_plain(document, server.base_url, args.k)
    print(f"generated suite (ours, -n 2, quick): {ours:7.1f} s")
    print(f"schemathesis run (plain CLI, 2 workers, 5 examples): {plain:7.1f} s")
    print(f"ratio ours/plain: {ours / plain:.2f}")


if __name__ == "__main__":
    main()
