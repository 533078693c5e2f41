"""Run the Python SDK exercise through the validating proxy against the reference server.

``run_python(report_dir=None, exercises=EXERCISES) -> SdkRun`` starts ``ValidatingProxy``
(upstream: an embedded ``ReferenceServer`` with an API key), gives each exercise its own
``openai.OpenAI`` client labelled with ``x-oaic-exercise`` (``max_retries=0``, 30 s timeout,
so nothing hides behind a retry), runs the exercises in order, waits until the proxy has judged
every request, files SDK exceptions, and stops the proxy (which writes the reports, suite
"sdk", one TestResult per method, when ``report_dir`` is given).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..proxy.server import ValidatingProxy
from ..proxy.session import LABEL_HEADER
from .python_exercise import EXERCISES, Exercise, Skipped
from .report import MethodRow, Outcome, record_outcomes, rows_from

API_KEY = "sk-oaic-sdk-check-0000"
CALL_TIMEOUT_S = 30.0


@dataclass
class SdkRun:
    rows: list[MethodRow]
    run_dir: Path | None
    sdk_version: str

    @property
    def client_violations(self) -> int:
        return sum(r.client_findings for r in self.rows)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def _one(client: Any, ex: Exercise, state: dict[str, Any]) -> Outcome:
    labelled = client.with_options(
        default_headers={LABEL_HEADER: ex.label}, max_retries=0, timeout=CALL_TIMEOUT_S
    )
    try:
        with warnings.catch_warnings():
            # The SDK's own deprecation notices (e.g. of its websockets usage) say nothing
            # about the contract; under `-W error` they would turn a call into an exception.
            warnings.simplefilter("ignore", DeprecationWarning)
            ex.run(labelled, state)
    except Skipped as exc:
        return Outcome(ex.label, skipped=str(exc))
    except Exception as exc:  # the SDK raising is the finding: report it, go on
        text = " ".join(str(exc).split())[:300]
        return Outcome(ex.label, error=f"{type(exc).__name__}: {text}")
    return Outcome(ex.label)


def run_python(
    report_dir: Path | str | None = None,
    exercises: Sequence[Exercise] = EXERCISES,
    *,
    reference_faults: Sequence[str] = (),
) -> SdkRun:
    import openai

    proxy = ValidatingProxy(
        "reference",
        report_dir=report_dir,
        suite="sdk",
        name="sdk-python",
        reference_api_key=API_KEY,
        reference_faults=reference_faults,
    )
    outcomes: list[Outcome] = []
    with proxy:
        client = openai.OpenAI(
            base_url=proxy.base_url,
            api_key=API_KEY,
            websocket_base_url=proxy.base_url.replace("http://", "ws://", 1),
        )
        state: dict[str, Any] = {}
        try:
            for ex in exercises:
                outcomes.append(_one(client, ex, state))
        finally:
            client.close()
            proxy.session.settle()
            record_outcomes(proxy.session, outcomes)
    rows = rows_from(proxy.session, outcomes)
    return SdkRun(rows=rows, run_dir=proxy.run_dir, sdk_version=openai.__version__)
