"""The reference server answers as the live API does (unset optional fields as null) and, with
--strict-spec, to the letter of the document; both answers validate in their own mode."""

from __future__ import annotations

import pytest

from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.refserver.handlers import responses_stream
from openai_conformance.refserver.handlers._respgen import build_response
from openai_conformance.refserver.state import ServerState

BODY = {"model": "ref-chat", "input": "Say hi."}
UNSET = ("user", "prompt_cache_key", "safety_identifier")


@pytest.mark.parametrize("strict", [False, True])
def test_unset_optional_response_fields_follow_the_mode(strict: bool) -> None:
    spec = load_spec(strict=strict)
    state = ServerState.create(spec=spec)
    assert state.observed is not strict
    response, _ = build_response(state, dict(BODY))
    if strict:
        assert not set(UNSET) & set(response)
    else:
        assert all(response[k] is None for k in UNSET)
    errors = SchemaValidator(spec).validate(response, "Response")
    assert errors == [], errors[:3]
    start = responses_stream.events(response, observed=state.observed)[0]["response"]
    assert (start["usage"] is None) is not strict


def test_a_value_sent_by_the_client_is_echoed_in_both_modes() -> None:
    state = ServerState.create(spec=load_spec(strict=False))
    response, _ = build_response(state, {**BODY, "user": "u-1", "prompt_cache_key": "k"})
    assert (response["user"], response["prompt_cache_key"]) == ("u-1", "k")
