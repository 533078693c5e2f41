"""Stream invariants of Chat Completions and Responses, built once and shared by the suites.

* ``assemble_chat_stream`` (``chat_assembly``): a chat stream assembled per choice (content,
  role, tool calls by ``index``, finish reason, usage chunks, ``[DONE]``, error events);
  ``chat_checks``: one ``chat_stream_*_conformance`` check per invariant.
* ``replay_responses_stream`` (``responses_machine``): the Responses event sequence run
  through a state machine (first event, ``sequence_number``, output_item/content_part nesting,
  deltas vs done values vs the final response, exactly one terminal event);
  ``responses_checks``: one ``responses_stream_*_conformance`` check per invariant.
* ``chat_parallel_logprobs``: ``chat_stream_parallel_tool_calls_conformance`` (several calls
  streamed by ``index``) and ``chat_stream_logprobs_conformance`` (token entries per chunk).
* ``tools``: ``tool_call_problems`` and ``usage_problems``, shared by streamed and
  non-streamed checks; ``logprobs``: ``entry_problems`` and ``stream_logprob_problems``.
"""

from .chat_assembly import ChatStream, assemble_chat_stream
from .chat_checks import (
    chat_stream_completed_conformance,
    chat_stream_finish_reason_conformance,
    chat_stream_ids_conformance,
    chat_stream_reasoning_fields_conformance,
    chat_stream_role_conformance,
    chat_stream_terminal_conformance,
    chat_stream_tool_call_deltas_conformance,
    chat_stream_usage_conformance,
)
from .chat_parallel_logprobs import (
    calls_of,
    chat_stream_logprobs_conformance,
    chat_stream_parallel_tool_calls_conformance,
)
from .common import Parsed, events_of, parsed, stream_failure
from .logprobs import entry_problems, stream_logprob_problems, stream_tokens, streams_logprobs
from .responses_checks import (
    responses_stream_completed_conformance,
    responses_stream_deltas_conformance,
    responses_stream_first_event_conformance,
    responses_stream_nesting_conformance,
    responses_stream_sequence_conformance,
    responses_stream_terminal_conformance,
)
from .responses_machine import ResponsesStream, replay_responses_stream
from .tools import tool_call_problems, usage_problems

__all__ = [
    "ChatStream",
    "Parsed",
    "ResponsesStream",
    "assemble_chat_stream",
    "calls_of",
    "chat_stream_completed_conformance",
    "chat_stream_finish_reason_conformance",
    "chat_stream_ids_conformance",
    "chat_stream_logprobs_conformance",
    "chat_stream_parallel_tool_calls_conformance",
    "chat_stream_reasoning_fields_conformance",
    "chat_stream_role_conformance",
    "chat_stream_terminal_conformance",
    "chat_stream_tool_call_deltas_conformance",
    "chat_stream_usage_conformance",
    "entry_problems",
    "events_of",
    "parsed",
    "replay_responses_stream",
    "responses_stream_completed_conformance",
    "responses_stream_deltas_conformance",
    "responses_stream_first_event_conformance",
    "responses_stream_nesting_conformance",
    "responses_stream_sequence_conformance",
    "responses_stream_terminal_conformance",
    "stream_failure",
    "stream_logprob_problems",
    "stream_tokens",
    "streams_logprobs",
    "tool_call_problems",
    "usage_problems",
]
