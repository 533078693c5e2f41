"""A step that must succeed: its answer is 2xx, or the route is absent (UNSUPPORTED), or FAIL.

Scenario tests chain steps (create a store, attach files, cancel a batch). A documented 4xx
passes ``assert_conforms`` and the next step would trip over a body without ``id`` (an ERROR,
our fault); ``accepted`` turns every refusal into the outcome it deserves instead:

* **UNSUPPORTED** when the operation belongs to an optional sub-feature of the registry
  (``suites/<x>/feature.yaml``) and its answer says the route is absent. The one absence rule
  decides (``contract.features.absent_answer``, applied as to an id route: 405/501 always, a
  404 whose body is not the OpenAI error envelope). A 404 *with* the envelope is ambiguous on
  a route naming objects (no such route, or no such object: the sub-feature's probe with a
  missing id cannot tell either), so the evidence decides: when ``parent`` (the path of the
  object this test just created and the route hangs from) is retrievable (2xx), the object
  exists and the route is what is missing: UNSUPPORTED, with both answers in the reason.
* **FAIL** otherwise, with the refusal as evidence: the target refused a valid request of the
  test (a create, or a step naming objects it created: ``<feature>.step_accepted_conformance``),
  or its answer does not conform to the contract (``assert_conforms``).

Absence is judged before conformance: whether an absent route's 404 carries the envelope is
judged once, by core/unknown-route-404, never by every step that meets it.
"""

from __future__ import annotations

from typing import Any

from ...checks import assert_conforms
from ...checks.exchange import view
from ...checks.failures import Failure, show
from ...checks.outcomes import Unsupported
from ...contract.features import Feature, absent_answer, registry
from ...wire.client import ConformanceClient
from .failing import fail

CHECK = "step_accepted_conformance"
EXCERPT = 120


def accepted(
    exchange: Any,
    operation: str,
    *,
    client: ConformanceClient | None = None,
    parent: str | None = None,
) -> dict[str, Any]:
    """The JSON body of a step that must succeed (see module doc for the outcomes).

    ``operation`` is the spec operation (``"POST /batches/{batch_id}/cancel"``); ``parent``
    with ``client``: the path of an object the route hangs from, read (``GET``) only when a
    404 with the error envelope leaves absence undecided.
    """
    status = view(exchange).status
    owner = registry().owner_of_operation(operation)
    if not 200 <= status < 300 and owner is not None and owner.parent is not None:
        reason = _absence(exchange, operation, owner, client, parent)
        if reason is not None:
            raise Unsupported(reason)
    body = assert_conforms(exchange, operation)
    if not 200 <= status < 300:
        error = body.get("error") if isinstance(body, dict) else None
        shown = show(error if error is not None else body) if body is not None else "(not JSON)"
        feature = owner.folder if owner is not None else operation.split("/")[1]
        fail(
            Failure.of(
                f"{feature}.{CHECK}",
                f"a valid request of this test was refused ({status})",
                operation=operation,
                expected="2xx",
                actual=f"{status} {shown}",
                exchange=exchange,
            )
        )
    return dict(body) if isinstance(body, dict) else {}


def _absence(
    exchange: Any,
    operation: str,
    owner: Feature,
    client: ConformanceClient | None,
    parent: str | None,
) -> str | None:
    """Why the route of ``operation`` is absent (None when the answer does not say so)."""
    answer = view(exchange)
    said = f"{operation} answered {answer.status_line()}: {_excerpt(answer)}"
    if absent_answer(answer.status, answer.json_or_none(), missing_object=True):
        return f"{owner.name}: the target does not implement it: {said}"
    if answer.status != 404 or client is None or parent is None:
        return None  # a refusal of a present route, or a 404 with nothing to weigh it against
    seen = view(client.request("GET", parent))
    if not 200 <= seen.status < 300:
        return None  # the object itself is gone: the target lost it (FAIL, not absence)
    return (
        f"{owner.name}: the target does not implement it: {said}; while GET {parent} "
        f"answered {seen.status} (the object exists, its route is missing)"
    )


def _excerpt(answer: Any) -> str:
    text = answer.content.decode("utf-8", "replace") if answer.content else ""
    return " ".join(text.split())[:EXCERPT] or "(empty body)"
