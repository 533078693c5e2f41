"""Plain-text helpers shared by every report format (failure text, anchors, numbers)."""

from __future__ import annotations

import hashlib
import re

from openai_conformance.reports.model import FailureDetail, TestResult

# Characters XML 1.0 forbids (C0 controls except TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Replace characters that cannot appear in XML 1.0 with a visible ``\\xNN`` escape."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# C0/C1 control characters (except TAB/LF/CR) and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    r"""Make control characters and lone surrogates visible as ``\xNN`` / ``\uXXXX``."""

    def esc(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(esc, text)


def anchor(test_id: str) -> str:
    """Stable HTML anchor of a test in report.html (``t-`` + 12 hex of sha1 of the node id)."""
    return "t-" + hashlib.sha1(test_id.encode("utf-8", "backslashreplace")).hexdigest()[:12]


def fmt_score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}%"


def fmt_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s"


def failure_header(f: FailureDetail) -> str:
    """One line: ``check · operation · requirement (LEVEL)`` (the parts that are present)."""
    parts = [p for p in (f.check, f.operation) if p]
    if f.requirement:
        parts.append(f"{f.requirement} ({f.level or 'MUST'})")
    return " · ".join(parts)


def format_failure(f: FailureDetail) -> str:
    """The multi-line failure text (as pytest shows it): title, location, expected vs received,
    response and reproduction. When the producer already formatted ``message`` on several
    lines it is used as the body; missing structured parts are appended."""
    lines = [f.title]
    header = failure_header(f)
    if header:
        lines.append(f"  {header}")
    if f.message and f.message.strip() != f.title.strip():
        lines.extend("  " + ln if ln.strip() else ln for ln in f.message.splitlines())
    body = "\n".join(lines)
    if f.pointer and f"at {f.pointer}" not in body:
        lines.append(f"  at {f.pointer}")
    if (f.expected is not None or f.actual is not None) and "expected:" not in body:
        lines.append(f"  expected: {f.expected}   received: {f.actual}")
    if f.status_line and "response:" not in body:
        excerpt = f"  {f.body_excerpt}" if f.body_excerpt else ""
        lines.append(f"  response: {f.status_line}{excerpt}")
    if f.curl and "reproduce:" not in body:
        lines.append(f"  reproduce: {f.curl}")
    return "\n".join(lines)


def test_title(t: TestResult) -> str:
    """Short title for a test: its first failure title, else its one-line message."""
    if t.failures:
        return t.failures[0].title
    return t.message or t.outcome


test_title.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
