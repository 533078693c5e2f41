"""The openai-conformance pytest plugin (registered by the repository's root conftest.py).

Options (options.py), session roles and activation (session.py), per-test outcome mapping
(hooks.py, verdict.py, items.py), fixtures (fixtures.py), end-of-run results and reports
(finish.py).
"""

from .fixtures import (
    check_ctx,
    cleanup,
    client,
    oaic_config,
    oaic_session,
    requirement,
    session_cleanup,
    spec,
    target_profile,
    validator,
    webhook_receiver,
    webhook_settings,
)
from .hooks import (
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_configure_node,
    pytest_report_teststatus,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_unconfigure,
)
from .options import pytest_addoption

__all__ = [
    "check_ctx",
    "cleanup",
    "client",
    "oaic_config",
    "oaic_session",
    "pytest_addoption",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_report_teststatus",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_sessionfinish",
    "pytest_sessionstart",
    "pytest_unconfigure",
    "requirement",
    "session_cleanup",
    "spec",
    "target_profile",
    "validator",
    "webhook_receiver",
    "webhook_settings",
]
