"""pytest registers the hooks of ``openai_conformance.plugin`` (the package), not of its
modules: a hook defined in ``plugin.hooks`` and not re-exported never runs. The budget plan
(``pytest_collection_modifyitems``) and the tail's verdict counts
(``pytest_report_teststatus``) were both silently inactive that way."""

from __future__ import annotations

import openai_conformance.plugin as plugin
from openai_conformance.plugin import hooks


def test_every_hook_of_the_hooks_module_is_registered_by_the_plugin() -> None:
    defined = {name for name in vars(hooks) if name.startswith("pytest_")}
    assert defined - set(plugin.__all__) == set()
    assert all(getattr(plugin, name) is getattr(hooks, name) for name in defined)
