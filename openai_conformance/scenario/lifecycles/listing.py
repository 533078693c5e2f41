"""List envelopes and cursor pagination: walk ``limit``/``after`` pages and judge them.

``walk_list`` follows ``after=<last id>`` through the project's client; it deliberately does not
trust ``has_more`` to stop, so a wrong ``has_more`` (judged by ``list_envelope_problems``) and an
ignored cursor (judged by ``pagination_walk_conformance``) fail different checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...checks.failures import Failure, show
from .failing import fail


def list_envelope_problems(page: Mapping[str, Any], *, last_page: bool | None) -> list[str]:
    """What is inconsistent in one list envelope (empty when it is consistent).

    ``last_page`` is True/False when the caller knows whether more items follow (then
    ``has_more`` must say so), None when it does not.
    """
    problems: list[str] = []
    data = page.get("data")
    if not isinstance(data, list):
        return [f"/data is not an array: {show(data)}"]
    ids = [item.get("id") if isinstance(item, dict) else None for item in data]
    if data:
        if "first_id" in page and page.get("first_id") != ids[0]:
            problems.append(f"/first_id is {show(page.get('first_id'))}, data[0].id is {ids[0]!r}")
        if "last_id" in page and page.get("last_id") != ids[-1]:
            problems.append(f"/last_id is {show(page.get('last_id'))}, data[-1].id is {ids[-1]!r}")
    else:
        # An empty page has no first or last object: a cursor naming one points at objects
        # the page does not hold (a server once answered data: [] with the ids of its evals).
        for key in ("first_id", "last_id"):
            if isinstance(page.get(key), str) and page.get(key):
                problems.append(f"/{key} is {show(page.get(key))} but /data is empty")
    if last_page is not None and "has_more" in page and page.get("has_more") is last_page:
        problems.append(
            f"/has_more is {show(page.get('has_more'))} but "
            + ("no further item exists" if last_page else "further items exist")
        )
    if len(set(ids)) != len(ids):
        problems.append("/data repeats an id within one page")
    return problems


@dataclass
class PageWalk:
    """What walking a list with ``limit``/``after`` saw: pages and every id in visit order."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    exchanges: list[Any] = field(default_factory=list)
    truncated: bool = False  # stopped at max_pages with has_more still true


def pagination_walk_conformance(
    walk: PageWalk,
    expected_ids: Sequence[str],
    *,
    operation: str,
    limit: int,
    check_envelope: bool = True,
) -> None:
    """Fail unless every id in ``expected_ids`` was visited exactly once, in order.

    ``expected_ids`` is the full expected order of *our* objects (other objects may be
    interleaved on a shared real account; they are ignored). With ``check_envelope`` every
    page's ``first_id``/``last_id`` must agree with the data.
    """
    failures: list[Failure] = []
    last = walk.exchanges[-1] if walk.exchanges else None
    mine = set(expected_ids)
    visited = [i for i in walk.ids if i in mine]
    dupes = sorted({i for i in visited if visited.count(i) > 1})
    missing = [i for i in expected_ids if i not in visited]
    if dupes or missing:
        failures.append(
            Failure.of(
                "pagination_walk_conformance",
                "walking the list with limit/after does not visit every item exactly once",
                operation=operation,
                pointer="/data",
                expected=f"{len(expected_ids)} created items, each once (limit={limit})",
                actual=f"{len(walk.pages)} pages; repeated {dupes}; never seen {missing}",
                exchange=last,
            )
        )
    elif visited != list(expected_ids):
        failures.append(
            Failure.of(
                "pagination_walk_conformance",
                "pages do not continue where the previous page ended",
                operation=operation,
                pointer="/data",
                expected=show(list(expected_ids)),
                actual=show(visited),
                exchange=last,
            )
        )
    if check_envelope:
        for n, page in enumerate(walk.pages):
            # has_more is not judged here: the walk may stop early on a shared account.
            for problem in list_envelope_problems(page, last_page=None):
                failures.append(
                    Failure.of(
                        "list_envelope_conformance",
                        f"page {n + 1} of {len(walk.pages)}: inconsistent list envelope",
                        operation=operation,
                        message=problem,
                        exchange=walk.exchanges[n] if n < len(walk.exchanges) else None,
                    )
                )
    fail(failures)


def walk_list(
    client: Any,
    path: str,
    *,
    limit: int,
    params: Mapping[str, Any] | None = None,
    stop_after: Iterable[str] = (),
    max_pages: int = 50,
) -> PageWalk:
    """Follow ``after=<last id>`` from the first page; stops on an empty page, once every id in
    ``stop_after`` was seen (real accounts hold other objects), or at ``max_pages``.

    ``has_more`` is deliberately not trusted to stop the walk (the envelope checks judge it),
    so a wrong ``has_more`` and an ignored cursor fail different checks. A later page that
    answers an error fails ``pagination_walk_conformance`` naming the cursor.
    """
    from ...checks import assert_conforms

    walk = PageWalk()
    wanted = set(stop_after)
    after: str | None = None
    op = f"GET {operation_template(path)}"
    for _ in range(max_pages):
        query = {**dict(params or {}), "limit": limit}
        if after:
            query["after"] = after
        exchange = client.request("GET", path, params=query)
        page = assert_conforms(exchange, op)
        status = getattr(exchange, "status", None)
        if after and isinstance(status, int) and status >= 400:
            # A documented error is schema-conformant, but it is no page: read as an empty
            # page it would end the walk and blame the items it never reached.
            fail(
                Failure.of(
                    "pagination_walk_conformance",
                    f"the page after {after!r} (the previous page's last id) answered {status}",
                    operation=op,
                    pointer="/data",
                    expected="the next page of the list",
                    actual=f"{status} {show(page)}",
                    exchange=exchange,
                )
            )
        walk.pages.append(page)
        walk.exchanges.append(exchange)
        ids = [str(item.get("id")) for item in page.get("data") or []]
        walk.ids += ids
        if not ids or (wanted and wanted <= set(walk.ids)):
            return walk
        after = ids[-1]
    walk.truncated = True
    return walk


def operation_template(path: str, method: str = "GET") -> str:
    """``/batches/batch_abc/cancel`` → ``/batches/{batch_id}/cancel`` (for operation names).

    The template is the contract's own path for the operation the concrete path matches, so
    every resource (nested ones included) is named without a table kept by hand; a path the
    contract does not know is returned unchanged.
    """
    from ...contract import load_spec

    spec = load_spec()
    for verb in dict.fromkeys((method, "GET", "POST", "DELETE")):  # the path names the template
        match = spec.match(verb, path)
        if match:
            return match[0].path
    return path
