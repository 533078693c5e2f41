"""Unit level: timestamps, the response model and error codes (what a schema cannot say)."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from checks_support import CHAT_BODY, ERROR_BODY, FakeExchange

from openai_conformance.checks import (
    error_code_conformance,
    response_model_conformance,
    timestamps_conformance,
)
from openai_conformance.checks.plausibility import same_model, timestamp_problems

CHAT = "POST /chat/completions"
NOW = 1_760_000_000.0


def _asked(model: str, body: object) -> FakeExchange:
    exchange = FakeExchange(200, body)
    exchange.request = SimpleNamespace(  # type: ignore[attr-defined]
        method="POST", url="http://x/v1/chat/completions", body=json.dumps({"model": model})
    )
    return exchange


@pytest.mark.parametrize(
    ("requested", "answered"),
    [
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        ("gpt-4", "gpt-4-0613"),
        ("omni-moderation-latest", "omni-moderation-2024-09-26"),
        ("openai/gpt-4o", "gpt-4o"),
        # forms recorded from the live API (tests/data/traffic)
        ("text-embedding-ada-002", "text-embedding-ada-002-v2"),
        ("text-moderation-latest", "text-moderation-006"),
        ("omni-moderation-latest", "omni-moderation-latest-intents"),
        ("gpt-4-vision-preview", "gpt-4-1106-vision-preview"),
        ("davinci-002", "davinci:2023-07-21-v2"),
    ],
)
def test_requested_model_or_its_dated_snapshot_is_accepted(requested, answered):
    assert same_model(requested, answered)


@pytest.mark.parametrize(
    ("requested", "answered"),
    [("gpt-4o-mini", "gpt-4o"), ("gpt-4o", "gpt-4o-mini"), ("gpt-4o", "llama-3-8b"),
     ("gpt-4o-mini", "gpt-4o-mini-turbo"), ("gpt-4o", "gpt-4-0613"),
     ("babbage-002", "davinci:2023-07-21-v2"),
     ("gpt-4o", "gpt-4o-mini-2024-07-18"), ("text-embedding-3-small", "text-embedding-ada-002-v2")],
)  # fmt: skip
def test_another_model_is_rejected(requested, answered):
    assert not same_model(requested, answered)


def test_response_model_check_fails_an_unrelated_model(ctx):
    body = {**CHAT_BODY, "model": "some-other-model"}
    [failure] = response_model_conformance(_asked("ref-chat", body), CHAT, ctx)
    assert failure.requirement == "core/response-model"
    assert failure.pointer == "/model"
    assert response_model_conformance(_asked(CHAT_BODY["model"], CHAT_BODY), CHAT, ctx) == []


def test_milliseconds_zero_and_future_times_are_implausible():
    body = {"created": int(NOW * 1000), "data": [{"created_at": 0}, {"completed_at": NOW + 3600}]}
    problems = {p[0]: p[1] for p in timestamp_problems(body, NOW)}
    assert problems == {
        "/created": "created is in milliseconds",
        "/data/0/created_at": "created_at is not a plausible Unix time",
        "/data/1/completed_at": "completed_at lies 3600 s in the future",
    }


def test_deadlines_may_lie_in_the_future_and_skew_is_tolerated():
    body = {"created_at": NOW - 10, "expires_at": NOW + 86_400, "in_progress_at": NOW + 60}
    assert timestamp_problems(body, NOW) == []


def test_lifecycle_times_must_be_in_order():
    body = {"created_at": NOW, "in_progress_at": NOW - 5, "completed_at": NOW - 10}
    found = {(p[0], p[1]) for p in timestamp_problems(body, NOW)}
    assert ("/in_progress_at", "in_progress_at precedes created_at") in found
    assert ("/completed_at", "completed_at precedes in_progress_at") in found


def test_timestamps_check_judges_the_body_against_the_real_clock(ctx):
    good = {**CHAT_BODY, "created": int(time.time())}
    assert timestamps_conformance(FakeExchange(200, good), CHAT, ctx) == []
    bad = {**CHAT_BODY, "created": int(time.time() * 1000)}
    [failure] = timestamps_conformance(FakeExchange(200, bad), CHAT, ctx)
    assert failure.requirement == "core/timestamps" and failure.pointer == "/created"


def test_time_the_request_sent_is_an_echo_not_the_servers_clock(ctx):
    now = int(time.time())
    body = {**CHAT_BODY, "created": now, "tools": [{"type": "x", "created": 0}]}
    exchange = FakeExchange(200, body)
    exchange.request = SimpleNamespace(  # type: ignore[attr-defined]
        method="POST",
        url="http://x/v1/chat/completions",
        body=json.dumps({"tools": [{"created": 0}]}),
    )
    assert timestamps_conformance(exchange, CHAT, ctx) == []
    [failure] = timestamps_conformance(FakeExchange(200, body), CHAT, ctx)  # nothing sent: judged
    assert failure.pointer == "/tools/0/created"


@pytest.mark.parametrize("code", [404, "404", "HTTP 404"])
def test_error_code_that_is_the_status_is_a_should_finding(ctx, code):
    body = {"error": {**ERROR_BODY["error"], "code": code}}
    [failure] = error_code_conformance(FakeExchange(404, body), CHAT, ctx)
    assert (failure.requirement, failure.level) == ("core/error-code", "SHOULD")


@pytest.mark.parametrize("code", [None, "model_not_found", "invalid_api_key"])
def test_named_or_null_error_codes_pass(ctx, code):
    body = {"error": {**ERROR_BODY["error"], "code": code}}
    assert error_code_conformance(FakeExchange(404, body), CHAT, ctx) == []


def test_realtime_session_expires_at_zero_is_unset_only_in_a_client_secret(ctx):
    secret = "POST /realtime/client_secrets"
    now = int(time.time())
    body = {
        "value": "ek_x",
        "expires_at": now + 600,
        "session": {"type": "realtime", "expires_at": 0},
    }
    assert timestamps_conformance(FakeExchange(200, body), secret, ctx) == []
    zero_deadline = {**body, "expires_at": 0}
    [failure] = timestamps_conformance(FakeExchange(200, zero_deadline), secret, ctx)
    assert failure.pointer == "/expires_at"
    elsewhere = {**CHAT_BODY, "created": now, "session": {"expires_at": 0}}
    [failure] = timestamps_conformance(FakeExchange(200, elsewhere), CHAT, ctx)
    assert failure.pointer == "/session/expires_at"
