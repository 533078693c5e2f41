"""Vector store fixtures.

* ``text_file(name, text)`` uploads a UTF-8 text file (purpose ``assistants``, named with the
  run prefix) and registers its deletion; returns its id.
* ``new_store(file_ids=(), name=None, metadata=None)`` creates a vector store whose name
  carries the run prefix and whose metadata carries the run id, registers its deletion before
  anything else can fail, and returns ``(store, exchange)`` once the answer conforms.
* ``searchable`` (one per module) is a store holding the ``CORPUS`` files, processed, shared
  by the search tests so a real provider indexes them once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from vs_steps import (
    CORPUS,
    NewStore,
    Searchable,
    TextFile,
    create_store,
    upload_text,
    wait_processed,
)

from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def text_file(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> TextFile:
    def upload(name: str, text: str) -> str:
        return upload_text(client, cleanup, oaic_config, name, text)

    return upload


@pytest.fixture
def new_store(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> NewStore:
    def create(
        file_ids: Sequence[str] = (),
        name: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, Any], Any]:
        return create_store(client, cleanup, oaic_config, file_ids, name, metadata)

    return create


@pytest.fixture(scope="module")
def searchable(
    client: ConformanceClient, session_cleanup: CleanupRegistry, oaic_config: RunConfig
) -> Searchable:
    files = {
        upload_text(client, session_cleanup, oaic_config, name, text): name
        for name, text in CORPUS.items()
    }
    store, _ = create_store(client, session_cleanup, oaic_config, list(files), "searchable")
    processed, _ = wait_processed(client, oaic_config, str(store["id"]), len(files))
    prefix = oaic_config.name_prefix
    return Searchable(processed, {fid: f"{prefix}{name}" for fid, name in files.items()})
