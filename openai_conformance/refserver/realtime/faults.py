"""Named faults of the realtime WebSocket server (enabled per connection at the handshake)."""

from __future__ import annotations

from ..faults import declare

SESSION_CREATED_MISSING = declare(
    "realtime-session-created-missing",
    "The server never sends session.created after the WebSocket handshake.",
    "realtime: session.created is the first server event",
)
ERROR_NO_EVENT_ID = declare(
    "realtime-error-no-event-id",
    "error events do not echo the client event_id in error.event_id.",
    "realtime: an invalid client event gets an error carrying its event_id",
)
DELTA_MISMATCH = declare(
    "realtime-delta-mismatch",
    "The .done text/transcript of a response differs from the concatenated deltas.",
    "realtime: deltas concatenate to the done values",
)
WRONG_SCHEMA = declare(
    "realtime-event-wrong-schema",
    "Server events lack their required event_id.",
    "realtime: every server event validates against its schema",
)
CLOSE_ON_INVALID = declare(
    "realtime-close-on-invalid-event",
    "After an error event for an invalid client event the server closes the socket.",
    "realtime: the session survives an invalid client event",
)
BETA_NAMES = declare(
    "realtime-beta-event-names",
    "Beta event names: conversation.item.created instead of .added (no .done), "
    "response.text.delta / response.audio_transcript.delta instead of the output_* names.",
    "realtime: GA event names",
)
