"""JSONL builders for batch input and fine-tuning training files, and content digests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any


def jsonl(rows: Iterable[Any]) -> bytes:
    """One compact JSON document per line, UTF-8, trailing newline."""
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode("utf-8")


def parse_jsonl(raw: bytes) -> list[tuple[int, Any]]:
    """``(line number, parsed value or the raw text when it is not JSON)``, blank lines skipped."""
    out: list[tuple[int, Any]] = []
    for n, line in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except ValueError:
            out.append((n, line))
    return out


def batch_line(custom_id: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """One batch input line (the guide's BatchRequestInput shape)."""
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def chat_batch_line(custom_id: str, model: str, prompt: str) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 16}
    return batch_line(custom_id, "/v1/chat/completions", body)


def embeddings_batch_line(custom_id: str, model: str, text: str) -> dict[str, Any]:
    return batch_line(custom_id, "/v1/embeddings", {"model": model, "input": text})


#: OpenAI requires at least 10 examples in a fine-tuning training file.
MIN_TRAINING_EXAMPLES = 10


def sft_training_jsonl(n: int = MIN_TRAINING_EXAMPLES) -> bytes:
    """A valid supervised (chat format) training file with ``n`` examples."""
    return jsonl(
        {
            "messages": [
                {"role": "system", "content": "You answer with the number doubled."},
                {"role": "user", "content": str(i)},
                {"role": "assistant", "content": str(2 * i)},
            ]
        }
        for i in range(n)
    )


def dpo_training_jsonl(n: int = MIN_TRAINING_EXAMPLES) -> bytes:
    """A valid preference (DPO) training file with ``n`` examples."""
    return jsonl(
        {
            "input": {"messages": [{"role": "user", "content": f"Double {i}."}]},
            "preferred_output": [{"role": "assistant", "content": str(2 * i)}],
            "non_preferred_output": [{"role": "assistant", "content": str(i)}],
        }
        for i in range(n)
    )


def invalid_training_jsonl(n: int = MIN_TRAINING_EXAMPLES) -> bytes:
    """A training file that is JSONL but not chat format (no ``messages``): must not train."""
    return jsonl({"prompt": f"{i}", "completion_text": str(2 * i)} for i in range(n))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
