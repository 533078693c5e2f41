"""Moderations: category keys and scores, flagged consistency, multi-input order, images.

Inputs: a benign sentence and one that any moderation model scores high for violence (the
reference server flags texts containing "violence"). No test depends on the exact verdict of a
real model, only on internal consistency and on the relative order of the violence scores.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.media import png_square
from openai_conformance.target.config import RunConfig

OP = "POST /moderations"
BENIGN = "I had a lovely walk in the park with my family this morning."
VIOLENT = "I will commit violence: I am going to beat him until he bleeds."
#: The documented categories every result carries (CreateModerationResponse).
CATEGORIES = (
    "hate", "hate/threatening", "harassment", "harassment/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/intent", "self-harm/instructions", "sexual",
    "sexual/minors", "violence", "violence/graphic",
)  # fmt: skip


def _problem(check: str, title: str, exchange: Any, **kw: Any) -> Failure:
    return Failure.of(check, title, operation=OP, exchange=exchange, **kw)


def _results(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in body.get("results") or [] if isinstance(r, dict)]


def category_problems(result: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(pointer suffix, expected, actual) for the category maps of one result."""
    cats, scores = result.get("categories") or {}, result.get("category_scores") or {}
    out: list[tuple[str, str, Any]] = []
    missing = sorted((set(CATEGORIES) - set(cats)) | (set(CATEGORIES) - set(scores)))
    if missing:
        out.append(("/categories", "every documented category", f"missing {missing}"))
    if set(cats) != set(scores):
        out.append(("/category_scores", "the keys of categories", sorted(set(cats) ^ set(scores))))
    for key, value in cats.items():
        if not isinstance(value, bool):
            out.append((f"/categories/{key}", "a boolean", value))
    for key, value in scores.items():
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not 0.0 <= value <= 1.0:
            out.append((f"/category_scores/{key}", "a number between 0 and 1", value))
    return out


@pytest.mark.requirement("moderations/categories")
def test_every_category_has_a_boolean_and_a_score(
    moderate: Callable[[Any], tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = moderate([BENIGN, VIOLENT])
    lc.fail(
        [
            _problem(
                "categories_conformance", f"results[{i}]: category maps are wrong", exchange,
                pointer=f"/results/{i}{p}", expected=e, actual=a,
            )
            for i, result in enumerate(_results(body))
            for p, e, a in category_problems(result)
        ][:20]
    )  # fmt: skip


@pytest.mark.requirement("moderations/flagged-consistent")
def test_flagged_is_true_exactly_when_a_category_is(
    moderate: Callable[[Any], tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = moderate([BENIGN, VIOLENT])
    failures = []
    for i, result in enumerate(_results(body)):
        hits = sorted(k for k, v in (result.get("categories") or {}).items() if v is True)
        if result.get("flagged") is not bool(hits):
            failures.append(
                _problem(
                    "flagged_consistent_conformance", f"results[{i}].flagged contradicts its "
                    "categories", exchange, pointer=f"/results/{i}/flagged",
                    expected=f"{bool(hits)} (true categories: {hits})",
                    actual=result.get("flagged"),
                )
            )  # fmt: skip
    lc.fail(failures)


@pytest.mark.requirement("moderations/multi-input")
def test_array_input_returns_one_result_per_input_in_order(
    moderate: Callable[[Any], tuple[dict[str, Any], Any]],
) -> None:
    body, exchange = moderate([BENIGN, VIOLENT])
    results = _results(body)
    if len(results) != 2:
        lc.fail(
            _problem(
                "multi_input_conformance",
                f"2 inputs answered with {len(results)} result(s)", exchange,
                pointer="/results", expected="2 results", actual=len(results),
            )
        )  # fmt: skip
    scores = [(r.get("category_scores") or {}).get("violence") for r in results]
    if not all(isinstance(s, int | float) for s in scores) or not scores[0] < scores[1]:
        lc.fail(
            _problem(
                "multi_input_conformance",
                "results are not in input order", exchange, pointer="/results",
                expected="results[1] (the violent input) scores higher for violence than "
                "results[0] (the benign one)", actual=f"violence scores {scores}",
            )
        )  # fmt: skip


@pytest.mark.requirement("moderations/multimodal")
def test_image_input_is_moderated_as_an_image(
    moderate: Callable[[Any], tuple[dict[str, Any], Any]], oaic_config: RunConfig
) -> None:
    if not oaic_config.claims("moderations.multimodal"):
        raise Disabled("the profile does not claim moderations.multimodal")
    image = "data:image/png;base64," + base64.b64encode(png_square(64)).decode()
    body, exchange = moderate(
        [{"type": "text", "text": BENIGN}, {"type": "image_url", "image_url": {"url": image}}]
    )
    results = _results(body)
    applied = (results[0].get("category_applied_input_types") or {}) if results else {}
    with_image = sorted(k for k, v in applied.items() if isinstance(v, list) and "image" in v)
    if len(results) != 1 or not with_image:
        lc.fail(
            _problem(
                "multimodal_conformance", "the image part was not moderated", exchange,
                pointer="/results/0/category_applied_input_types",
                expected="one result; 'image' among the input types of some category",
                actual=f"{len(results)} result(s); categories applied to image: {with_image}",
            )
        )  # fmt: skip
