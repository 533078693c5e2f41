"""Realtime suite fixtures: ``realtime`` opens a gated, deadline-bounded realtime session."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
import rt_steps

from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def realtime(
    client: ConformanceClient, oaic_config: RunConfig
) -> Callable[..., contextlib.AbstractContextManager[Any]]:
    """``with realtime() as rt:`` (``intent=``, ``feature=`` as in ``rt_steps.connect``)."""

    def open_session(**kw: Any) -> contextlib.AbstractContextManager[Any]:
        return rt_steps.connect(client, oaic_config, **kw)

    return open_session
