"""Containers: create with a name (and expires_after), retrieve, list page by page, delete and
see it gone.

Every container is created by the ``new_container`` fixture: named with the run's prefix and
registered for deletion before anything can fail. Creating containers is costly.
"""

from __future__ import annotations

import pytest
from container_steps import CREATE, DELETE, LIST, RETRIEVE, NewContainer, check, report

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.failures import show
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

#: Fields a retrieve must answer exactly as the create did (status and last_active_at move).
STABLE = ("id", "object", "name", "created_at")


@pytest.mark.requirement("containers/create-echoes")
def test_create_returns_a_container_with_the_request_name(
    new_container: NewContainer, oaic_config: RunConfig
) -> None:
    created, exchange = new_container("created")
    name = f"{oaic_config.name_prefix}created"
    report(
        check(
            created.get("object") == "container", "create_echo_conformance",
            "the created object is not a container", exchange, operation=CREATE,
            pointer="/object", expected="'container'", actual=created.get("object"),
        ),
        check(
            created.get("name") == name, "create_echo_conformance",
            "the container does not carry the request's name", exchange, operation=CREATE,
            pointer="/name", expected=repr(name), actual=created.get("name"),
        ),
    )  # fmt: skip


@pytest.mark.requirement("containers/retrieve-matches-create")
def test_retrieve_returns_the_created_container(
    client: ConformanceClient, new_container: NewContainer
) -> None:
    created, _ = new_container("retrieved")
    exchange = client.request("GET", f"/containers/{created['id']}")
    got = assert_conforms(exchange, RETRIEVE)
    lc.retrieve_matches_create_conformance(created, got, exchange, STABLE, operation=RETRIEVE)


@pytest.mark.requirement("containers/list-contains")
def test_list_pages_visit_every_created_container_once_newest_first(
    client: ConformanceClient, new_container: NewContainer
) -> None:
    ids = [str(new_container(f"listed-{n}")[0]["id"]) for n in range(3)]
    limit = 2
    walk = lc.walk_list(
        client, "/containers", limit=limit, params={"order": "desc"}, stop_after=ids, max_pages=10
    )
    lc.pagination_walk_conformance(walk, ids[::-1], operation=LIST, limit=limit)


@pytest.mark.requirement("containers/delete")
def test_delete_succeeds_and_the_container_is_then_404(
    client: ConformanceClient, new_container: NewContainer
) -> None:
    created, _ = new_container("deleted")
    cid = created["id"]
    # The contract documents the 200 without a body: only the status and headers are judged.
    assert_conforms(client.request("DELETE", f"/containers/{cid}"), DELETE)
    # The cleanup entry stays: its undo counts a 404 as done.
    assert_error(client.request("GET", f"/containers/{cid}"), 404, op=RETRIEVE)


@pytest.mark.requirement("containers/expires-after")
def test_create_with_expires_after_answers_it_and_a_sane_last_active_at(
    new_container: NewContainer,
) -> None:
    wanted = {"anchor": "last_active_at", "minutes": 5}
    created, exchange = new_container("expiring", expires_after=wanted)
    raw = created.get("expires_after")
    echoed = {k: raw.get(k) for k in wanted} if isinstance(raw, dict) else raw
    created_at, active = created.get("created_at"), created.get("last_active_at")
    sane = active is None or (
        isinstance(active, int) and isinstance(created_at, int) and active >= created_at
    )
    report(
        check(
            echoed == wanted, "expires_after_conformance",
            "the container does not answer the requested expires_after", exchange,
            operation=CREATE, pointer="/expires_after", expected=show(wanted), actual=show(raw),
        ),
        check(
            sane, "expires_after_conformance",
            "last_active_at (the expiry's anchor) is before the container was created",
            exchange, operation=CREATE, pointer="/last_active_at",
            expected=f"a timestamp >= created_at ({created_at})", actual=show(active),
        ),
    )  # fmt: skip
