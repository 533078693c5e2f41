"""Redacted text for failure messages: ``redact``, ``excerpt``, ``show``, ``register_secrets``.

Used by ``exchange`` (the exchange view's body excerpt and curl) and by ``failures`` (the
Failure message), which imports ``exchange``: these helpers live below both so the import
graph stays ``failures -> exchange -> text`` with no cycle. ``failures`` re-exports them.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from ..wire.redact import redact_text

BODY_EXCERPT_BYTES = 2048
_VALUE_CHARS = 160

_secrets_lock = threading.Lock()
_secrets: list[str] = []

# Key-looking tokens are redacted even when nobody registered them as secrets (a target echoing
# the Authorization header back in an error message must not leak it into a report).
_KEY_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)(?!\$)[A-Za-z0-9._~+/\-]{8,}=*"),
)


def register_secrets(values: list[str]) -> None:
    """Add secret values (API keys, header values) to redact from every failure text."""
    with _secrets_lock:
        for value in values:
            if value and len(value) >= 4 and value not in _secrets:
                _secrets.append(value)


def redact(text: str) -> str:
    """Replace every registered secret and key-looking token with ``[REDACTED]``."""
    if not text:
        return text
    with _secrets_lock:
        secrets = list(_secrets)
    text = redact_text(text, secrets)  # knows header/query conventions as well
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    text = _KEY_PATTERNS[0].sub("[REDACTED]", text)
    return _KEY_PATTERNS[1].sub(r"\1[REDACTED]", text)


def excerpt(body: bytes | str | None, limit: int = BODY_EXCERPT_BYTES) -> str:
    """A redacted, single-purpose excerpt of a body: at most ``limit`` bytes, marked if cut."""
    if body is None:
        return ""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    cut = len(raw) > limit
    text = raw[:limit].decode("utf-8", "replace")
    text = redact(text)
    return text + (f"… [{len(raw)} bytes, truncated]" if cut else "")


def show(value: Any, limit: int = _VALUE_CHARS) -> str:
    """A short, unambiguous rendering of a value (repr for scalars, compact JSON otherwise)."""
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    else:
        text = repr(value)
    text = redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
