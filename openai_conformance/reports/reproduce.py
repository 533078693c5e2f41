"""REPRODUCE.md: the exact (redacted) command, versions, the redacted config and the seed."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from openai_conformance.reports.model import Results


def _fence(text: str, lang: str = "") -> str:
    fence = "~~~~" if "```" in text else "```"
    return f"{fence}{lang}\n{text}\n{fence}"


def _command(argv: list[str]) -> str:
    return shlex.join(argv) if argv else "oaic run"


_DROP_WITH_VALUE = frozenset({"-k", "-n", "--resources", "--report-dir"})


def _pytest_options(cmd: list[str]) -> list[str]:
    """The options of an ``oaic run ...`` command that plain pytest understands for one test:
    everything after ``run`` except the selection (-k, --resources), -n and ``--``."""
    args = cmd[cmd.index("run") + 1 :] if "run" in cmd else []
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in _DROP_WITH_VALUE:
            skip = True
            continue
        if (
            a == "--"
            or any(a.startswith(d + "=") for d in _DROP_WITH_VALUE)
            or (a.startswith("-n") and a[2:].isdigit())
        ):
            continue
        out.append(a)
    return out


def render_reproduce(results: Results, max_tests: int = 10) -> str:
    run = results.run
    cmd = list(run.command)
    if run.seed is not None:  # --seed random → the seed it drew
        cmd = [str(run.seed) if a == "random" and cmd[i - 1] == "--seed" else a
               for i, a in enumerate(cmd)]  # fmt: skip
        cmd = [f"--seed={run.seed}" if a == "--seed=random" else a for a in cmd]
    if (
        run.seed is not None
        and "--seed" not in cmd
        and not any(a.startswith("--seed=") for a in cmd)
    ):
        cmd = [*cmd, "--seed", str(run.seed)] if cmd else ["oaic", "run", "--seed", str(run.seed)]
    lines = [
        f"# Reproduce run {run.id}",
        "",
        f"Run started {run.started_at}, finished {run.finished_at} ({run.duration_s:.1f} s), "
        f"{run.workers} worker(s).",
        "",
        "## Command (secrets redacted)",
        "",
        _fence(_command(cmd), "sh"),
        "",
        "Secrets are never written: provide the API key through `OAIC_API_KEY` "
        "(or `OPENAI_API_KEY`).",
    ]
    if run.seed is not None:
        lines += ["", f"Seed: `{run.seed}` (the same seed regenerates the same examples)."]
    lines += [
        "",
        "## Target",
        "",
        f"- base URL: `{run.target.base_url}`"
        + (" (embedded reference server)" if run.target.embedded else ""),
        f"- profile: `{run.target.profile or 'none'}`",
        f"- auth style: `{run.target.auth_style}`",
        f"- certification mode: {'yes' if run.certify else 'no'}",
        "",
        "## Versions",
        "",
        "| Component | Version |",
        "|---|---|",
        f"| openai-conformance | {run.suite_version} |",
        f"| Python | {run.python} |",
        f"| Platform | {run.platform} |",
        f"| Spec | {run.spec.version} from `{run.spec.origin}` |",
        f"| Spec sha256 | `{run.spec.sha256}` |",
    ]
    lines += [f"| {name} | {ver} |" for name, ver in sorted(run.versions.items())]
    if run.spec.overlays:
        names = ", ".join(f"`{o.name}`" for o in run.spec.overlays)
        lines += ["", f"Overlays applied to the spec: {names}."]
    lines += [
        "",
        "## Configuration (redacted)",
        "",
        _fence(json.dumps(run.config, indent=2, sort_keys=True, default=str), "json"),
    ]
    failing = [t for t in results.tests if t.outcome in ("FAIL", "XPASS", "ERROR")]
    if failing:
        lines += ["", "## Re-run one failing test", ""]
        options = _pytest_options(cmd)
        lines += ["The plugin takes the options of `oaic run`; plain pytest selects one test:", ""]
        for t in failing[:max_tests]:
            lines.append(f"- {t.outcome} `{t.id}`")
            lines.append("")
            lines.append(_fence(shlex.join(["python", "-m", "pytest", t.id, *options]), "sh"))
            curl = next((f.curl for f in t.failures if f.curl), None)
            if curl:
                lines += ["", "  single request:", "", _fence(curl, "sh")]
            lines.append("")
        if len(failing) > max_tests:
            lines.append(f"… and {len(failing) - max_tests} more failing tests (see report.html).")
    lines.append("")
    return "\n".join(lines)


def write_reproduce(path: Path, results: Results) -> Path:
    path.write_text(render_reproduce(results), encoding="utf-8", errors="replace")
    return path
