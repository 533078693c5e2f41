"""Conformance of the reference server itself: every operation, one valid request, validated.

Operations with a hand-written handler (``HANDLERS``: chat, responses, files, batches, ...) are
swept too, but only the engine-served ones must all answer a schema-valid 2xx here; the handler
owners test theirs in their own files. For every operation, any answer must be documented:
status, content type and body (4XX bodies are the error envelope).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sweep import Outcome, Sweep

from openai_conformance.contract import load_spec
from openai_conformance.refserver.context import HANDLERS
from openai_conformance.refserver.server import ReferenceServer


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    spec = load_spec()
    with ReferenceServer() as srv:
        sweep = Sweep(spec, srv.base_url)
        try:
            yield {o.op: o for o in sweep.run(list(spec.operations))}
        finally:
            sweep.close()


def test_sweep_covers_all_271_operations(outcomes: dict[str, Outcome]) -> None:
    assert len(outcomes) == len(load_spec().operations) == 271


def test_every_engine_served_operation_answers_a_schema_valid_2xx(
    outcomes: dict[str, Outcome],
) -> None:
    bad = [o for op, o in outcomes.items() if op not in HANDLERS and not o.ok]
    report = "\n".join(f"{o.op} -> {o.status} {o.problems[:3]} {o.note[:120]}" for o in bad)
    assert not bad, f"{len(bad)} engine operations not conformant:\n{report}"


def test_every_error_answer_is_a_documented_error_envelope(outcomes: dict[str, Outcome]) -> None:
    # Handler-served operations may answer 4XX to a synthesized request (an unknown model id,
    # a file that does not exist), but an error must still be the documented envelope. Their
    # success bodies are their owners' tests (tests/refserver/test_handlers_*.py).
    bad = [o for o in outcomes.values() if o.status >= 400 and o.problems]
    report = "\n".join(f"{o.op} -> {o.status} {o.problems[:3]}" for o in bad)
    assert not bad, f"{len(bad)} error answers off-contract:\n{report}"
