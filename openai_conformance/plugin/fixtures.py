"""Fixtures the suites use: ``oaic_config``, ``spec``, ``validator``, ``check_ctx``, ``client``,
``cleanup`` (per test, undone at teardown), ``session_cleanup`` (undone at session end),
``requirement`` (the current test's Requirement), ``target_profile``, ``webhook_settings`` and
``webhook_receiver`` (a started loopback receiver, one per worker).

They exist only in a conformance run (see session.py); requested elsewhere they fail with a
clear message instead of starting a server behind a self-test's back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..checks.context import CheckContext
from ..contract import Spec
from ..contract.requirements import Requirement
from ..contract.validation import SchemaValidator
from ..scenario.cleanup import CleanupRegistry
from ..scenario.webhooks import ReceiverSettings, WebhookReceiver, new_secret, receiver_settings
from ..target.config import RunConfig
from ..target.profiles import Profile, load_profile
from ..wire.client import ConformanceClient
from .items import requirement_of
from .session import OaicSession


def _session(request: pytest.FixtureRequest) -> OaicSession:
    from .hooks import get_session

    sess = get_session(request.config)
    if sess is None:
        raise pytest.UsageError(
            "openai-conformance fixtures need a conformance run: run pytest on a path under "
            "suites/ or pass --target URL"
        )
    return sess


@pytest.fixture(scope="session")
def oaic_session(request: pytest.FixtureRequest) -> OaicSession:
    return _session(request)


@pytest.fixture(scope="session")
def oaic_config(oaic_session: OaicSession) -> RunConfig:
    """The frozen RunConfig (base_url is the embedded server's when no target was given)."""
    return oaic_session.run_config


@pytest.fixture(scope="session")
def spec(oaic_session: OaicSession) -> Spec:
    return oaic_session.spec


@pytest.fixture(scope="session")
def validator(oaic_session: OaicSession) -> SchemaValidator:
    return oaic_session.validator


@pytest.fixture(scope="session")
def check_ctx(oaic_session: OaicSession) -> CheckContext:
    """``checks.CheckContext`` (spec, validator, config) for the ``*_conformance`` checks."""
    return oaic_session.check_ctx


@pytest.fixture(scope="session")
def client(oaic_session: OaicSession) -> ConformanceClient:
    """The session's ConformanceClient (auth, timeouts, budget, evidence)."""
    return oaic_session.client


@pytest.fixture(scope="session")
def session_cleanup(oaic_session: OaicSession) -> Iterator[CleanupRegistry]:
    registry = oaic_session.cleanup_registry()
    oaic_session.session_cleanup = registry
    yield registry
    oaic_session.session_cleanup = None
    registry.run_all()


@pytest.fixture
def cleanup(oaic_session: OaicSession) -> Iterator[CleanupRegistry]:
    """A CleanupRegistry undone when the test ends (pass or fail)."""
    registry = oaic_session.cleanup_registry()
    yield registry
    registry.run_all()


@pytest.fixture
def requirement(request: pytest.FixtureRequest, oaic_session: OaicSession) -> Requirement | None:
    """The ``Requirement`` the current test cites (None for generated tests)."""
    return requirement_of(request.node, oaic_session)


@pytest.fixture(scope="session")
def target_profile(oaic_session: OaicSession) -> Profile | None:
    """The loaded target Profile (``profiles.load_profile``), or None without a profile."""
    name = oaic_session.run_config.profile
    if not name:
        return None
    return load_profile(name)


@pytest.fixture(scope="session")
def webhook_settings(target_profile: Profile | None) -> ReceiverSettings:
    """``scenario.webhooks.ReceiverSettings`` from the profile's ``[webhooks]`` and env."""
    return receiver_settings(target_profile)


@pytest.fixture(scope="session")
def webhook_receiver(
    oaic_session: OaicSession, webhook_settings: ReceiverSettings
) -> Iterator[WebhookReceiver]:
    """A started ``WebhookReceiver`` (stopped at session end). Its secret is the provider's
    (``webhook_settings.secret``) or, for a target the suite configures itself, a fresh one;
    either way it is registered for redaction before anything can print it."""
    from ..checks.failures import register_secrets

    secret = webhook_settings.secret or new_secret()
    register_secrets([secret])
    receiver = WebhookReceiver(
        secret,
        spec=oaic_session.spec,
        validator=oaic_session.validator,
        host=webhook_settings.host,
        port=webhook_settings.port,
    ).start()
    try:
        yield receiver
    finally:
        receiver.stop()
