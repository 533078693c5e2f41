"""Helpers for the generated-suite self-tests: a reference server with faults, and a
GenerationRun wired to the project's real client and checks (in process, so each fault test
takes about a second instead of a pytest subprocess)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from openai_conformance.checks.context import CheckContext
from openai_conformance.contract import load_spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.generated.suite import build_run
from openai_conformance.refserver.server import ReferenceServer
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient
from openai_conformance.wire.redact import Secret

API_KEY = "sk-oaic-selftest-generated-0123456789"
MODELS = {
    "chat": "ref-chat",
    "embeddings": "ref-embed",
    "moderation": "ref-moderation",
    "tts": "ref-tts",
    "transcription": "ref-transcribe",
    "image": "ref-image",
    "fine_tune_base": "ref-chat",
    "realtime": "ref-realtime",
}


@contextmanager
def generation_run(faults: tuple[str, ...] = (), seed: int = 1) -> Iterator[Any]:
    spec = load_spec()
    with ReferenceServer(faults=faults, api_key=API_KEY) as server:
        config = RunConfig(
            base_url=server.base_url,
            api_key=Secret(API_KEY),
            models=MODELS,
            allow=frozenset({"destructive", "costly", "admin"}),
            seed=seed,
            hypothesis_profile="quick",
            profile="reference",
            strict_positive=True,
        )
        ctx = CheckContext(spec=spec, validator=SchemaValidator(spec), config=config)
        client = ConformanceClient(config, spec=spec)
        try:
            yield build_run(config, ctx, client)
        finally:
            client.close()


@pytest.fixture
def make_run() -> Callable[..., Any]:
    return generation_run
