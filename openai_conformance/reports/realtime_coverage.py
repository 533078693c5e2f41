"""Realtime event-type coverage of a run against every server event type the spec documents.

``realtime_coverage(seen)`` takes the summary's ``coverage.realtime_event_types`` ({type: tests
that observed it}) and returns the block the report shows::

    {"components": 95,            # Realtime*ServerEvent* components in the spec (unions too)
     "known": 52, "seen": 24,     # distinct server event types documented / observed
     "ga_known": 46, "ga_seen": 24,   # the same for the GA RealtimeServerEvent union
     "unseen": [...], "unknown": [...]}   # documented but not observed / observed, undocumented

The spec names a type in several components (GA, beta and translation variants share names),
so coverage counts distinct ``type`` values. ``None`` when the spec cannot be loaded (a report
rendered offline from results.json alone still renders, without this block).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def realtime_coverage(seen: Mapping[str, int] | None) -> dict[str, Any] | None:
    try:
        from ..contract import load_spec
        from ..scenario.realtime import (
            ga_server_event_types,
            known_server_event_types,
            server_event_component_count,
        )

        spec = load_spec()
        known = known_server_event_types(spec)
        ga = ga_server_event_types(spec)
        components = server_event_component_count(spec)
    except Exception:  # the report must render without the spec (offline re-rendering)
        return None
    observed = set(seen or {})
    return {
        "components": components,
        "known": len(known),
        "seen": len(observed & set(known)),
        "ga_known": len(ga),
        "ga_seen": len(observed & set(ga)),
        "unseen": [t for t in known if t not in observed],
        "unknown": sorted(observed - set(known)),
    }
