"""Bench mode (``OAIC_BENCH=1``): where a conformance run's time goes, printed at its end.

Registered by ``hooks.pytest_configure`` in the controller (or single process) of a
conformance run when the environment variable ``OAIC_BENCH`` is set to anything but ``0`` or
empty (``OAIC_BENCH=20`` shows the 20 slowest items; default 15). Prints, after pytest's own
summary:

- the run's phases by wall clock: start-up (plugin configure to the first test report:
  reference server, collection, xdist workers), tests (first to last test report), session
  teardown (last test report to the end of the test loop: session fixtures such as the
  cleanup of created objects, xdist workers exiting), reports (evidence merge, every report
  format, the embedded server stopping), and the whole run;
- CPU seconds (user + system) of this process and of the processes it started and reaped
  (xdist workers): unlike wall clock, a figure a loaded machine hardly moves;
- per xdist worker: items and busy seconds (setup + call + teardown), so a worker that one
  long item or group keeps busy while the other idles shows (load balance);
- per suite: items, summed setup / call / teardown seconds and the slowest item;
- the slowest items (setup + call + teardown), with the worker that ran each.

Timing only: it never changes an outcome, and it costs one clock read per report.
"""

from __future__ import annotations

import os
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from . import items as meta

ENV = "OAIC_BENCH"
DEFAULT_SLOWEST = 15


def bench_enabled() -> bool:
    return os.environ.get(ENV, "").strip() not in ("", "0")


def _slowest_count() -> int:
    value = os.environ.get(ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 1 else DEFAULT_SLOWEST


@dataclass
class _Item:
    nodeid: str
    worker: str = ""
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.phases.values())


class BenchHooks:
    """Collects per-item phase durations and the run's phase boundaries (controller side)."""

    def __init__(self, steps: dict[str, float] | None = None) -> None:
        self.steps = steps if steps is not None else {}  # end-of-run steps, timed by hooks.py
        self.started = time.monotonic()
        self.first_report: float | None = None
        self.last_report: float | None = None
        self.loop_ended: float | None = None
        self.finish_started: float | None = None
        self.finish_ended: float | None = None
        self.items: dict[str, _Item] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        now = time.monotonic()
        if self.first_report is None:
            self.first_report = now - float(report.duration or 0.0)
        self.last_report = now
        item = self.items.get(report.nodeid)
        if item is None:
            item = self.items[report.nodeid] = _Item(report.nodeid)
        node = getattr(report, "node", None)  # xdist: the worker that ran it
        gateway = getattr(node, "gateway", None)
        item.worker = str(getattr(gateway, "id", "") or item.worker)
        item.phases[report.when or "call"] = float(report.duration or 0.0)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        try:
            return (yield)
        finally:
            self.loop_ended = time.monotonic()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.finish_started = time.monotonic()  # the plugin's report writing runs after this

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        self.finish_ended = time.monotonic()
        for line in self.lines():
            terminalreporter.write_line(line)

    def lines(self) -> list[str]:
        """The bench table as text lines (also used by the self-test)."""
        end = self.finish_ended or time.monotonic()
        first = self.first_report or end
        last = self.last_report or first
        loop_end = self.loop_ended or last
        finish = self.finish_started or loop_end
        out = ["", "=" * 30 + " oaic bench " + "=" * 30, "phase                      wall s"]
        for name, seconds in (
            ("start-up (server, collect)", first - self.started),
            ("tests", last - first),
            ("session teardown", loop_end - last),
            ("reports", end - finish),
            ("whole run", end - self.started),
        ):
            out.append(f"{name:<26} {seconds:7.1f}")
            if name == "reports":
                out += [f"  {step:<24} {secs:7.1f}" for step, secs in self.steps.items()]
        out += _cpu_lines()
        workers: dict[str, list[_Item]] = defaultdict(list)
        for item in self.items.values():
            if item.worker:
                workers[item.worker].append(item)
        if workers:
            out += ["", "worker  items  busy s"]
            for name, members in sorted(workers.items()):
                out.append(f"{name:<6} {len(members):6d} {sum(i.total for i in members):7.1f}")
        suites: dict[str, list[_Item]] = defaultdict(list)
        for item in self.items.values():
            suites[meta.suite_of(item.nodeid)].append(item)
        out += ["", "suite            items  setup s  call s  teardown s  slowest item"]
        for suite, members in sorted(suites.items(), key=lambda kv: -sum(i.total for i in kv[1])):
            sums = [
                sum(i.phases.get(p, 0.0) for i in members) for p in ("setup", "call", "teardown")
            ]
            top = max(members, key=lambda i: i.total)
            out.append(
                f"{suite:<16} {len(members):5d} {sums[0]:8.1f} {sums[1]:7.1f} {sums[2]:11.1f}"
                f"  {top.total:.1f}s {top.nodeid.split('::', 1)[-1]}"
            )
        slowest = sorted(self.items.values(), key=lambda i: -i.total)[: _slowest_count()]
        out += ["", f"slowest {len(slowest)} items (setup + call + teardown)"]
        for item in slowest:
            where = f" [{item.worker}]" if item.worker else ""
            out.append(f"{item.total:7.2f}s{where} {item.nodeid}")
        return out


def _cpu_lines() -> list[str]:
    """CPU seconds (user + system) of this process and of its reaped children (workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [
        f"{'cpu: this process':<26} {own.ru_utime + own.ru_stime:7.1f}",
        f"{'cpu: workers (reaped)':<26} {children.ru_utime + children.ru_stime:7.1f}",
    ]
