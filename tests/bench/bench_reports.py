"""Benchmark: rendering every report format for large runs, and report.html's size.

Run by hand::

    python tests/bench/bench_reports.py [RUN_DIR ...]

Prints seconds per format for 1,000 and 5,000 synthetic results, then report.html's size for
each RUN_DIR given (a finished run: its results.json and evidence.jsonl are rendered again
into a temporary file, the run itself is left alone), e.g. the latest full ``oaic run``
(aim: <= 500 KB). Asserts nothing (speed and size goals live in benchmarks, not in
self-tests).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))

from sample import make_run, many_tests

from openai_conformance.reports.html import render_html
from openai_conformance.reports.model import Results
from openai_conformance.reports.writer import write_reports


def size_of_run(run_dir: Path) -> None:
    results = Results.load(run_dir / "results.json")
    evidence = run_dir / "evidence.jsonl"
    failing = sum(1 for t in results.tests if t.outcome in ("FAIL", "ERROR", "XPASS", "XFAIL"))
    started = time.perf_counter()
    html = render_html(results, evidence if evidence.is_file() else None)
    took = time.perf_counter() - started
    size = len(html.encode("utf-8", "backslashreplace"))
    verdict = "OK" if size <= 500_000 else "ABOVE the 500 KB aim"
    ev = evidence.stat().st_size / 1e6 if evidence.is_file() else 0.0
    print(
        f"{run_dir}: {len(results.tests)} tests ({failing} failing), evidence.jsonl {ev:.1f} MB"
        f" -> report.html {size / 1000:.0f} KB in {took:.2f} s ({verdict})"
    )


def main() -> None:
    runs = [Path(a) for a in sys.argv[1:]]
    if runs:
        for run_dir in runs:
            size_of_run(run_dir)
        return
    for count in (1000, 5000):
        tests = many_tests(count)
        started = time.perf_counter()
        html = render_html(Results(run=make_run(), tests=tests))
        html_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            write_reports(Path(tmp), make_run(), tests)
            all_s = time.perf_counter() - started
        print(
            f"{count:>5} tests: report.html {html_s:.2f} s ({len(html) / 1000:.0f} KB),"
            f" all formats {all_s:.2f} s"
        )


if __name__ == "__main__":
    main()
