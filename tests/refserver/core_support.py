"""Constants and helpers of the reference-server core self-tests (importable by name: two
folders' ``conftest`` modules would clash in one pytest session)."""

from __future__ import annotations

API_KEY = "sk-core-test-0123456789"


def fault(*names: str) -> dict[str, str]:
    """Headers that inject the named faults into one request."""
    return {"x-oaic-fault": ",".join(names)}
