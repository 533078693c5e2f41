"""Grading of eval run data items by an eval's testing criteria (the reference server's rules).

``grade(criteria, item, sample)`` returns one ``Grade`` per data item: each grader's result
(``{name, type, score, passed, sample}``, the ``EvalRunOutputItemResult`` shape) and whether
the item passed, failed or errored.

* ``string_check`` is evaluated exactly as documented: ``input`` and ``reference`` are
  templates (``{{item.x}}``, ``{{sample.output_text}}``), compared with ``eq``/``ne``/``like``
  (substring) or ``ilike`` (case-insensitive substring).
* ``text_similarity`` compares the rendered texts with a character ratio (difflib) against
  ``pass_threshold`` (default 1.0): a deterministic stand-in for the documented metrics.
* Model and python graders have no model here: they pass with score 1.0.

A template naming a field the item (or sample) lacks errors the item, as a grader that cannot
render its input does; an errored item counts in ``errored``, never in ``passed``/``failed``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


class TemplateError(ValueError):
    """A template names a field the data item does not have."""


def render(template: Any, scope: Mapping[str, Any]) -> str:
    """``template`` with every ``{{a.b}}`` replaced by the value at that path of ``scope``."""

    def value(match: re.Match[str]) -> str:
        node: Any = scope
        for part in match.group(1).split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise TemplateError(f"no value for {{{{{match.group(1)}}}}}")
            node = node[part]
        return node if isinstance(node, str) else str(node)

    return TEMPLATE.sub(value, str(template or ""))


@dataclass
class Grade:
    """How one data item fared: ``outcome`` is ``passed``, ``failed`` or ``errored``."""

    outcome: str
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def _string_check(grader: Mapping[str, Any], scope: Mapping[str, Any]) -> bool:
    given = render(grader.get("input"), scope)
    reference = render(grader.get("reference"), scope)
    operation = grader.get("operation")
    if operation == "ne":
        return given != reference
    if operation == "like":
        return reference in given
    if operation == "ilike":
        return reference.lower() in given.lower()
    return given == reference


def _similarity(grader: Mapping[str, Any], scope: Mapping[str, Any]) -> float:
    given = render(grader.get("input"), scope)
    reference = render(grader.get("reference"), scope)
    return difflib.SequenceMatcher(None, given, reference).ratio()


def grade(
    criteria: Sequence[Mapping[str, Any]], item: Mapping[str, Any], sample: Mapping[str, Any]
) -> Grade:
    """Grade one data item by every testing criterion (see module doc)."""
    scope = {"item": item, "sample": sample}
    results: list[dict[str, Any]] = []
    try:
        for grader in criteria:
            kind = str(grader.get("type") or "")
            if kind == "string_check":
                passed = _string_check(grader, scope)
                score = 1.0 if passed else 0.0
            elif kind == "text_similarity":
                score = round(_similarity(grader, scope), 4)
                threshold = grader.get("pass_threshold")
                passed = score >= (threshold if isinstance(threshold, int | float) else 1.0)
            else:
                score, passed = 1.0, True
            name = str(grader.get("name") or kind)
            results.append(
                {"name": name, "type": kind, "score": score, "passed": passed, "sample": None}
            )
    except TemplateError as exc:
        return Grade("errored", results, str(exc))
    return Grade("passed" if all(r["passed"] for r in results) else "failed", results)
