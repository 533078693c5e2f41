"""Webhook event-type coverage of a run against the contract's ``webhooks`` (15 event types).

``webhook_coverage(seen)`` takes the summary's ``coverage.webhook_event_types`` ({type: tests
that received a verified delivery of it}) and returns the block the report shows::

    {"known": 15, "seen": 3,                 # documented event types / received among them
     "unseen": [...], "unknown": [...],      # documented, not received / received, undocumented
     "by_type": {type: tests}}               # the received ones, as in the summary

``None`` when the spec cannot be loaded (a report rendered offline from results.json alone
still renders, without this block).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def webhook_coverage(seen: Mapping[str, int] | None) -> dict[str, Any] | None:
    try:
        from ..contract import load_spec
        from ..scenario.webhooks.events import known_event_types

        known = known_event_types(load_spec())
    except Exception:  # the report must render without the spec (offline re-rendering)
        return None
    observed = dict(seen or {})
    return {
        "known": len(known),
        "seen": len(set(observed) & set(known)),
        "unseen": [t for t in known if t not in observed],
        "unknown": sorted(set(observed) - set(known)),
        "by_type": {t: observed[t] for t in sorted(observed)},
    }
