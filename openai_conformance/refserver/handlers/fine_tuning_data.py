"""Fine-tuning training files: is a file's content usable for a fine-tuning ``method``?

``check_training_data(data, method) -> (problem, examples, words)``: the problem is None for a
usable file. Supervised and reinforcement files are chat format (``{"messages": [...]}``, an
assistant turn required for supervised), DPO files preference format (``input.messages``,
``preferred_output``, ``non_preferred_output``); at least ``MIN_EXAMPLES`` examples, as OpenAI
requires. The job handler (``fine_tuning.py``) fails a job whose file has a problem while it is
``validating_files``.
"""

from __future__ import annotations

import json
from typing import Any

MIN_EXAMPLES = 10


def _messages_ok(messages: Any, need_assistant: bool) -> str | None:
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    roles = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in (
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function",
        ):
            return "every message needs a valid 'role'"
        roles.append(m["role"])
    if need_assistant and "assistant" not in roles:
        return "an example needs at least one assistant message"
    return None


def check_training_data(data: bytes, method: str) -> tuple[str | None, int, int]:
    """(problem or None, examples, words) of a fine-tuning file for ``method``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "the file is not UTF-8 text", 0, 0
    examples = words = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            return f"line {number} is not valid JSON ({exc.msg})", examples, words
        if not isinstance(row, dict):
            return f"line {number} is not a JSON object", examples, words
        if method == "dpo":
            problem = _messages_ok((row.get("input") or {}).get("messages"), False)
            for key in ("preferred_output", "non_preferred_output"):
                if problem is None and not isinstance(row.get(key), list):
                    problem = f"'{key}' must be an array of assistant messages"
        else:
            problem = _messages_ok(row.get("messages"), method == "supervised")
        if problem:
            return f"line {number}: {problem} ({method} format)", examples, words
        examples += 1
        words += len(json.dumps(row).split())
    if examples < MIN_EXAMPLES:
        return f"the file has {examples} examples; at least {MIN_EXAMPLES} are required", 0, 0
    return None, examples, words
