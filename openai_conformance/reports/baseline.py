"""The regression gate: compare two runs, and write a run's failures into a profile.

Two jobs, both on ``reports.model.Results`` (results.json):

* ``compare(base, new) -> Comparison`` classifies every test id of both runs:

  - **regression**: passed in the base (PASS or XPASS) or was a known failure (XFAIL) and is
    now FAIL or ERROR. This is the only thing that fails the gate (``oaic diff`` and
    ``oaic run --baseline`` exit 1).
  - **new failure**: FAIL/ERROR now and not FAIL/ERROR in the base. Every regression is a new
    failure; so are added tests that fail and tests that did not run before (DISABLED,
    UNSUPPORTED) and fail now. Shown first in summary.md; they do not fail the gate unless
    they are regressions, because nothing that worked broke.
  - **fixed**: FAIL/ERROR/XFAIL in the base, PASS/XPASS now.
  - **changed**: any other outcome change of a test present in both runs (e.g. PASS ->
    XFAIL because an expectation was added, PASS -> DISABLED because a feature was dropped).
  - **added** / **removed**: test ids present in only one run.

* ``save_baseline(results, profile_path)`` writes the run's current failures (FAIL, ERROR)
  into the profile as ``[expect."<test id>"]`` entries inside one marked section, so the next
  run turns them into XFAIL and a fix becomes a strict XPASS. Everything outside the section
  is preserved byte for byte; entries the user edited inside the section keep their reason and
  link on the next save. See ``BEGIN_MARK`` for the section and ``render_section`` for the shape.

Inputs are a run directory, a results.json file, or a ``latest`` pointer (symlink or the text
file ``runs/<name>`` written where symlinks are unavailable): ``load_results(path)``.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..target.profiles import toml_string
from .model import Results, TestResult

#: Outcomes that are failures for the gate (XPASS is a passing behaviour with a stale entry).
BAD: frozenset[str] = frozenset({"FAIL", "ERROR"})
GOOD: frozenset[str] = frozenset({"PASS", "XPASS"})
#: What a test may have been in the base for FAIL/ERROR now to count as a regression.
REGRESSION_FROM: frozenset[str] = frozenset({"PASS", "XPASS", "XFAIL"})
#: Outcomes ``baseline save`` writes into the profile (profile outcome names are lower case).
SAVED_OUTCOMES: dict[str, str] = {"FAIL": "fail", "ERROR": "error"}

BEGIN_MARK = "# >>> oaic baseline: managed by `oaic baseline save`"
END_MARK = "# <<< oaic baseline"
SECTION_HELP = (
    "# Known failures recorded from a run. Each entry turns that test's failure into XFAIL;\n"
    "# a test that passes again is XPASS and fails the run until its entry is removed.\n"
    "# Edit reason and link freely (they are kept on the next save); fill in `link` with the\n"
    "# issue that tracks the failure. Entries outside this section are never touched."
)
REASON_MAX = 200


# --------------------------------------------------------------------------- loading


def results_path(path: Path | str) -> Path:
    """The results.json a run directory / results file / ``latest`` pointer designates."""
    p = Path(path)
    if p.is_dir():
        return p / "results.json"
    if p.is_file() and p.suffix != ".json" and p.stat().st_size < 4096:
        # ``latest`` written as a text file naming runs/<name> (no symlink support).
        target = p.parent / p.read_text(encoding="utf-8").strip()
        if target.is_dir():
            return target / "results.json"
    return p


def load_results(path: Path | str) -> Results:
    """Load a run; ``UsageError`` naming the file when it is missing or not a results file."""
    p = results_path(path)
    if not p.is_file():
        raise UsageError(
            f"{path}: no results.json found",
            hint="pass a run directory (reports/latest, reports/runs/<run>) or a results.json",
        )
    try:
        return Results.load(p)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{p}: not a readable results.json ({exc})") from None


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Change:
    """One test whose outcome differs between the runs (``before``/``after`` None: absent)."""

    id: str
    name: str
    before: str | None
    after: str | None
    title: str = ""  # what failed now (first failure title or message), for display

    def arrow(self) -> str:
        return f"{self.before or '(absent)'} -> {self.after or '(absent)'}"


@dataclass
class Comparison:
    """The classification of two runs (see module doc); every list is sorted by test id."""

    base_id: str
    new_id: str
    regressions: list[Change] = field(default_factory=list)
    new_failures: list[Change] = field(default_factory=list)
    fixed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def regressed(self) -> bool:
        return bool(self.regressions)

    @property
    def exit_code(self) -> int:
        """1 when anything regressed, else 0 (the gate)."""
        return 1 if self.regressions else 0

    @property
    def new_failure_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.new_failures)

    def to_dict(self) -> dict[str, Any]:
        def rows(changes: list[Change]) -> list[dict[str, Any]]:
            return [vars(c).copy() for c in changes]

        return {
            "base": self.base_id,
            "new": self.new_id,
            "regressed": self.regressed,
            "exit_code": self.exit_code,
            "regressions": rows(self.regressions),
            "new_failures": rows(self.new_failures),
            "fixed": rows(self.fixed),
            "changed": rows(self.changed),
            "added": rows(self.added),
            "removed": rows(self.removed),
            "unchanged": self.unchanged,
        }


def failure_title(test: TestResult) -> str:
    """One line saying what went wrong: the first failure's title, else the message."""
    text = test.failures[0].title if test.failures else test.message
    return " ".join(str(text or "").split())


def compare(base: Results, new: Results) -> Comparison:
    """Classify every test of both runs; see module doc for the categories."""
    before = {t.id: t for t in base.tests}
    after = {t.id: t for t in new.tests}
    out = Comparison(base_id=base.run.id, new_id=new.run.id)
    for test_id in sorted(set(before) | set(after)):
        b, a = before.get(test_id), after.get(test_id)
        ob, oa = (b.outcome if b else None), (a.outcome if a else None)
        shown = a or b
        assert shown is not None
        change = Change(test_id, shown.name, ob, oa, failure_title(a) if a else "")
        if oa in BAD and ob not in BAD:
            out.new_failures.append(change)
        if b is None:
            out.added.append(change)
        elif a is None:
            out.removed.append(change)
        elif ob == oa:
            out.unchanged += 1
        elif oa in BAD and ob in REGRESSION_FROM:
            out.regressions.append(change)
        elif ob in BAD | {"XFAIL"} and oa in GOOD:
            out.fixed.append(change)
        else:
            out.changed.append(change)
    return out


def render_comparison(cmp: Comparison, limit: int = 200) -> str:
    """Plain-text report of a comparison (``oaic diff``, ``oaic run --baseline``)."""
    lines = [f"baseline {cmp.base_id} -> run {cmp.new_id}"]

    def section(title: str, changes: list[Change], with_title: bool = True) -> None:
        if not changes:
            return
        lines.append("")
        lines.append(f"{title} ({len(changes)}):")
        cap = limit if with_title else min(limit, 30)  # failures in full, the rest capped
        for c in changes[:cap]:
            extra = f"  · {c.title[:160]}" if with_title and c.title else ""
            lines.append(f"  {c.arrow():<22} {c.id}{extra}")
        if len(changes) > cap:
            lines.append(f"  … and {len(changes) - cap} more (--json lists everything)")

    section("REGRESSIONS: passed before, fail now", cmp.regressions)
    others = [c for c in cmp.new_failures if c not in cmp.regressions]
    section("New failures (not regressions: did not pass before)", others)
    section("Fixed", cmp.fixed, with_title=False)
    section("Outcome changes", cmp.changed, with_title=False)
    section("Tests added", cmp.added, with_title=False)
    section("Tests removed", cmp.removed, with_title=False)
    lines.append("")
    verdict = (
        f"gate: FAILED, {len(cmp.regressions)} regression(s)"
        if cmp.regressed
        else "gate: passed, no regression"
    )
    lines.append(
        f"{verdict} · {len(cmp.new_failures)} new failure(s), {len(cmp.fixed)} fixed, "
        f"{len(cmp.changed)} changed, {len(cmp.added)} added, {len(cmp.removed)} removed, "
        f"{cmp.unchanged} unchanged"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- saving


@dataclass(frozen=True)
class Entry:
    """One ``[expect."<test id>"]`` entry of the managed section."""

    test_id: str
    outcome: str  # profile spelling: fail | error | unsupported
    reason: str
    link: str = ""

    def render(self) -> str:
        return (
            f"[expect.{toml_string(self.test_id)}]\n"
            f"outcome = {toml_string(self.outcome)}\n"
            f"reason = {toml_string(self.reason)}\n"
            f"link = {toml_string(self.link)}\n"
        )


def render_section(entries: Iterable[Entry]) -> str:
    """The managed section: markers, help comment and the entries sorted by test id."""
    body = "\n".join(e.render() for e in sorted(entries, key=lambda e: e.test_id))
    return f"{BEGIN_MARK}\n{SECTION_HELP}\n\n{body}{'' if not body else chr(10)}{END_MARK}\n"


def split_section(text: str) -> tuple[str, str | None, str]:
    """``(before, section or None, after)``; the section spans BEGIN_MARK..END_MARK lines."""
    start = text.find(BEGIN_MARK)
    if start < 0 or (start > 0 and text[start - 1] != "\n"):
        return text, None, ""
    end = text.find(END_MARK, start)
    if end < 0:
        raise UsageError(
            f"the profile has the line '{BEGIN_MARK}' but not its end line '{END_MARK}'",
            hint="restore the end marker or delete the whole section, then save again",
        )
    stop = text.find("\n", end)
    stop = len(text) if stop < 0 else stop + 1
    return text[:start], text[start:stop], text[stop:]


@dataclass
class SaveReport:
    """What ``save_baseline`` did."""

    path: Path
    written: list[Entry] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # section entries whose reason/link were kept
    dropped: list[str] = field(default_factory=list)  # section entries no longer failing
    skipped: list[str] = field(default_factory=list)  # failing, but a hand entry exists


def baseline_entries(results: Results, existing: dict[str, dict[str, Any]]) -> list[Entry]:
    """Entries for the failing tests of ``results``; ``existing`` (section entries of the
    profile) keeps its reason/link when the outcome is the same. Currently XFAIL tests keep
    their section entry (they still fail as expected)."""
    date = (results.run.started_at or "")[:10]
    out: list[Entry] = []
    for t in results.tests:
        old = existing.get(t.id)
        if t.outcome == "XFAIL" and old is not None:
            out.append(Entry(t.id, old["outcome"], old["reason"], old.get("link", "")))
            continue
        outcome = SAVED_OUTCOMES.get(t.outcome)
        if outcome is None:
            continue
        if old is not None and old.get("outcome") == outcome:
            out.append(Entry(t.id, outcome, old["reason"], old.get("link", "")))
            continue
        title = failure_title(t) or t.outcome.lower()
        reason = f"baseline {results.run.id} {date}: {title}"
        if len(reason) > REASON_MAX:
            reason = reason[: REASON_MAX - 1] + "…"
        out.append(Entry(t.id, outcome, reason))
    return out


def save_baseline(results: Results, profile_path: Path) -> SaveReport:
    """Write the failures of ``results`` into the profile's managed section (see module doc).

    The new text is parsed and validated against the profile schema before it replaces the
    file (atomically), so a save never leaves a broken profile behind.
    """
    from ..target.profiles import validate_profile

    try:
        text = profile_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{profile_path}: cannot read the profile: {exc}") from None
    before, section, after = split_section(text)
    try:
        outside = tomllib.loads(before + after)
        managed = tomllib.loads(section or "")
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{profile_path}: not valid TOML: {exc}") from None
    hand = set((outside.get("expect") or {}).keys())
    existing = dict(managed.get("expect") or {})
    report = SaveReport(profile_path)
    for entry in baseline_entries(results, existing):
        if entry.test_id in hand:
            report.skipped.append(entry.test_id)  # the hand-written entry stays authoritative
            continue
        report.written.append(entry)
        if entry.test_id in existing:
            report.kept.append(entry.test_id)
    written = {e.test_id for e in report.written}
    report.dropped = sorted(set(existing) - written)
    new_section = render_section(report.written)
    if section is None:
        if before and not before.endswith("\n"):
            before += "\n"
        new_text = before + ("\n" if before.strip() else "") + new_section
    else:
        new_text = before + new_section + after
    try:
        data = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:  # our writer's bug: never write it
        raise UsageError(f"{profile_path}: the updated profile would not parse: {exc}") from None
    validate_profile(data, profile_path)
    tmp = profile_path.with_name(f".{profile_path.name}.{os.getpid()}.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, profile_path)
    return report


def comparison_json(cmp: Comparison) -> str:
    return json.dumps(cmp.to_dict(), indent=1, ensure_ascii=False)
