"""Shared machinery of the lifecycle suites (files, uploads, batches, fine-tuning).

Import it as ``from openai_conformance import lifecycles as lc``; everything is re-exported:

* ``machines``: the documented state machines (``BATCH``, ``FINE_TUNING``, ``UPLOAD``, built by
  ``machine(feature)`` from suites/<feature>/feature.yaml) with the timestamp field each batch
  state sets, and the checks over a polled state timeline
  (``legal_transitions_conformance``: only documented moves, never backwards;
  ``timestamps_conformance``: a reached state's timestamp exists and they never decrease).
* ``listing``: ``walk_list`` (limit/after), ``pagination_walk_conformance`` (every item exactly
  once, in order) and ``list_envelope_problems`` (first_id/last_id/has_more agree with data).
* ``jsonl``: batch input lines, supervised and DPO training files, digests.
* ``target``: profile-driven deadlines and submit-only, the ``costly`` gate, cleanup
  registration, ``upload_file``, ``observe`` (poll with evidence of every state),
  ``reached_conformance``. (UNSUPPORTED for a target without the feature is the plugin's
  absence rule, from the feature registry.)
* ``crud``: ``metadata_update_conformance`` (update then retrieve carry the pairs sent),
  ``retrieve_matches_create_conformance`` (a retrieve repeats the create's stable fields),
  ``wrong_fields`` (one check per expected field value, for ``report``).
* ``accepting``: ``accepted`` judges a step that must succeed: 2xx, UNSUPPORTED when the
  route of an optional sub-feature is absent (the one absence rule, a 404 weighed against its
  parent object), FAIL otherwise (never a crash on the next step).
* ``failing``: ``fail`` raises the failures of invariants no generic check covers; ``check``
  builds one from a condition, ``report`` raises those found.
"""

from .accepting import accepted
from .crud import metadata_update_conformance, retrieve_matches_create_conformance, wrong_fields
from .failing import check, fail, report
from .jsonl import (
    MIN_TRAINING_EXAMPLES,
    batch_line,
    chat_batch_line,
    dpo_training_jsonl,
    embeddings_batch_line,
    invalid_training_jsonl,
    jsonl,
    md5,
    parse_jsonl,
    sft_training_jsonl,
    sha256,
)
from .listing import PageWalk, list_envelope_problems, pagination_walk_conformance, walk_list
from .machines import (
    BATCH,
    FINE_TUNING,
    UPLOAD,
    StateMachine,
    collapse,
    illegal_moves,
    legal_transitions_conformance,
    machine,
    render_timeline,
    timestamps_conformance,
)
from .target import (
    DEFAULT_DEADLINES,
    REFERENCE_DEADLINE_S,
    Observed,
    allowed,
    deadline_s,
    is_reference,
    model_for,
    observe,
    reached_conformance,
    register_cancel,
    register_undo,
    require_allowed,
    submit_only,
    upload_file,
)

__all__ = [
    "BATCH",
    "DEFAULT_DEADLINES",
    "FINE_TUNING",
    "MIN_TRAINING_EXAMPLES",
    "REFERENCE_DEADLINE_S",
    "UPLOAD",
    "Observed",
    "PageWalk",
    "StateMachine",
    "accepted",
    "allowed",
    "batch_line",
    "chat_batch_line",
    "check",
    "collapse",
    "deadline_s",
    "dpo_training_jsonl",
    "embeddings_batch_line",
    "fail",
    "illegal_moves",
    "invalid_training_jsonl",
    "is_reference",
    "jsonl",
    "legal_transitions_conformance",
    "list_envelope_problems",
    "machine",
    "md5",
    "metadata_update_conformance",
    "model_for",
    "observe",
    "pagination_walk_conformance",
    "parse_jsonl",
    "reached_conformance",
    "register_cancel",
    "register_undo",
    "render_timeline",
    "report",
    "require_allowed",
    "retrieve_matches_create_conformance",
    "sft_training_jsonl",
    "sha256",
    "submit_only",
    "timestamps_conformance",
    "upload_file",
    "walk_list",
    "wrong_fields",
]
