"""Failures grouped by root cause: one cause, N tests, its first evidence.

A cause is what the failing tests have in common: the first failure's check, operation and
title with the details that vary per test (array indexes, numbers, quoted values, ids)
normalised away; a test without structured failures (ERROR, XPASS) is grouped by outcome and
normalised message. ``group(tests)`` returns the causes, largest first; summary.md and
report.html list them instead of one line per test, so a schema defect of one shared body or
an unreachable feature reads as one finding.

Server errors are grouped once more, per resource: a target that answers 5xx on every
operation of a resource it cannot serve (no upstream configured) fails one test per operation,
each with its own operation in the cause. Causes of one resource whose first failure is a 5xx
with the same outcome, check, title, status line and body shape (the error message with ids,
numbers, quoted values and addresses normalised away) are one cause listing its operations.
A different status, content type or message text stays a distinct cause.
"""

from __future__ import annotations

import json
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
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
_SERVER_ERROR = re.compile(r"^HTTP 5\d\d\b")
#: The body shape compares this many leading characters of the normalised message (excerpts
#: are cut at different lengths; the leading text names the error).
_SHAPE_CHARS = 160


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
    #: set on a server-error cause grouped per resource (``operation`` is then None)
    resource: str | None = None

    @property
    def first(self) -> TestResult:
        return self.tests[0]

    @property
    def operations(self) -> list[str]:
        """The distinct operations of its tests, in first-seen order."""
        seen: dict[str, None] = {}
        for t in self.tests:
            op = (t.failures[0].operation if t.failures else None) or t.operation
            if op:
                seen.setdefault(op, None)
        return list(seen)


def cause_of(t: TestResult) -> tuple[str, str, str, str | None]:
    """``(key, title, check, operation)`` of a failing test."""
    if t.failures:
        f = t.failures[0]
        operation = f.operation or t.operation
        title = f.title
        return f"{t.outcome}|{f.check}|{operation}|{_normal(title)}", title, f.check, operation
    first = (t.message or t.outcome).splitlines()[0] if (t.message or "").strip() else t.outcome
    return f"{t.outcome}||{t.operation}|{_normal(first)}", first, "", t.operation


def body_shape(excerpt: str | None) -> str:
    """The normalised error text of a response body: a JSON error envelope's type, code and
    message, else the body's text; ids, numbers, quoted values and addresses replaced."""
    text = (excerpt or "").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            text = " ".join(str(err.get(k) or "") for k in ("type", "code", "message"))
        elif isinstance(err, str):
            text = err
    text = " ".join(_ADDRESS.sub("0x…", text).split())
    return _normal(text)[:_SHAPE_CHARS]


def server_error_key(t: TestResult) -> str | None:
    """The per-resource key of a test whose first failure is a 5xx response, else None."""
    if not t.failures:
        return None
    f = t.failures[0]
    status = (f.status_line or "").strip()
    if not _SERVER_ERROR.match(status):
        return None
    status = " ".join(status.split())
    shape = body_shape(f.body_excerpt)
    return f"{t.outcome}|{f.check}|{t.resource}|{_normal(f.title)}|{status}|{shape}"


def group(tests: list[TestResult]) -> list[Cause]:
    """The causes of every FAIL/XPASS/ERROR, most tests first (then FAIL before ERROR); 5xx
    causes of one resource sharing status and body shape are one cause (module docstring)."""
    causes: dict[str, Cause] = {}
    for t in tests:
        if t.outcome not in FAILING:
            continue
        key, title, check, operation = cause_of(t)
        resource = None
        server_key = server_error_key(t)
        if server_key is not None:
            key, operation, resource = "5xx|" + server_key, None, t.resource
        if key not in causes:
            causes[key] = Cause(key, t.outcome, title, check, operation, resource=resource)
        causes[key].tests.append(t)
    order = {o: i for i, o in enumerate(FAILING)}
    return sorted(causes.values(), key=lambda c: (-len(c.tests), order[c.outcome], c.key))
