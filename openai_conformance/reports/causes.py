"""Failures grouped by root cause: one cause, N tests, its first evidence.

A cause is what the failing tests have in common: the first failure's check, operation and
title with the details that vary per test (array indexes, numbers, quoted values, ids)
normalised away; a test without structured failures (ERROR, XPASS) is grouped by outcome and
normalised message. ``group(tests)`` returns the causes, largest first; summary.md and
report.html list them instead of one line per test, so a schema defect of one shared body or
an unreachable feature reads as one finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import TestResult

FAILING = ("FAIL", "XPASS", "ERROR")
_INDEX = re.compile(r"/\d+(?=/|$)")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# Counts, sizes and times vary per test; 1-3 digit integers (HTTP statuses, small counts) are
# kept: "expected 400, got 500" and "expected 400, got 200" are different causes.
_NUMBER = re.compile(r"\b\d{4,}(\.\d+)?\b|\b\d+\.\d+\b")
_ID = re.compile(r"\b[a-z]+[-_][A-Za-z0-9]{12,}\b")


def _normal(text: str) -> str:
    text = _INDEX.sub("/*", text)
    text = _ID.sub("<id>", text)
    text = _QUOTED.sub("'…'", text)
    return _NUMBER.sub("N", text).strip()


@dataclass
class Cause:
    key: str
    outcome: str
    title: str  # the first test's own title (real values), shown with the count
    check: str
    operation: str | None
    tests: list[TestResult] = field(default_factory=list)

    @property
    def first(self) -> TestResult:
        return self.tests[0]


def cause_of(t: TestResult) -> tuple[str, str, str, str | None]:
    """``(key, title, check, operation)`` of a failing test."""
    if t.failures:
        f = t.failures[0]
        operation = f.operation or t.operation
        title = f.title
        return f"{t.outcome}|{f.check}|{operation}|{_normal(title)}", title, f.check, operation
    first = (t.message or t.outcome).splitlines()[0] if (t.message or "").strip() else t.outcome
    return f"{t.outcome}||{t.operation}|{_normal(first)}", first, "", t.operation


def group(tests: list[TestResult]) -> list[Cause]:
    """The causes of every FAIL/XPASS/ERROR, most tests first (then FAIL before ERROR)."""
    causes: dict[str, Cause] = {}
    for t in tests:
        if t.outcome not in FAILING:
            continue
        key, title, check, operation = cause_of(t)
        if key not in causes:
            causes[key] = Cause(key, t.outcome, title, check, operation)
        causes[key].tests.append(t)
    order = {o: i for i, o in enumerate(FAILING)}
    return sorted(causes.values(), key=lambda c: (-len(c.tests), order[c.outcome], c.key))
