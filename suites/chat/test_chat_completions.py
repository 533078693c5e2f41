"""Chat Completions, non-streamed: roles, history, newer fields, content parts, n, stop,
token limits, logprobs, usage, errors and stored completions (field notes #6, #8, #11, #13-16,
#21)."""

from __future__ import annotations

from typing import Any

import pytest
from chat_steps import complete, expect, fail_if, require_claim, stream

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.scenario.lifecycles import register_undo
from openai_conformance.scenario.streams import usage_problems
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

# A pixel PNG as a data URL: an image part every vision model accepts.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8"
    "AAAAASUVORK5CYII="
)


def _assistant_text(exchange: Any, body: dict[str, Any]) -> str:
    message = body["choices"][0]["message"]
    ok = message.get("role") == "assistant" and isinstance(message.get("content"), str)
    expect(
        ok and bool(message["content"].strip()),
        exchange,
        "the first choice is not an assistant message with text",
        check="assistant_text_conformance",
        pointer="/choices/0/message",
        expected="role assistant with non-empty content",
        actual=message,
    )
    return str(message["content"])


@pytest.mark.requirement("chat/basic-completion")
def test_plain_text_completion_returns_an_assistant_message(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, body = complete(client, chat_body)
    _assistant_text(exchange, body)


@pytest.mark.requirement("chat/developer-role")
def test_system_and_developer_roles_are_accepted(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    for role in ("system", "developer"):
        messages = [{"role": role, "content": "Answer briefly."}, *chat_body["messages"]]
        exchange, body = complete(client, {**chat_body, "messages": messages})
        _assistant_text(exchange, body)


@pytest.mark.requirement("chat/multi-turn")
def test_multi_turn_history_is_answered(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    messages = [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Name another one."},
    ]
    exchange, body = complete(client, {**chat_body, "messages": messages})
    _assistant_text(exchange, body)


@pytest.mark.requirement("chat/newer-fields-accepted")
def test_newer_request_fields_are_accepted(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    # Every field here is in CreateChatCompletionRequest; strict servers reject them (#8).
    messages = [
        {"role": "user", "content": "Name a colour.", "name": "tester"},
        {"role": "assistant", "content": "Blue.", "refusal": None},
        {"role": "user", "content": "Name another one.", "name": "tester"},
    ]
    body = {
        **chat_body,
        "messages": messages,
        "max_completion_tokens": 64,
        "store": False,
        "metadata": oaic_config.tag(),
        "stream_options": {"include_usage": True},
    }
    exchange, assembled = stream(client, body)
    expect(
        bool(assembled.chunks),
        exchange,
        "the stream carried no chunk",
        check="accepted_conformance",
        expected="chat.completion.chunk events",
        actual=len(assembled.events),
    )


@pytest.mark.requirement("chat/content-parts")
def test_text_content_parts_are_accepted(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    parts = [
        {"type": "text", "text": "Describe a quiet harbour"},
        {"type": "text", "text": "in two sentences."},
    ]
    body = {**chat_body, "messages": [{"role": "user", "content": parts}]}
    exchange, got = complete(client, body)
    _assistant_text(exchange, got)


@pytest.mark.requirement("chat/image-input")
def test_image_url_content_part_is_accepted(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.image-input")
    parts = [
        {"type": "text", "text": "What colour is this image?"},
        {"type": "image_url", "image_url": {"url": PIXEL, "detail": "low"}},
    ]
    body = {**chat_body, "messages": [{"role": "user", "content": parts}]}
    exchange, got = complete(client, body)
    _assistant_text(exchange, got)


@pytest.mark.requirement("chat/n-choices")
def test_n_returns_n_choices_with_distinct_indexes(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.n")
    exchange, body = complete(client, {**chat_body, "n": 3})
    indexes = sorted(c.get("index") for c in body["choices"])
    expect(
        indexes == [0, 1, 2],
        exchange,
        "n=3 did not return choices 0, 1, 2",
        check="n_choices_conformance",
        pointer="/choices",
        expected=[0, 1, 2],
        actual=indexes,
    )


@pytest.mark.requirement("chat/stop")
def test_stop_sequence_never_appears_in_the_output(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, plain = complete(client, chat_body)
    words = str(plain["choices"][0]["message"].get("content") or "").split()
    if len(words) < 4:
        pytest.skip("the answer is too short to place a stop sequence inside it")
    word = words[len(words) // 2]
    exchange, body = complete(client, {**chat_body, "stop": [word]})
    choice = body["choices"][0]
    content = str(choice["message"].get("content") or "")
    expect(
        word not in content,
        exchange,
        f"the output contains the stop sequence {word!r}",
        check="stop_conformance",
        pointer="/choices/0/message/content",
        expected=f"text ending before {word!r}",
        actual=content,
    )
    expect(
        choice.get("finish_reason") == "stop",
        exchange,
        "a stop sequence ended the answer but finish_reason is not 'stop'",
        check="stop_conformance",
        pointer="/choices/0/finish_reason",
        expected="stop",
        actual=choice.get("finish_reason"),
    )


def _cut(client: ConformanceClient, body: dict[str, Any]) -> None:
    exchange, got = complete(client, body)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    used = (got.get("usage") or {}).get("completion_tokens")
    reason = got["choices"][0].get("finish_reason")
    check = "token_limit_conformance"
    expect(
        isinstance(used, int) and used <= limit,
        exchange,
        f"completion_tokens exceed the limit of {limit}",
        check=check,
        pointer="/usage/completion_tokens",
        expected=f"<= {limit}",
        actual=used,
    )
    expect(
        reason == "length",
        exchange,
        "a cut answer must finish with 'length'",
        check=check,
        pointer="/choices/0/finish_reason",
        expected="length",
        actual=reason,
    )


@pytest.mark.requirement("chat/max-completion-tokens")
def test_max_completion_tokens_cuts_the_answer_with_finish_reason_length(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    _cut(client, {**chat_body, "max_completion_tokens": 5})


@pytest.mark.requirement("chat/max-tokens")
def test_max_tokens_cuts_the_answer_with_finish_reason_length(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    body = {k: v for k, v in chat_body.items() if k != "max_completion_tokens"}
    _cut(client, {**body, "max_tokens": 5})


@pytest.mark.requirement("chat/logprobs-shape")
def test_logprobs_have_the_chat_shape_with_top_alternatives(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.logprobs")
    body = {**chat_body, "logprobs": True, "top_logprobs": 2}
    exchange, got = complete(client, body)
    logprobs = got["choices"][0].get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    expect(
        isinstance(content, list) and bool(content),
        exchange,
        "logprobs.content is missing or empty",
        check="logprobs_shape_conformance",
        pointer="/choices/0/logprobs",
        expected="{content: [{token, logprob, bytes, top_logprobs}]}",
        actual=logprobs,
    )
    for i, entry in enumerate(content or []):
        tops = entry.get("top_logprobs") if isinstance(entry, dict) else None
        expect(
            isinstance(tops, list) and len(tops) == 2,
            exchange,
            "a token does not carry exactly top_logprobs=2 alternatives",
            check="logprobs_shape_conformance",
            pointer=f"/choices/0/logprobs/content/{i}/top_logprobs",
            expected=2,
            actual=tops,
        )


@pytest.mark.requirement("chat/usage-totals")
def test_usage_counts_are_positive_and_add_up(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange, body = complete(client, chat_body)
    usage = body.get("usage")
    fail_if(
        usage_problems(usage),
        exchange,
        prefix="/usage",
        check="usage_conformance",
    )
    for name in ("prompt_tokens", "completion_tokens"):
        expect(
            usage[name] > 0,
            exchange,
            f"usage.{name} is 0 for a real exchange",
            check="usage_conformance",
            pointer=f"/usage/{name}",
            expected="> 0",
            actual=usage[name],
        )


@pytest.mark.requirement("chat/usage-prompt-once")
def test_prompt_tokens_do_not_grow_with_n(
    client: ConformanceClient, chat_body: dict[str, Any], oaic_config: RunConfig
) -> None:
    require_claim(oaic_config, "chat.n")
    _, one = complete(client, chat_body)
    exchange, two = complete(client, {**chat_body, "n": 2})
    a, b = one["usage"]["prompt_tokens"], two["usage"]["prompt_tokens"]
    expect(
        a == b,
        exchange,
        "prompt_tokens differ between n=1 and n=2",
        check="usage_conformance",
        pointer="/usage/prompt_tokens",
        expected=a,
        actual=b,
    )


@pytest.mark.requirement("chat/unknown-model-404")
def test_unknown_model_is_answered_404_with_the_envelope(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    exchange = client.request(
        "POST", "/chat/completions", json={**chat_body, "model": "oaic-no-such-model"}
    )
    assert_error(exchange, 404)


@pytest.mark.requirement("chat/invalid-request-400")
def test_invalid_message_role_is_answered_400_with_the_envelope(
    client: ConformanceClient, chat_body: dict[str, Any]
) -> None:
    body = {**chat_body, "messages": [{"role": "narrator", "content": "Hello."}]}
    exchange = client.request("POST", "/chat/completions", json=body)
    assert_error(exchange, 400)


@pytest.mark.requirement("chat/stored-completions")
def test_stored_completion_is_retrievable_updatable_and_deletable(
    client: ConformanceClient,
    chat_body: dict[str, Any],
    oaic_config: RunConfig,
    cleanup: CleanupRegistry,
) -> None:
    require_claim(oaic_config, "chat.stored")
    _, created = complete(client, {**chat_body, "store": True, "metadata": oaic_config.tag()})
    cid = created["id"]
    path = f"/chat/completions/{cid}"
    register_undo(cleanup, client, "chat.completion", cid, "DELETE", path, "stored completion")
    exchange = client.request("GET", path)
    expect(
        exchange.status == 200,
        exchange,
        "the stored completion cannot be retrieved",
        check="stored_completion_conformance",
        expected=200,
        actual=exchange.status,
    )
    got = assert_conforms(exchange, "GET /chat/completions/{completion_id}")
    expect(
        got.get("id") == cid,
        exchange,
        "retrieve returns another completion",
        check="stored_completion_conformance",
        pointer="/id",
        expected=cid,
        actual=got.get("id"),
    )
    exchange = client.request("GET", f"{path}/messages")
    msgs = assert_conforms(exchange, "GET /chat/completions/{completion_id}/messages")
    contents = [m.get("content") for m in msgs.get("data") or []]
    wanted = chat_body["messages"][0]["content"]
    expect(
        wanted in contents,
        exchange,
        "the stored input messages do not include the prompt",
        check="stored_completion_conformance",
        pointer="/data",
        expected=wanted,
        actual=contents,
    )
    meta = oaic_config.tag({"step": "updated"})
    exchange = client.request("POST", path, json={"metadata": meta})
    got = assert_conforms(exchange, "POST /chat/completions/{completion_id}")
    expect(
        got.get("metadata") == meta,
        exchange,
        "the metadata update is not applied",
        check="stored_completion_conformance",
        pointer="/metadata",
        expected=meta,
        actual=got.get("metadata"),
    )
    exchange = client.request("DELETE", path)
    assert_conforms(exchange, "DELETE /chat/completions/{completion_id}")
    cleanup.discard("chat.completion", cid)
    assert_error(client.request("GET", path), 404)
