"""A structured conformance failure and the message pytest and the reports show for it.

``Failure`` holds everything a provider's engineer needs to act on one broken expectation: the
check that found it, the requirement (id + MUST/SHOULD/MAY), the operation, the JSON pointer of
the bad value, expected vs received, the response status line, a truncated, redacted body
excerpt and a redacted curl that reproduces the request. ``Failure.format()`` renders::

    FAIL response_schema_conformance · POST /chat/completions · core/response-schema (MUST)
      at /choices/0/finish_reason: 'done' is not one of ['stop', 'length', ...]
      expected: one of stop|length|...   received: 'done'
      response: HTTP 200 OK  application/json  {"id":"chatcmpl-…", …}
      reproduce: curl -sS https://… -H 'Authorization: Bearer $OPENAI_API_KEY' ...

Secrets never appear: bodies and curl lines pass through ``redact`` (the harness's redaction
with every configured secret, plus patterns for API-key-looking tokens) before they are stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .exchange import view
from .text import BODY_EXCERPT_BYTES, excerpt, redact, register_secrets, show

__all__ = [
    "BODY_EXCERPT_BYTES",
    "Failure",
    "excerpt",
    "redact",
    "register_secrets",
    "show",
]


def catalogue_level(requirement: str | None) -> str:
    """The level (MUST/SHOULD/MAY) the requirement catalogue gives ``requirement``; MUST for
    none or an unknown id."""
    if requirement is None:
        return "MUST"
    from ..contract.requirements import catalogue

    found = catalogue().get(requirement)
    return found.level if found is not None else "MUST"


@dataclass(frozen=True)
class Failure:
    """One broken expectation. ``level`` is MUST, SHOULD or MAY (of ``requirement``).

    Nobody states a level: it comes from the requirement catalogue (``__post_init__`` looks it
    up). A failure built without a requirement belongs to the running test; the plugin stamps
    the test's requirement id and its catalogue level onto it (``plugin.verdict.stamp``).
    ``requirement`` is given only by the generic checks (``checks.http``, ``checks.streams``),
    which verify requirements of their own (``core/response-schema``...).
    """

    title: str
    check: str
    requirement: str | None = None
    level: str = ""
    operation: str | None = None
    pointer: str | None = None
    expected: str | None = None
    actual: str | None = None
    message: str = ""
    status_line: str | None = None
    body_excerpt: str | None = None
    curl: str | None = None
    evidence_seq: tuple[int, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.level:  # frozen: the one place the level is set after construction
            object.__setattr__(self, "level", catalogue_level(self.requirement))

    @classmethod
    def of(
        cls,
        check: str,
        title: str,
        *,
        requirement: str | None = None,
        operation: str | None = None,
        pointer: str | None = None,
        expected: Any = None,
        actual: Any = None,
        message: str = "",
        exchange: Any = None,
    ) -> Failure:
        """A failure from plain values: ``expected`` as text, ``actual`` shown compactly, and
        the evidence of ``exchange`` (status line, body excerpt, curl) when one is given."""
        shown = actual if actual is None or isinstance(actual, str) else show(actual)
        failure = cls(
            title=title,
            check=check,
            requirement=requirement,
            operation=operation,
            pointer=pointer,
            expected=None if expected is None else str(expected),
            actual=shown,
            message=message or title,
        )
        return failure if exchange is None else failure.with_exchange(exchange)

    def with_exchange(self, exchange: Any) -> Failure:
        """This failure with the response status line, body excerpt, curl and evidence seq."""
        v = view(exchange)
        return replace(
            self,
            status_line=self.status_line or v.status_line(),
            body_excerpt=self.body_excerpt if self.body_excerpt is not None else v.excerpt(),
            curl=self.curl or v.curl(),
            evidence_seq=self.evidence_seq or v.seq,
            operation=self.operation or v.operation_id,
        )

    def format(self) -> str:
        """The multi-line message pytest prints and the reports embed (see module doc)."""
        head = [f"FAIL {self.check}"]
        if self.operation:
            head.append(self.operation)
        if self.requirement:
            head.append(f"{self.requirement} ({self.level})")
        elif self.level != "MUST":
            head.append(f"({self.level})")
        lines = [" · ".join(head)]
        where = f"at {self.pointer or '/'}: " if self.pointer is not None else ""
        lines.append(f"  {where}{redact(self.message or self.title)}")
        if self.expected is not None or self.actual is not None:
            exp = redact(self.expected) if self.expected is not None else "—"
            act = redact(self.actual) if self.actual is not None else "—"
            lines.append(f"  expected: {exp}   received: {act}")
        if self.status_line:
            body = (self.body_excerpt or "").replace("\n", " ")
            if len(body) > 300:
                body = body[:299] + "…"
            lines.append(f"  response: {self.status_line}  {body}".rstrip())
        if self.curl:
            lines.append(f"  reproduce: {redact(self.curl)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The ``FailureDetail`` shape of results.json (evidence_seq as a list)."""
        data = {k: redact(v) if isinstance(v, str) else v for k, v in asdict(self).items()}
        data["evidence_seq"] = list(self.evidence_seq)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["evidence_seq"] = tuple(known.get("evidence_seq") or ())
        return cls(**known)
