"""Files list: purpose filter, order, limit/after pagination and a consistent list envelope.

The account may hold other files (a real provider), so every check looks at the files this
test created and ignores the rest; newest-first order keeps ours on the first pages.
"""

from __future__ import annotations

import pytest

from openai_conformance.checks import assert_conforms
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.scenario.cleanup import CleanupRegistry
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

OP = "GET /files"


def _make(
    client: ConformanceClient,
    cleanup: CleanupRegistry,
    config: RunConfig,
    n: int,
    purpose: str = "user_data",
) -> list[str]:
    """``n`` uploaded files named with the run id (``oaic-<run>-l<i>.txt``); their ids."""
    return [
        lc.upload_file(
            client,
            cleanup,
            f"file {i}\n".encode(),
            purpose=purpose,
            filename=f"{config.name_prefix}l{i}.txt",
        )["id"]
        for i in range(n)
    ]


@pytest.mark.requirement("files/list-purpose-filter")
def test_list_with_purpose_filter_returns_only_that_purpose(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    _make(client, cleanup, oaic_config, 1, purpose="assistants")
    mine = _make(client, cleanup, oaic_config, 1, purpose="user_data")
    exchange = client.request("GET", "/files", params={"purpose": "assistants", "limit": 100})
    page = assert_conforms(exchange, OP)
    wrong = [f.get("id") for f in page.get("data") or [] if f.get("purpose") != "assistants"]
    if wrong or mine[0] in [f.get("id") for f in page.get("data") or []]:
        lc.fail(
            Failure.of(
                "purpose_filter_conformance",
                "purpose=assistants returned files of another purpose",
                operation=OP,
                pointer="/data",
                expected="only files with purpose 'assistants'",
                actual=f"other purposes: {wrong[:10]}",
                exchange=exchange,
            )
        )


@pytest.mark.requirement("files/list-order")
def test_list_order_asc_and_desc_follow_creation_order(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    ids = _make(client, cleanup, oaic_config, 3)
    seen: dict[str, list[str]] = {}
    exchanges = {}
    for order in ("asc", "desc"):
        exchange = client.request(
            "GET", "/files", params={"order": order, "limit": 100, "purpose": "user_data"}
        )
        page = assert_conforms(exchange, OP)
        seen[order] = [f["id"] for f in page.get("data") or [] if f.get("id") in ids]
        exchanges[order] = exchange
    failures = []
    for order, want in (("asc", ids), ("desc", ids[::-1])):
        if seen[order] != want:
            failures.append(
                Failure.of(
                    "list_order_conformance",
                    f"order={order} does not list files in {order}ending creation order",
                    operation=OP,
                    pointer="/data",
                    expected=want,
                    actual=seen[order],
                    exchange=exchanges[order],
                )
            )
    lc.fail(failures)


@pytest.mark.requirement("files/list-pagination")
def test_list_pagination_walks_every_file_exactly_once(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    ids = _make(client, cleanup, oaic_config, 5)
    walk = lc.walk_list(
        client, "/files", limit=2, params={"purpose": "user_data", "order": "desc"}, stop_after=ids
    )
    lc.pagination_walk_conformance(walk, ids[::-1], operation=OP, limit=2)


@pytest.mark.requirement("files/list-envelope-consistent")
def test_list_has_more_and_first_last_ids_agree_with_the_page(
    client: ConformanceClient, cleanup: CleanupRegistry, oaic_config: RunConfig
) -> None:
    _make(client, cleanup, oaic_config, 3)
    failures = []
    # limit=1 with at least three files: a further page exists, so has_more must be true.
    short = client.request("GET", "/files", params={"limit": 1, "purpose": "user_data"})
    problems = lc.list_envelope_problems(assert_conforms(short, OP), last_page=False)
    # The whole list in one page (the documented maximum is 10000): has_more must be false.
    full = client.request("GET", "/files", params={"limit": 10000, "purpose": "user_data"})
    full_page = assert_conforms(full, OP)
    complete = len(full_page.get("data") or []) < 10000
    for exchange, found in (
        (short, problems),
        (full, lc.list_envelope_problems(full_page, last_page=True if complete else None)),
    ):
        failures += [
            Failure.of(
                "list_envelope_conformance",
                "inconsistent list envelope",
                operation=OP,
                message=problem,
                exchange=exchange,
            )
            for problem in found
        ]
    lc.fail(failures)
