"""Eval runs: create a run over inline jsonl rows, follow its lifecycle to the end, check its
result counts and output items, cancel one, delete one.

Runs are costly (``--allow costly``). The tests that only read a finished run share one
(``finished_run``, per module); the others create their own through ``new_run``, which
registers a cancel should the run still be going at the end of the session.
"""

from __future__ import annotations

from typing import Any

import pytest
from eval_steps import (
    CANCEL_RUN,
    CREATE_RUN,
    DELETE_RUN,
    EXPECTED_COUNTS,
    GET_ITEM,
    GET_RUN,
    LIST_ITEMS,
    LIST_RUNS,
    ROWS,
    RUN,
    NewEval,
    NewRun,
    check,
    completed,
    list_output_items,
    report,
    run_path,
)

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.failures import show
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

FinishedRun = tuple[dict[str, Any], lc.Observed]


@pytest.mark.requirement("evals/run-create")
def test_create_run_answers_a_run_of_the_eval_that_its_list_shows(
    client: ConformanceClient, new_eval: NewEval, new_run: NewRun, oaic_config: RunConfig
) -> None:
    evaluation, _ = new_eval("run-created")
    eid = str(evaluation["id"])
    run, exchange = new_run(eid)
    source = run.get("data_source")
    kind = source.get("type") if isinstance(source, dict) else None
    sent = oaic_config.tag({"suite": "evals"})
    listed = client.request("GET", f"/evals/{eid}/runs", params={"limit": 100})
    page = assert_conforms(listed, LIST_RUNS)
    listed_ids = [r.get("id") for r in page.get("data") or [] if isinstance(r, dict)]
    report(
        *(
            check(
                ok, "run_create_conformance", title, exchange, operation=CREATE_RUN,
                pointer=pointer, expected=expected, actual=actual,
            )
            for ok, title, pointer, expected, actual in (
                (run.get("object") == "eval.run", "the created object is not an eval.run",
                 "/object", "'eval.run'", run.get("object")),
                (run.get("eval_id") == eid, "the run does not name its eval", "/eval_id",
                 repr(eid), run.get("eval_id")),
                (run.get("name") == f"{oaic_config.name_prefix}run",
                 "the run does not carry the request's name", "/name",
                 repr(f"{oaic_config.name_prefix}run"), run.get("name")),
                (run.get("metadata") == sent, "the run does not carry the request's metadata",
                 "/metadata", show(sent), run.get("metadata")),
                (kind == "jsonl", "the run's data source is not of the request's type",
                 "/data_source/type", "'jsonl'", kind),
                (run.get("status") in RUN.states, "the run is in an undocumented state",
                 "/status", "|".join(sorted(RUN.states)), run.get("status")),
            )
        ),
        check(
            run.get("id") in listed_ids, "run_create_conformance",
            "the eval's run list does not show the new run", listed, operation=LIST_RUNS,
            pointer="/data", expected=f"a run {run.get('id')!r}", actual=show(listed_ids),
        ),
    )  # fmt: skip


@pytest.mark.requirement("evals/run-lifecycle")
def test_run_moves_forward_only_and_completes(finished_run: FinishedRun) -> None:
    _, seen = finished_run
    lc.legal_transitions_conformance(seen.states, RUN, operation=GET_RUN, exchange=seen.exchange)
    completed(seen)


@pytest.mark.requirement("evals/run-result-counts")
def test_completed_run_counts_add_up_to_the_graded_items(finished_run: FinishedRun) -> None:
    _, seen = finished_run
    run = completed(seen)
    counts = run.get("result_counts") or {}
    parts = {k: counts.get(k) for k in ("passed", "failed", "errored")}
    numbers = [v for v in parts.values() if isinstance(v, int)]
    got = {"total": counts.get("total"), **parts}
    report(
        check(
            len(numbers) == 3 and counts.get("total") == sum(numbers),
            "result_counts_conformance", "result_counts.total is not passed + failed + errored",
            seen.exchange, operation=GET_RUN, pointer="/result_counts",
            expected="total = passed + failed + errored", actual=show(got),
        ),
        check(
            got == EXPECTED_COUNTS, "result_counts_conformance",
            f"result_counts do not match what the string check gives for {len(ROWS)} rows",
            seen.exchange, operation=GET_RUN, pointer="/result_counts",
            expected=show(EXPECTED_COUNTS), actual=show(got),
        ),
    )  # fmt: skip


@pytest.mark.requirement("evals/output-items")
def test_output_items_are_one_per_graded_item_and_retrieved_as_listed(
    client: ConformanceClient, finished_run: FinishedRun
) -> None:
    evaluation, seen = finished_run
    run = completed(seen)
    eid, rid = str(evaluation["id"]), str(run.get("id"))
    page, listed = list_output_items(client, run, eid)
    items = [i for i in page.get("data") or [] if isinstance(i, dict)]
    statuses = [i.get("status") for i in items]
    counts = run.get("result_counts") or {}
    wrong_owner = [i.get("id") for i in items if (i.get("run_id"), i.get("eval_id")) != (rid, eid)]
    found = [
        check(
            len(items) == len(ROWS), "output_items_conformance",
            "the run does not list one output item per data item", listed,
            operation=LIST_ITEMS, pointer="/data", expected=f"{len(ROWS)} items",
            actual=f"{len(items)} items",
        ),
        check(
            statuses.count("pass") == counts.get("passed"), "output_items_conformance",
            "the items that pass do not agree with result_counts.passed", listed,
            operation=LIST_ITEMS, pointer="/data", expected=f"{counts.get('passed')} pass",
            actual=show(statuses),
        ),
        check(
            not wrong_owner, "output_items_conformance",
            "output items name another run or eval", listed, operation=LIST_ITEMS,
            pointer="/data", expected=f"run_id {rid!r}, eval_id {eid!r}",
            actual=show(wrong_owner),
        ),
    ]  # fmt: skip
    # The documented status filter: exactly the failing items of the full list.
    filtered = client.request(
        "GET", f"{run_path(run, eid)}/output_items", params={"limit": 100, "status": "fail"}
    )
    failing = [i.get("id") for i in assert_conforms(filtered, LIST_ITEMS).get("data") or []]
    want_failing = [i.get("id") for i in items if i.get("status") == "fail"]
    found.append(
        check(
            failing == want_failing, "output_items_conformance",
            "status=fail does not list exactly the failing output items", filtered,
            operation=LIST_ITEMS, pointer="/data", expected=show(want_failing),
            actual=show(failing),
        )
    )  # fmt: skip
    if items:
        first = items[0]
        exchange = client.request("GET", f"{run_path(run, eid)}/output_items/{first.get('id')}")
        got = assert_conforms(exchange, GET_ITEM)
        keys = ("id", "run_id", "eval_id", "status", "datasource_item_id", "results")
        found.append(
            check(
                all(got.get(k) == first.get(k) for k in keys), "output_items_conformance",
                "the retrieved output item differs from the listed one", exchange,
                operation=GET_ITEM, pointer="", expected=show({k: first.get(k) for k in keys}),
                actual=show({k: got.get(k) for k in keys}),
            )
        )  # fmt: skip
    report(*found)


@pytest.mark.requirement("evals/run-cancel")
def test_cancel_moves_a_running_run_to_canceled(
    client: ConformanceClient, new_eval: NewEval, new_run: NewRun, oaic_config: RunConfig
) -> None:
    evaluation, _ = new_eval("run-canceled")
    eid = str(evaluation["id"])
    run, _ = new_run(eid)
    exchange = client.request("POST", run_path(run, eid))
    answer = assert_conforms(exchange, CANCEL_RUN)
    seen = lc.Observed(
        states=[str(run.get("status")), str(answer.get("status"))], body=answer, exchange=exchange
    )
    # A target may cancel asynchronously: the run must end canceled, whatever the answer says.
    seen = lc.observe(
        client,
        run_path(run, eid),
        RUN,
        deadline=lc.deadline_s(oaic_config, "evals"),
        fast=lc.is_reference(oaic_config),
        start=seen,
    )
    lc.reached_conformance(seen, RUN, {"canceled"}, operation=GET_RUN)
    again = client.request("GET", run_path(run, eid))
    body = assert_conforms(again, GET_RUN)
    report(
        check(
            body.get("status") == "canceled", "run_cancel_conformance",
            "the canceled run did not stay canceled", again, operation=GET_RUN,
            pointer="/status", expected="'canceled'", actual=body.get("status"),
        )
    )  # fmt: skip


@pytest.mark.requirement("evals/run-delete")
def test_delete_run_answers_deleted_and_the_run_is_then_404(
    client: ConformanceClient, new_eval: NewEval, new_run: NewRun
) -> None:
    evaluation, _ = new_eval("run-deleted")
    eid = str(evaluation["id"])
    run, _ = new_run(eid)
    exchange = client.request("DELETE", run_path(run, eid))
    answer = assert_conforms(exchange, DELETE_RUN)
    want = {"object": "eval.run.deleted", "deleted": True, "run_id": run.get("id")}
    report(
        *lc.wrong_fields(
            answer, want, exchange, check_name="run_deleted_conformance",
            what="the run delete's answer", operation=DELETE_RUN,
        )
    )  # fmt: skip
    assert_error(client.request("GET", run_path(run, eid)), 404, op=GET_RUN)
