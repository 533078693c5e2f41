"""Benchmark: rendering every report format for large runs.

Run by hand: ``python tests/bench/bench_reports.py``. Prints seconds per format for 1,000 and
5,000 synthetic results; asserts nothing (speed goals live in benchmarks, not in self-tests).
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


def main() -> None:
    for count in (1000, 5000):
        tests = many_tests(count)
        started = time.perf_counter()
        render_html(Results(run=make_run(), tests=tests))
        html_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            write_reports(Path(tmp), make_run(), tests)
            all_s = time.perf_counter() - started
        print(f"{count:>5} tests: report.html {html_s:.2f} s, all formats {all_s:.2f} s")


if __name__ == "__main__":
    main()
