"""One hint instead of a flood: a run that cannot work stops before its first test.

Before the first test of a process, ``preflight(client, config)`` sends ``GET /models`` (and,
when that is 404, a one-token chat completion). When the target answers 401, the key is
missing or wrong; when both answer 404, the base URL is wrong (most often its ``/v1`` is
missing). Either way every test would fail for the same reason, so the plugin's gate DISABLES
the remaining tests with this one message (no more requests are sent) and the console shows
it once. The one test meaningful without a valid key (``core/auth-required``) still runs.
Any other answer, or no answer (the client's own errors judge that), lets the run go on.
"""

from __future__ import annotations

from typing import Any

STOPPED = "run stopped early"
#: Tests that still run when the target refuses our credentials.
RUN_WITHOUT_CREDENTIALS = frozenset({"core/auth-required"})


def _no_key_hint(config: Any) -> str:
    if getattr(config, "api_key", None) is not None:
        return "the API key is wrong for this target (check OAIC_API_KEY / OPENAI_API_KEY)"
    return (
        "no API key is configured: set OAIC_API_KEY or OPENAI_API_KEY (or name the variable "
        "in the profile's target.api_key_env)"
    )


def _url_hint(base: str) -> str:
    if base and not base.rstrip("/").endswith("/v1"):
        return f"is the base URL right? It usually ends in /v1 (e.g. {base.rstrip('/')}/v1)"
    return f"is the base URL right ({base})? OpenAI-compatible servers serve .../v1/models"


def preflight(client: Any, config: Any) -> tuple[str, int] | None:
    """``(message, status)`` when the run cannot work against this target, else None."""
    try:
        models = client.request("GET", "/models")
    except Exception:  # unreachable, budget ...: the tests report it with evidence
        return None
    if models.status == 401:
        return f"{STOPPED}: GET /models answered 401 Unauthorized: {_no_key_hint(config)}", 401
    if models.status != 404:
        return None
    chat_model = (getattr(config, "models", None) or {}).get("chat", "gpt-4o-mini")
    body = {"model": chat_model, "messages": [{"role": "user", "content": "hi"}]}
    try:
        chat = client.request("POST", "/chat/completions", json={**body, "max_tokens": 1})
    except Exception:
        return None
    if chat.status != 404 or b"model_not_found" in (chat.content or b""):
        return None
    base = str(getattr(config, "base_url", "") or "")
    return (
        f"{STOPPED}: GET /models and POST /chat/completions answered 404 Not Found: "
        f"{_url_hint(base)}",
        404,
    )
