"""Containers fixtures: ``new_container(step, **fields)`` creates a container named with the
run's prefix (containers have no metadata) and registers its deletion before anything else can
fail; ``container`` is one such container per test. Creating one is costly: DISABLED unless
the run allows ``costly``. Each returns the container once the answer conforms."""

from __future__ import annotations

from typing import Any

import pytest
from container_steps import CREATE, NewContainer

from openai_conformance.checks import assert_conforms
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def new_container(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> NewContainer:
    def create(step: str = "created", **fields: Any) -> tuple[dict[str, Any], Any]:
        lc.require_allowed(oaic_config, "costly", "creating a container")
        body = {"name": f"{oaic_config.name_prefix}{step}", **fields}
        exchange = client.request("POST", "/containers", json=body)
        created = assert_conforms(exchange, CREATE)
        cid = str(created["id"])
        path = f"/containers/{cid}"
        lc.register_undo(cleanup, client, "container", cid, "DELETE", path, "container")
        return created, exchange

    return create


@pytest.fixture
def container(new_container: NewContainer) -> dict[str, Any]:
    return new_container("files")[0]
