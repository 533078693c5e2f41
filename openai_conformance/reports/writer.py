"""Write every report format of a run from a ``Results`` (results.json first, then the rest).

results.json is written first so that a failure in a later renderer never loses the data;
``oaic report RUN_DIR`` re-renders everything from it.
"""

from __future__ import annotations

import os
from pathlib import Path

from openai_conformance.reports.badge import write_badge
from openai_conformance.reports.html import write_html
from openai_conformance.reports.junit import write_junit
from openai_conformance.reports.markdown import write_summary
from openai_conformance.reports.model import Results, RunInfo, TestResult
from openai_conformance.reports.reproduce import write_reproduce

FILES = {
    "results": "results.json",
    "junit": "junit.xml",
    "summary": "summary.md",
    "html": "report.html",
    "badge": "badge.svg",
    "reproduce": "REPRODUCE.md",
}


def render_all(run_dir: Path, results: Results, *, write_results: bool = True) -> dict[str, Path]:
    """Write all formats into ``run_dir``; return ``{format_name: path}``.

    ``write_results=False`` keeps an existing results.json untouched (re-rendering).
    """
    paths: dict[str, Path] = {}
    target = run_dir / FILES["results"]
    paths["results"] = results.dump(target) if write_results else target
    paths["junit"] = write_junit(run_dir / FILES["junit"], results)
    paths["summary"] = write_summary(run_dir / FILES["summary"], results)
    paths["html"] = write_html(run_dir / FILES["html"], results, run_dir / "evidence.jsonl")
    paths["badge"] = write_badge(run_dir / FILES["badge"], results.summary["score"]["overall"])
    paths["reproduce"] = write_reproduce(run_dir / FILES["reproduce"], results)
    return paths


def write_reports(run_dir: Path, run: RunInfo, tests: list[TestResult]) -> dict[str, Path]:
    """Write every report format into ``run_dir`` (created if needed); return
    ``{format_name: path}``.

    Reads ``run_dir/evidence.jsonl`` (if present) to embed evidence in report.html.
    Formats: results (results.json), junit, summary (summary.md), html (report.html),
    badge (badge.svg), reproduce (REPRODUCE.md).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return render_all(run_dir, Results(run=run, tests=list(tests)))


def rerender(run_dir: Path) -> tuple[Results, dict[str, Path]]:
    """Re-render every format of an existing run directory from its results.json."""
    results = Results.load(run_dir / FILES["results"])
    return results, render_all(run_dir, results, write_results=False)


def point_latest(run_dir: Path) -> Path:
    """``<report root>/latest`` → ``runs/<name>`` (a symlink, or a text file naming it), for a
    run directory ``<report root>/runs/<name>``; replaced atomically when symlinks work."""
    root = run_dir.parent.parent
    latest = root / "latest"
    target = Path("runs") / run_dir.name
    tmp = root / f".latest-{os.getpid()}"
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target, target_is_directory=True)
        if latest.is_dir() and not latest.is_symlink():
            raise OSError("latest is a real directory")
        os.replace(tmp, latest)
    except OSError:
        tmp.unlink(missing_ok=True)
        if not (latest.is_dir() and not latest.is_symlink()):
            latest.unlink(missing_ok=True)
            latest.write_text(str(target) + "\n", encoding="utf-8")
    return latest
