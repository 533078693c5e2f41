"""Helpers of the core suite: a client variant with other credentials (auth tests) and the
small, cheap requests every core test reuses.

Auth is judged in one of three ways (decided here, documented in docs/auth.md):

* a key is configured: the target must check it, a missing or wrong key is a MUST 401
  (``core/auth-401``); accepting either is broken authentication;
* whether or not a key is configured, unless the profile says ``auth = "none"``: the anonymous
  probe runs (``core/auth-required``, SHOULD; without a key it is the only auth test): a
  target that answers requests carrying no key or a made-up key has no authentication,
  which a local server may lack by design; the failure says how to declare that;
* ``auth = "none"`` is declared: the target has no authentication by design: the probe is
  UNSUPPORTED with that reason, the 401 tests are DISABLED (nothing to reject).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from openai_conformance.checks.outcomes import Disabled, Unsupported
from openai_conformance.plugin.session import OaicSession
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient


@pytest.fixture
def client_with_credentials(
    oaic_session: OaicSession,
) -> Iterator[Callable[[str | None], ConformanceClient]]:
    """A factory: ``client_with_credentials(None)`` sends no key, ``("sk-...")`` a wrong one.
    Disabled when the target is configured without credentials (nothing to reject)."""
    cfg = oaic_session.run_config
    if cfg.api_key is None or cfg.auth == "none":
        raise Disabled(
            "no API key is configured: core/auth-required probes the target without one"
            if cfg.auth != "none"
            else 'the profile declares auth = "none": there is no key to reject'
        )
    yield from _credential_clients(oaic_session)


@pytest.fixture
def anonymous_client(
    oaic_session: OaicSession,
) -> Iterator[Callable[[str | None], ConformanceClient]]:
    """The same factory for the anonymous probe (``core/auth-required``), key or no key."""
    cfg = oaic_session.run_config
    if cfg.auth == "none":
        raise Unsupported(
            'the profile declares auth = "none": the target has no authentication by design'
        )
    yield from _credential_clients(oaic_session)


def _credential_clients(
    oaic_session: OaicSession,
) -> Iterator[Callable[[str | None], ConformanceClient]]:
    from openai_conformance.wire.redact import Secret

    cfg = oaic_session.run_config
    made: list[ConformanceClient] = []

    def make(key: str | None) -> ConformanceClient:
        variant = dataclasses.replace(cfg, api_key=Secret(key) if key else None)
        client = ConformanceClient(
            variant, oaic_session.recorder, spec=oaic_session.spec, budget=oaic_session.budget
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def chat_request(oaic_config: RunConfig) -> dict[str, Any]:
    """A minimal valid chat completion request for the profile's chat model."""
    return {
        "model": oaic_config.models["chat"],
        "messages": [{"role": "user", "content": "Say OK."}],
        "max_completion_tokens": 16,
    }
