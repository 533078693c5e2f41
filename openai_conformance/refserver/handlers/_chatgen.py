"""The chat generation plan shared by non-streamed and streamed chat completions.

``plan_chat(state, body, faults)`` validates the meaning of a ``CreateChatCompletionRequest``
(after the dispatcher checked its shape) and decides, deterministically, what each choice says:
``ChoicePlan(index, content, tool_calls, finish_reason, tokens)``. ``chat_completion_body``
renders a plan as a ``CreateChatCompletionResponse``; ``chat_stream`` renders the same plan as
chunks, which is why streamed deltas concatenate to exactly the non-streamed content.

Decisions (documented behaviour of the reference model):
- text: ``_text.sentence`` seeded by the last message (role + text) and the choice index.
- ``response_format`` json_object → ``{"answer": "<sentence>"}``; json_schema → an instance of
  the schema (``_jsonschema_instance``), both serialised with spaces so tokens are words.
- tools: ``tool_choice`` none → text; named → that function; required → every function tool
  (one call per tool when ``parallel_tool_calls`` is true, else the first); auto (default) →
  the function tools whose name appears in the last user message (text when none does, or when
  the last message is a ``tool`` result). Arguments are a JSON string generated from the tool's
  ``parameters`` schema. Ids are ``call_`` + 24 hex digits, unique per response.
- usage: ``prompt_tokens`` = tokens of all message text (counted once, whatever ``n``),
  ``completion_tokens`` = tokens of every choice's content plus tool-call arguments.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from ...contract.envelope import ApiError, invalid
from ..faults import declare
from ..state import ServerState
from . import _text
from ._jsonschema_instance import instance
from .models import require_model

F = declare  # short alias for the catalogue below
STOP_ON_TOOL_CALL = F(
    "chat-finish-reason-stop-on-tool-call",
    "finish_reason is 'stop' although the choice carries tool calls",
    "chat.finish_reason_tool_calls_conformance",
    breaks=["chat/finish-reason-tool-calls", "chat/stream-parallel-tool-calls"],
)
STOP_ON_LENGTH = F(
    "chat-finish-reason-stop-on-length",
    "finish_reason is 'stop' although max tokens cut the answer",
    "chat.finish_reason_length_conformance",
    breaks=["chat/max-completion-tokens", "chat/max-tokens"],
)
ARGS_OBJECT = F(
    "chat-tool-arguments-object",
    "tool_calls[].function.arguments is a JSON object instead of a JSON string",
    "chat.tool_arguments_conformance",
    breaks=[
        "chat/finish-reason-tool-calls",
        "chat/parallel-tool-call-ids",
        "chat/stream-parallel-tool-calls",
        "chat/stream-tool-call-deltas",
        "chat/tool-arguments-json-string",
        "chat/tool-choice-named",
        "chat/tool-choice-required",
    ],
)
DUPLICATE_IDS = F(
    "chat-duplicate-tool-call-ids",
    "every tool call of a response carries the same id",
    "chat.tool_call_ids_conformance",
    breaks=["chat/parallel-tool-call-ids", "chat/stream-parallel-tool-calls"],
)
IGNORE_RESPONSE_FORMAT = F(
    "chat-ignore-response-format",
    "response_format json_object/json_schema is accepted and ignored (plain text answer)",
    "chat.response_format_conformance",
    breaks=["chat/json-mode", "chat/structured-outputs"],
)
IGNORE_TOOL_CHOICE = F(
    "chat-ignore-tool-choice",
    "tool_choice is ignored (always behaves as 'auto')",
    "chat.tool_choice_conformance",
    breaks=["chat/tool-choice-named", "chat/tool-choice-none", "chat/tool-choice-required"],
)
IGNORE_STOP = F(
    "chat-ignore-stop", "stop sequences are ignored", "chat.stop_conformance", breaks=["chat/stop"]
)
IGNORE_N = F(
    "chat-ignore-n",
    "n > 1 returns a single choice",
    "chat.n_conformance",
    breaks=["chat/n-choices", "chat/stream-finish-reason"],
)
IGNORE_MAX_COMPLETION = F(
    "chat-ignore-max-completion-tokens",
    "max_completion_tokens is ignored (max_tokens still honoured)",
    "chat.max_completion_tokens_conformance",
    breaks=["chat/max-completion-tokens"],
)
REJECT_DEVELOPER = F(
    "chat-reject-developer-role",
    "messages with role 'developer' are rejected with 400",
    "chat.developer_role_conformance",
    breaks=["chat/developer-role"],
)
REJECT_PARTS = F(
    "chat-reject-content-parts",
    "message content given as an array of parts is rejected with 400",
    "chat.content_parts_conformance",
    breaks=["chat/content-parts", "chat/image-input"],
)
REJECT_STREAM_OPTIONS = F(
    "chat-reject-stream-options",
    "stream_options is rejected as an unknown field (400)",
    "chat.stream_options_accepted_conformance",
    breaks=["chat/newer-fields-accepted", "chat/stream-include-usage"],
)
LOGPROBS_LEGACY = F(
    "chat-logprobs-completions-shape",
    "chat logprobs use the legacy Completions shape (tokens/token_logprobs/top_logprobs)",
    "chat.logprobs_shape_conformance",
    breaks=["chat/logprobs-shape", "chat/stream-logprobs"],
)
USAGE_WRONG_TOTAL = F(
    "chat-usage-wrong-total",
    "usage.total_tokens is prompt + completion + 1",
    "chat.usage_totals_conformance",
    breaks=["chat/stream-include-usage", "chat/usage-totals"],
)
USAGE_PROMPT_TIMES_N = F(
    "chat-usage-prompt-times-n",
    "usage.prompt_tokens is multiplied by n",
    "chat.usage_totals_conformance",
    breaks=["chat/usage-prompt-once"],
)


REJECT_MESSAGE_NAME = F(
    "chat-reject-message-name",
    "messages[].name is rejected as an unknown field (400)",
    "chat.newer_fields_accepted_conformance",
    breaks=["chat/newer-fields-accepted"],
)


@dataclass
class ChoicePlan:
    index: int
    content: str | None
    finish_reason: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # content pieces (stream deltas)


@dataclass
class ChatPlan:
    id: str
    model: str
    created: int
    choices: list[ChoicePlan]
    prompt_tokens: int
    logprobs: bool
    top_logprobs: int
    faults: frozenset[str]

    @property
    def completion_tokens(self) -> int:
        total = 0
        for c in self.choices:
            total += len(c.tokens)
            total += sum(_text.count_tokens(t["function"]["arguments"]) for t in c.tool_calls)
        return total

    def usage(self) -> dict[str, Any]:
        prompt = self.prompt_tokens
        if USAGE_PROMPT_TIMES_N in self.faults:
            prompt *= max(len(self.choices), 1)
        completion = self.completion_tokens
        total = prompt + completion + (1 if USAGE_WRONG_TOTAL in self.faults else 0)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": total,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }


def message_text(content: Any) -> str:
    """The text of a message ``content`` (string, or array of parts: text parts joined)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    out.append(part["text"])
                elif isinstance(part.get("refusal"), str):
                    out.append(part["refusal"])
        return " ".join(out)
    return ""


def _stop_list(stop: Any) -> list[str]:
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else [s for s in stop if isinstance(s, str)]


def _function_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t["function"] for t in tools if t.get("type") == "function" and "function" in t]


def _pick_tools(body: dict[str, Any], faults: frozenset[str]) -> list[dict[str, Any]]:
    declared = body.get("tools") or []
    tools = _function_tools(declared)
    choice = body.get("tool_choice")
    if not tools:
        # Only the absence of every tool makes tool_choice invalid: custom tools count too.
        if not declared and choice not in (None, "none"):
            raise invalid(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
                "are specified.",
                "tool_choice",
            )
        return []
    by_name = {t["name"]: t for t in tools}
    if isinstance(choice, dict):
        if choice.get("type") == "function":
            name = (choice.get("function") or {}).get("name")
            if name not in by_name:
                raise invalid(
                    f"Invalid value for 'tool_choice': no function named {name!r} in 'tools'.",
                    "tool_choice",
                )
        elif choice.get("type") == "allowed_tools":
            allowed = {
                (t.get("function") or {}).get("name")
                for t in (choice.get("allowed_tools") or {}).get("tools", [])
            }
            tools = [t for t in tools if t["name"] in allowed] or tools
    if IGNORE_TOOL_CHOICE in faults:
        choice = "auto"
    parallel = body.get("parallel_tool_calls")
    parallel = True if parallel is None else bool(parallel)
    messages = body["messages"]
    if choice == "none":
        return []
    if isinstance(choice, dict) and choice.get("type") == "function":
        return [by_name[choice["function"]["name"]]]
    mode = choice.get("allowed_tools", {}).get("mode") if isinstance(choice, dict) else choice
    if mode == "required":
        return tools if parallel else tools[:1]
    # auto
    if messages and messages[-1].get("role") == "tool":
        return []
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    said = message_text(last_user.get("content")) if last_user else ""
    mentioned = [t for t in tools if t["name"] in said]
    return mentioned if parallel else mentioned[:1]


def _json_answer(body: dict[str, Any], seed: str, faults: frozenset[str]) -> str | None:
    fmt = body.get("response_format") or {}
    if IGNORE_RESPONSE_FORMAT in faults:
        return None
    if fmt.get("type") == "json_object":
        return json.dumps({"answer": _text.sentence(seed)})
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
        return json.dumps(instance(schema, seed))
    return None


def plan_chat(
    state: ServerState, body: dict[str, Any], faults: frozenset[str] = frozenset()
) -> ChatPlan:
    """Decide every choice of a chat completion; raises ``ApiError`` for meaningless requests."""
    model = require_model(state, body.get("model"))["id"]
    messages = body.get("messages") or []
    for i, msg in enumerate(messages):
        if REJECT_DEVELOPER in faults and msg.get("role") == "developer":
            raise invalid(f"Invalid role 'developer' in messages[{i}].", f"messages[{i}].role")
        if REJECT_MESSAGE_NAME in faults and "name" in msg:
            raise invalid(f"messages[{i}].name: extra fields not permitted", f"messages[{i}].name")
        if REJECT_PARTS in faults and isinstance(msg.get("content"), list):
            raise invalid(
                f"Invalid type for 'messages[{i}].content': expected a string.",
                f"messages[{i}].content",
            )
    if REJECT_STREAM_OPTIONS in faults and "stream_options" in body:
        raise invalid("Unrecognized request argument supplied: stream_options", "stream_options")
    if body.get("stream_options") is not None and not body.get("stream"):
        raise invalid(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            "stream_options",
        )
    logprobs = bool(body.get("logprobs"))
    top = body.get("top_logprobs")
    if top is not None and not logprobs:
        raise invalid("Using 'top_logprobs' requires 'logprobs' to be true.", "top_logprobs")
    n = int(body.get("n") or 1)
    if IGNORE_N in faults:
        n = 1
    max_tokens = body.get("max_tokens")
    if body.get("max_completion_tokens") is not None and IGNORE_MAX_COMPLETION not in faults:
        max_tokens = body["max_completion_tokens"]
    if max_tokens is not None and max_tokens < 1:
        raise invalid(
            "Invalid 'max_completion_tokens': must be at least 1.", "max_completion_tokens"
        )
    stop = [] if IGNORE_STOP in faults else _stop_list(body.get("stop"))
    last = messages[-1] if messages else {}
    seed = f"{last.get('role')}:{message_text(last.get('content'))}"
    picked = _pick_tools(body, faults)
    choices: list[ChoicePlan] = []
    shared_id = "call_" + secrets.token_hex(12)
    for index in range(n):
        if picked:
            calls = []
            for tool in picked:
                args = instance(tool.get("parameters") or {"type": "object"}, f"{seed}/{index}")
                call_id = shared_id if DUPLICATE_IDS in faults else "call_" + secrets.token_hex(12)
                calls.append(
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": tool["name"], "arguments": json.dumps(args)},
                    }
                )
            reason = "stop" if STOP_ON_TOOL_CALL in faults else "tool_calls"
            choices.append(ChoicePlan(index, None, reason, calls))
            continue
        raw = _json_answer(body, f"{seed}/{index}", faults) or _text.sentence(seed, index)
        text, reason = _text.apply_limits(raw, stop, max_tokens)
        if reason == "length" and STOP_ON_LENGTH in faults:
            reason = "stop"
        choices.append(ChoicePlan(index, text, reason, tokens=_text.pieces(text)))
    prompt = sum(_text.count_tokens(message_text(m.get("content"))) for m in messages)
    return ChatPlan(
        id="chatcmpl-" + secrets.token_hex(12),
        model=model,
        created=int(state.clock.now()),
        choices=choices,
        prompt_tokens=prompt,
        logprobs=logprobs,
        top_logprobs=int(top or 0),
        faults=faults,
    )


def logprobs_for(plan: ChatPlan, tokens: list[str]) -> dict[str, Any] | None:
    """The choice ``logprobs`` object for ``tokens`` (None when not requested)."""
    if not plan.logprobs:
        return None
    if LOGPROBS_LEGACY in plan.faults:
        offsets, at = [], 0
        for t in tokens:
            offsets.append(at)
            at += len(t)
        return {
            "tokens": tokens,
            "token_logprobs": [_text.logprob_of(t) for t in tokens],
            "top_logprobs": [
                {a: _text.logprob_of(a, r) for r, a in enumerate([t, *_text.alternatives(t, 1)])}
                for t in tokens
            ],
            "text_offset": offsets,
        }
    return {"content": _text.chat_logprobs(tokens, plan.top_logprobs), "refusal": None}


def render_tool_calls(calls: list[dict[str, Any]], faults: frozenset[str]) -> list[dict[str, Any]]:
    if ARGS_OBJECT not in faults:
        return calls
    return [
        {**c, "function": {**c["function"], "arguments": json.loads(c["function"]["arguments"])}}
        for c in calls
    ]


def chat_completion_from_plan(plan: ChatPlan) -> dict[str, Any]:
    choices = []
    for c in plan.choices:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": c.content,
            "refusal": None,
            "annotations": [],
        }
        if c.tool_calls:
            message["tool_calls"] = render_tool_calls(c.tool_calls, plan.faults)
        if "chat-reasoning-content" in plan.faults:  # declared in chat_stream
            message["reasoning_content"] = "Thinking it over."
        choices.append(
            {
                "index": c.index,
                "message": message,
                "logprobs": logprobs_for(plan, c.tokens),
                "finish_reason": c.finish_reason,
            }
        )
    return {
        "id": plan.id,
        "object": "chat.completion",
        "created": plan.created,
        "model": plan.model,
        "choices": choices,
        "usage": plan.usage(),
        "service_tier": "default",
        "system_fingerprint": "fp_oaic_ref",
    }


def chat_completion_body(
    state: ServerState, request_body: dict[str, Any], faults: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A complete ``CreateChatCompletionResponse`` for ``request_body`` (no HTTP, no store).

    Used by the HTTP handler and by batches (which execute request lines through it).
    Raises ``ApiError`` exactly as the endpoint would answer.
    """
    if not isinstance(request_body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return chat_completion_from_plan(plan_chat(state, request_body, faults))
