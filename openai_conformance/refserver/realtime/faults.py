"""Named faults of the realtime WebSocket server (enabled per connection at the handshake)."""

from __future__ import annotations

from ..faults import declare

SESSION_CREATED_MISSING = declare(
    "realtime-session-created-missing",
    "The server never sends session.created after the WebSocket handshake.",
    "realtime: session.created is the first server event",
    breaks=["realtime/session-created-first"],
)
ERROR_NO_EVENT_ID = declare(
    "realtime-error-no-event-id",
    "error events do not echo the client event_id in error.event_id.",
    "realtime: an invalid client event gets an error carrying its event_id",
    breaks=["realtime/error-event-id"],
)
DELTA_MISMATCH = declare(
    "realtime-delta-mismatch",
    "The .done text/transcript of a response differs from the concatenated deltas.",
    "realtime: deltas concatenate to the done values",
    breaks=["realtime/response-deltas-match-done"],
)
WRONG_SCHEMA = declare(
    "realtime-event-wrong-schema",
    "Server events lack their required event_id.",
    "realtime: every server event validates against its schema",
    breaks=["realtime/server-event-schema"],
)
CLOSE_ON_INVALID = declare(
    "realtime-close-on-invalid-event",
    "After an error event for an invalid client event the server closes the socket.",
    "realtime: the session survives an invalid client event",
    breaks=["realtime/session-survives-error"],
)
BETA_NAMES = declare(
    "realtime-beta-event-names",
    "Beta event names: conversation.item.created instead of .added (no .done), "
    "response.text.delta / response.audio_transcript.delta instead of the output_* names.",
    "realtime: GA event names",
    breaks=[
        "realtime/function-call-events",
        "realtime/item-added-done",
        "realtime/response-deltas-match-done",
        "realtime/response-event-order",
        "realtime/server-event-schema",
    ],
)
SESSION_UPDATE_IGNORED = declare(
    "realtime-session-update-ignored",
    "session.update is acknowledged with session.updated, but the session is left unchanged.",
    "realtime/session-update-reflected",
    breaks=[
        "realtime/function-call-events",
        "realtime/function-call-output",
        "realtime/session-update-reflected",
    ],
)
RETRIEVE_WRONG_ITEM = declare(
    "realtime-retrieve-wrong-item",
    "conversation.item.retrieve answers with the most recently added item, not the requested one.",
    "realtime/item-retrieve",
    breaks=["realtime/item-retrieve"],
)
TRUNCATE_IGNORED = declare(
    "realtime-truncate-ignored",
    "conversation.item.truncate is acknowledged with .truncated but the transcript stays whole.",
    "realtime/item-truncate",
    breaks=["realtime/item-truncate"],
)
DELETE_KEEPS_ITEM = declare(
    "realtime-delete-keeps-item",
    "conversation.item.delete is acknowledged with .deleted but the item can still be retrieved.",
    "realtime/item-delete",
    breaks=["realtime/item-delete"],
)
RESPONSE_ORDER = declare(
    "realtime-response-order",
    "response.output_item.done is sent before the response.content_part.done of its part.",
    "realtime/response-event-order",
    breaks=["realtime/response-event-order"],
)
CANCEL_IGNORED = declare(
    "realtime-cancel-ignored",
    "response.cancel is silently ignored: the response runs on and ends completed.",
    "realtime/response-cancel",
    breaks=["realtime/response-cancel"],
)
COMMIT_WRONG_ITEM = declare(
    "realtime-commit-wrong-item",
    "input_audio_buffer.committed names an item_id that is not in the conversation.",
    "realtime/audio-commit",
    breaks=["realtime/audio-commit"],
)
CLEAR_KEEPS_AUDIO = declare(
    "realtime-clear-keeps-audio",
    "input_audio_buffer.clear is acknowledged with .cleared but the buffered audio stays.",
    "realtime/audio-clear",
    breaks=["realtime/audio-clear"],
)
TRANSCRIPTION_INTENT_IGNORED = declare(
    "realtime-transcription-intent-ignored",
    "?intent=transcription is ignored: the socket opens a conversation (realtime) session.",
    "realtime/transcription-session",
    breaks=["realtime/transcription-session"],
)
CLIENT_SECRET_SESSION_IGNORED = declare(
    "realtime-client-secret-session-ignored",
    "POST /realtime/client_secrets ignores the requested session and returns the defaults.",
    "realtime/client-secret",
    breaks=["realtime/client-secret"],
)
CALL_ID_MISMATCH = declare(
    "realtime-function-call-id-mismatch",
    "response.function_call_arguments.delta/.done carry a call_id other than the function_call "
    "item's.",
    "realtime/function-call-events",
    breaks=["realtime/function-call-events"],
)
FUNCTION_OUTPUT_REJECTED = declare(
    "realtime-function-output-rejected",
    "conversation.item.create of a function_call_output is refused: 'call_id not found'.",
    "realtime/function-call-output",
    breaks=["realtime/function-call-output"],
)
FOLLOW_UP_FAILS = declare(
    "realtime-function-follow-up-fails",
    "The response after a function_call_output ends with status failed.",
    "realtime/function-call-output",
    breaks=["realtime/function-call-output"],
)
