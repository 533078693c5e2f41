"""Run the Node exercise (``exercise.mjs``) of the ``openai`` npm package through the proxy.

``node_available()`` says why not, when ``node``/``npm`` are missing. ``ensure_sdk()`` installs
``openai@NODE_SDK_MAJOR`` once into ``~/.cache/openai-conformance/node`` (``OAIC_CACHE_DIR``
overrides the root) with ``npm install`` (bounded by ``INSTALL_TIMEOUT_S``) and returns the
package directory. ``run_node(report_dir)`` starts the proxy in front of the reference server,
runs ``node exercise.mjs`` with ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` pointing at it (bounded
by ``RUN_TIMEOUT_S``), reads one JSON outcome line per SDK call and returns an ``SdkRun``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from ..errors import HarnessError
from ..proxy.server import ValidatingProxy
from .python_runner import API_KEY, SdkRun
from .report import Outcome, record_outcomes, rows_from

NODE_SDK_MAJOR = "5"
INSTALL_TIMEOUT_S = 300
RUN_TIMEOUT_S = 300
EXERCISE = Path(__file__).with_name("exercise.mjs")


def cache_dir() -> Path:
    root = os.environ.get("OAIC_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "openai-conformance"
    return base / "node"


def node_available() -> str | None:
    """None when node and npm are on PATH; otherwise the reason to skip."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found on PATH" if missing else None


def ensure_sdk() -> Path:
    """The installed ``openai`` npm package directory (installs it on first use)."""
    where = cache_dir()
    package = where / "node_modules" / "openai"
    manifest = package / "package.json"
    if manifest.exists():
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version", "")
        if str(version).split(".")[0] == NODE_SDK_MAJOR:
            return package
    where.mkdir(parents=True, exist_ok=True)
    if not (where / "package.json").exists():
        (where / "package.json").write_text('{"name": "oaic-sdk-check", "private": true}\n')
    cmd = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        proc = subprocess.run(
            [*cmd, f"openai@{NODE_SDK_MAJOR}"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(
            f"npm install openai@{NODE_SDK_MAJOR} took over {exc.timeout} s"
        ) from None
    if proc.returncode != 0 or not manifest.exists():
        raise HarnessError(
            f"npm install openai@{NODE_SDK_MAJOR} failed (exit {proc.returncode}): "
            f"{proc.stderr.strip()[-500:]}"
        )
    return package


def sdk_version(package: Path) -> str:
    return str(json.loads((package / "package.json").read_text(encoding="utf-8"))["version"])


def run_node(report_dir: Path | str | None = None) -> SdkRun:
    package = ensure_sdk()
    proxy = ValidatingProxy(
        "reference",
        report_dir=report_dir,
        suite="sdk",
        name="sdk-node",
        reference_api_key=API_KEY,
    )
    outcomes: list[Outcome] = []
    with proxy:
        env = {**os.environ, "OPENAI_BASE_URL": proxy.base_url, "OPENAI_API_KEY": API_KEY}
        try:
            proc = subprocess.run(
                ["node", str(EXERCISE), str(package)],
                env=env,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired as exc:
            raise HarnessError(f"the node exercise took over {exc.timeout} s") from None
        for line in proc.stdout.splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            outcomes.append(Outcome(data["label"], data.get("error"), data.get("skipped")))
        if not outcomes:
            raise HarnessError(
                f"the node exercise produced no result (exit {proc.returncode}): "
                f"{proc.stderr.strip()[-800:]}"
            )
        proxy.session.settle()
        record_outcomes(proxy.session, outcomes)
    rows = rows_from(proxy.session, outcomes)
    return SdkRun(rows=rows, run_dir=proxy.run_dir, sdk_version=sdk_version(package))
