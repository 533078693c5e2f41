"""Which profile model role an operation's ``model`` field takes.

Profiles declare one model id per role (``[models] chat = "gpt-4o-mini"`` ...); the positive
phase pins every generated ``model`` field to the role of its operation, so a real target is
only ever asked for a model the profile says it serves.
"""

from __future__ import annotations

ROLES = (
    "chat",
    "embeddings",
    "moderation",
    "tts",
    "transcription",
    "image",
    "fine_tune_base",
    "realtime",
)

# First matching prefix wins; anything else that has a ``model`` field is a chat model
# (assistants, runs, responses, evals, conversations, chatkit, completions).
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/embeddings", "embeddings"),
    ("/moderations", "moderation"),
    ("/audio/speech", "tts"),
    ("/audio/transcriptions", "transcription"),
    ("/audio/translations", "transcription"),
    ("/images", "image"),
    ("/fine_tuning", "fine_tune_base"),
    ("/realtime", "realtime"),
)


def model_role(path: str) -> str:
    """The model role for an operation path (``/audio/speech`` → ``tts``; default ``chat``)."""
    for prefix, role in _PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return role
    return "chat"
