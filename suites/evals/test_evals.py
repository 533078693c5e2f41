"""Evals: create with a data source config, testing criteria and metadata, retrieve, update
metadata, list page by page, delete and see it gone.

Every eval is created by the ``new_eval`` fixture: named with the run's prefix, tagged with the
run id and registered for deletion before anything can fail.
"""

from __future__ import annotations

import pytest
from eval_steps import (
    CREATE,
    CRITERION,
    DELETE,
    LIST,
    RETRIEVE,
    UPDATE,
    NewEval,
    check,
    report,
)

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.failures import show
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

#: Fields a retrieve must answer exactly as the create did.
STABLE = ("id", "object", "name", "created_at", "data_source_config", "testing_criteria")


def _criteria(body: dict[str, object]) -> list[tuple[object, object]]:
    """(type, name) of each testing criterion, in order: what identifies a grader whatever
    defaults a target adds to it."""
    items = body.get("testing_criteria")
    rows = items if isinstance(items, list) else []
    return [(c.get("type"), c.get("name")) for c in rows if isinstance(c, dict)]


@pytest.mark.requirement("evals/create-echoes")
def test_create_returns_an_eval_echoing_the_request(
    new_eval: NewEval, oaic_config: RunConfig
) -> None:
    created, exchange = new_eval("created")
    sent = oaic_config.tag({"suite": "evals", "step": "created"})
    config = created.get("data_source_config")
    config_type = config.get("type") if isinstance(config, dict) else None
    want_criteria = [(CRITERION["type"], CRITERION["name"])]
    report(
        check(
            created.get("object") == "eval", "create_echo_conformance",
            "the created object is not an eval", exchange, operation=CREATE,
            pointer="/object", expected="'eval'", actual=created.get("object"),
        ),
        check(
            created.get("name") == f"{oaic_config.name_prefix}eval-created",
            "create_echo_conformance", "the eval does not carry the request's name", exchange,
            operation=CREATE, pointer="/name",
            expected=repr(f"{oaic_config.name_prefix}eval-created"), actual=created.get("name"),
        ),
        check(
            config_type == "custom", "create_echo_conformance",
            "the data source config is not of the request's type", exchange, operation=CREATE,
            pointer="/data_source_config/type", expected="'custom'", actual=config_type,
        ),
        check(
            _criteria(created) == want_criteria, "create_echo_conformance",
            "the testing criteria are not the request's", exchange, operation=CREATE,
            pointer="/testing_criteria", expected=show(want_criteria),
            actual=show(_criteria(created)),
        ),
        check(
            created.get("metadata") == sent, "create_echo_conformance",
            "the eval does not carry the request's metadata", exchange, operation=CREATE,
            pointer="/metadata", expected=show(sent), actual=created.get("metadata"),
        ),
    )  # fmt: skip


@pytest.mark.requirement("evals/retrieve-matches-create")
def test_retrieve_returns_the_created_eval(client: ConformanceClient, new_eval: NewEval) -> None:
    created, _ = new_eval("retrieved")
    exchange = client.request("GET", f"/evals/{created['id']}")
    got = assert_conforms(exchange, RETRIEVE)
    lc.retrieve_matches_create_conformance(
        created, got, exchange, (*STABLE, "metadata"), operation=RETRIEVE
    )


@pytest.mark.requirement("evals/update-metadata")
def test_update_replaces_the_metadata_and_retrieve_shows_it(
    client: ConformanceClient, new_eval: NewEval, oaic_config: RunConfig
) -> None:
    created, _ = new_eval("created")
    eid = created["id"]
    wanted = oaic_config.tag({"suite": "evals", "step": "updated"})
    lc.metadata_update_conformance(
        client, f"/evals/{eid}", wanted, update=UPDATE, retrieve=RETRIEVE
    )


@pytest.mark.requirement("evals/list-contains")
def test_list_pages_visit_every_created_eval_once_with_consistent_cursors(
    client: ConformanceClient, new_eval: NewEval
) -> None:
    ids = [str(new_eval(f"listed-{n}")[0]["id"]) for n in range(3)]
    limit = 2
    # Newest first: on a shared account the evals just created lead the list.
    walk = lc.walk_list(
        client, "/evals", limit=limit, params={"order": "desc"}, stop_after=ids, max_pages=10
    )
    # Every page's first_id/last_id must agree with its data, an empty page naming none
    # (issue 14: a server listed data: [] with first_id/last_id of existing evals).
    lc.pagination_walk_conformance(walk, ids[::-1], operation=LIST, limit=limit)


@pytest.mark.requirement("evals/delete")
def test_delete_answers_deleted_and_the_eval_is_then_404(
    client: ConformanceClient, new_eval: NewEval
) -> None:
    created, _ = new_eval("deleted")
    eid = created["id"]
    exchange = client.request("DELETE", f"/evals/{eid}")
    answer = assert_conforms(exchange, DELETE)
    want = {"object": "eval.deleted", "deleted": True, "eval_id": eid}
    report(
        *lc.wrong_fields(
            answer, want, exchange, check_name="deleted_conformance",
            what="the delete's answer", operation=DELETE,
        )
    )  # fmt: skip
    # The cleanup entry stays: its undo counts a 404 as done.
    assert_error(client.request("GET", f"/evals/{eid}"), 404, op=RETRIEVE)
