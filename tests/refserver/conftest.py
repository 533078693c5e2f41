"""Fixtures for the reference-server core self-tests (one shared server per module).

``core`` is a server with an API key and the fault header enabled; ``api`` is an httpx client
on its ``/v1`` base with the key set. Handler tests bring their own servers (handler_support).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from core_support import API_KEY

from openai_conformance.refserver.server import ReferenceServer


@pytest.fixture(scope="module")
def core() -> Iterator[ReferenceServer]:
    with ReferenceServer(api_key=API_KEY, allow_fault_header=True, max_body_bytes=64 * 1024) as s:
        yield s


@pytest.fixture(scope="module")
def api(core: ReferenceServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=core.base_url, headers=headers, timeout=10) as client:
        yield client
