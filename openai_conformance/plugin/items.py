"""What the plugin knows about one test item: suite, requirement, resource, operation, gating.

* ``suite``: the folder under ``suites/`` (``core``, ``files``, ``generated`` ...);
* ``requirement``: the one ``@pytest.mark.requirement("<feature>/<name>")`` marker (scenario
  suites must have exactly one citing a known id; a generated item sets
  ``item_facts(item).requirement`` while it runs instead);
* ``operation``: ``@pytest.mark.operation("METHOD /path")`` or ``item_facts(item).operation``
  (the generated suite sets one per item); otherwise the first exchange's operation;
* ``resource``: ``item_facts(item).resource``, else the operation's resource for the
  generated suite, else the suite name.

``ItemFacts`` (in the item's stash, ``item_facts(item)``) is the one typed channel through
which a suite tells the plugin about an item; nothing is passed in string-keyed
``user_properties``.

``gate(item, session)`` returns why a test must not run (DISABLED reason) or None, and raises
``HarnessError`` for a broken citation (an ERROR, never silently ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import HarnessError
from ..target.profiles import ALWAYS_CLAIMED

if TYPE_CHECKING:
    from ..contract.requirements import Requirement
    from .session import OaicSession

GENERATED = "generated"


@dataclass
class ItemFacts:
    """What a suite tells the plugin about one item (None: not said; see module doc)."""

    operation: str | None = None  # "METHOD /path"
    resource: str | None = None
    requirement: str | None = None  # set while the item runs (generated suite)


FACTS_KEY = pytest.StashKey[ItemFacts]()


def item_facts(item: pytest.Item) -> ItemFacts:
    """The item's ``ItemFacts`` (created empty on first use); suites set its fields."""
    return item.stash.setdefault(FACTS_KEY, ItemFacts())


def suite_of(nodeid: str) -> str:
    parts = PurePosixPath(nodeid.split("::", 1)[0]).parts
    if "suites" in parts:
        i = parts.index("suites")
        if i + 1 < len(parts) - 1:
            return parts[i + 1]
    return parts[-2] if len(parts) > 1 else "tests"


def requirement_ids(item: pytest.Item) -> list[str]:
    return [str(m.args[0]) if m.args else "" for m in item.iter_markers("requirement")]


def requirement_of(item: pytest.Item, session: OaicSession) -> Requirement | None:
    """The cited requirement; ``HarnessError`` when the citation is missing/double/unknown."""
    ids = requirement_ids(item)
    suite = suite_of(item.nodeid)
    if not ids:
        if suite == GENERATED:
            # A generated item checks several requirements; it reports the one it verified
            # (or the one its first failure broke) in its ItemFacts.
            rid = item_facts(item).requirement
            return session.catalogue.get(str(rid)) if rid else None
        raise HarnessError(
            f'{item.nodeid} cites no requirement: add @pytest.mark.requirement("<id>") '
            "with an id from spec/requirements/*.yaml"
        )
    if len(ids) > 1:
        raise HarnessError(
            f"{item.nodeid} cites {len(ids)} requirements ({', '.join(ids)}); "
            "a scenario test verifies exactly one"
        )
    found = session.catalogue.get(ids[0])
    if found is None:
        raise HarnessError(
            f"{item.nodeid} cites unknown requirement {ids[0]!r} (not in spec/requirements/*.yaml)"
        )
    return found


def operation_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("operation")
    if marker is not None and marker.args:
        return str(marker.args[0])
    return item_facts(item).operation or None


def resource_of(item: pytest.Item, session: OaicSession, operation: str | None) -> str:
    value = item_facts(item).resource
    if value:
        return value
    suite = suite_of(item.nodeid)
    if suite == GENERATED and operation:
        try:
            return str(session.spec.operation(operation).resource)
        except KeyError:
            pass
    return suite


def budget_account(item: pytest.Item, session: OaicSession) -> str:
    """The request-budget account a test spends from (``wire.budget``): ``generated:<resource>``
    for a generated item (its operation's resource), else ``scenario:<resource>``."""
    suite = suite_of(item.nodeid)
    if suite == GENERATED:
        params = getattr(getattr(item, "callspec", None), "params", {}) or {}
        operation = params.get("operation_id") or operation_of(item)
        return f"generated:{resource_of(item, session, str(operation) if operation else None)}"
    return f"scenario:{resource_of(item, session, operation_of(item))}"


def expectation_for(nodeid: str, expectations: Any) -> Any:
    """The profile's expectation for a test id: exact nodeid first, then glob patterns."""
    if not expectations:
        return None
    if nodeid in expectations:
        return expectations[nodeid]
    for pattern, value in expectations.items():
        if any(c in pattern for c in "*?[") and fnmatchcase(nodeid, pattern):
            return value
    return None


def gate(item: pytest.Item, session: OaicSession) -> str | None:
    """Why the test is DISABLED (budget spent, --resources filter, undeclared feature)."""
    from .verdict import BUDGET_REASON

    if session.budget_spent:
        return BUDGET_REASON
    req = requirement_of(item, session)
    stop = session.stop_reason(req.id if req is not None else None)
    if stop is not None:
        return stop
    cfg = session.run_config
    suite = suite_of(item.nodeid)
    operation = operation_of(item)
    resource = resource_of(item, session, operation)
    feature = req.feature if req is not None else resource
    if cfg.resources is not None and not ({suite, resource, feature} & set(cfg.resources)):
        return f"not selected by --resources {','.join(sorted(cfg.resources))}"
    if feature not in ALWAYS_CLAIMED and not cfg.claims(feature):
        if cfg.profile is None and "features" not in cfg.sources:  # discovered: not found
            return f"feature {feature!r} was not found by the discovery probe (draft-profile.toml)"
        return f"feature {feature!r} is not declared by profile {cfg.profile}"
    return None
