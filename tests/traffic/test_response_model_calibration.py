"""The response-model rule is calibrated on the live API: every model name the corpus's real
answers give for a requested model is accepted by ``same_model`` (its docstring lists the forms
and where each was recorded). A rule that rejected one of them would FAIL OpenAI itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openai_conformance.checks.plausibility import same_model
from openai_conformance.traffic.formats import Recorded, read_file

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "traffic"
NOT_TRAFFIC = {"SOURCES.yaml", "SUMMARY.md", "README.md"}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _model_pairs() -> list[tuple[str, str, str]]:
    pairs = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_TRAFFIC):
        for item in read_file(path):
            # check-traffic does not judge an exchange whose URI was redacted upstream (langchain's
            # cassettes): its request may have been edited since (gpt-5-nano asked, o4-mini
            # answered).
            if (
                not isinstance(item, Recorded)
                or not 200 <= item.status < 300
                or "REDACTED" in item.url
            ):
                continue
            asked, answer = _json(item.request_body), _json(item.response_body)
            if not (isinstance(asked, dict) and isinstance(answer, dict)):
                continue
            if isinstance(asked.get("model"), str) and isinstance(answer.get("model"), str):
                pairs.append((asked["model"], answer["model"], item.where))
    return pairs


def test_every_model_the_live_api_answered_is_the_requested_one() -> None:
    pairs = _model_pairs()
    assert len(pairs) > 300  # the corpus's JSON answers that name a model
    renamed = {(asked, got) for asked, got, _ in pairs if asked != got}
    assert ("text-embedding-ada-002", "text-embedding-ada-002-v2") in renamed  # forms are exercised
    rejected = [(asked, got, where) for asked, got, where in pairs if not same_model(asked, got)]
    assert rejected == []
