"""Write every report format of a run from a ``Results`` (results.json first, then the rest)."""

from __future__ import annotations

from pathlib import Path

from openai_conformance.reports.model import Results


def render_all(run_dir: Path, results: Results) -> dict[str, Path]:
    """Write all formats into ``run_dir``; return ``{format_name: path}``."""
    paths = {"results": results.dump(run_dir / "results.json")}
    return paths
