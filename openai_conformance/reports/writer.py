"""Write every report format of a run from a ``Results`` (results.json first, then the rest).

results.json is written first so that a failure in a later renderer never loses the data;
``oaic report RUN_DIR`` re-renders everything from it.
"""

from __future__ import annotations

from pathlib import Path

from openai_conformance.reports.badge import write_badge
from openai_conformance.reports.html import write_html
from openai_conformance.reports.junit import write_junit
from openai_conformance.reports.markdown import write_summary
from openai_conformance.reports.model import Results
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


def rerender(run_dir: Path) -> tuple[Results, dict[str, Path]]:
    """Re-render every format of an existing run directory from its results.json."""
    results = Results.load(run_dir / FILES["results"])
    return results, render_all(run_dir, results, write_results=False)
