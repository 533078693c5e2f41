"""Realtime sessions: session.created first, session.update reflected, errors carrying the
client event_id without ending the session, and every server event valid against the spec."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from rt_steps import add_user_message, run_response

from openai_conformance.contract import Spec
from openai_conformance.contract.validation import SchemaValidator
from openai_conformance.scenario.realtime import new_event_id, schema_problems
from openai_conformance.target.config import RunConfig

INVALID_EVENT = {"type": "oaic.not_a_client_event", "payload": "anything"}


@pytest.mark.requirement("realtime/session-created-first")
def test_session_created_is_the_first_server_event(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        # A client event right away: a server that skips session.created answers it first,
        # so the test never waits for an event that will not come.
        rt.send({"type": "session.update", "session": {"type": "realtime"}})
        first = rt.next_event(rt.reply_s)
        kind = first.get("type") if isinstance(first, dict) else None
        if kind != "session.created":
            raise rt.fail(
                "the first server event is not session.created",
                check="realtime_session_created_conformance",
                pointer="/type",
                expected="session.created",
                actual=kind or first,
            )
        if (first.get("session") or {}).get("type") != "realtime":
            raise rt.fail(
                "session.created does not carry a realtime session",
                check="realtime_session_created_conformance",
                pointer="/session/type",
                expected="realtime",
                actual=(first.get("session") or {}).get("type"),
            )


@pytest.mark.requirement("realtime/session-update-reflected")
def test_session_update_is_answered_with_the_updated_session(
    realtime: Callable[..., AbstractContextManager[Any]], oaic_config: RunConfig
) -> None:
    instructions = f"oaic-{oaic_config.run_id}: answer in one short sentence."
    with realtime() as rt:
        update = {"type": "realtime", "instructions": instructions, "output_modalities": ["text"]}
        rt.send({"type": "session.update", "session": update})
        session = rt.wait_for("session.updated").get("session") or {}
        wrong = [
            (field, want, session.get(field))
            for field, want in (("instructions", instructions), ("output_modalities", ["text"]))
            if session.get(field) != want
        ]
        if wrong:
            field, want, got = wrong[0]
            raise rt.fail(
                f"session.updated does not reflect the updated {field}",
                check="realtime_session_update_conformance",
                pointer=f"/session/{field}",
                expected=repr(want),
                actual=got,
            )


@pytest.mark.requirement("realtime/error-event-id")
def test_invalid_client_event_gets_error_carrying_its_event_id(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        event_id = rt.send({**INVALID_EVENT, "event_id": new_event_id()})
        error = rt.wait_for("error").get("error") or {}
        if error.get("event_id") != event_id:
            raise rt.fail(
                "the error event does not carry the client event_id",
                check="realtime_error_event_id_conformance",
                pointer="/error/event_id",
                expected=event_id,
                actual=error.get("event_id"),
            )


@pytest.mark.requirement("realtime/session-survives-error")
def test_session_answers_valid_events_after_an_error(
    realtime: Callable[..., AbstractContextManager[Any]],
) -> None:
    with realtime() as rt:
        rt.send(INVALID_EVENT)
        rt.wait_for("error")
        rt.send({"type": "session.update", "session": {"type": "realtime"}})
        rt.wait_for("session.updated")


@pytest.mark.requirement("realtime/server-event-schema")
def test_every_server_event_matches_its_schema(
    realtime: Callable[..., AbstractContextManager[Any]],
    oaic_config: RunConfig,
    spec: Spec,
    validator: SchemaValidator,
) -> None:
    with realtime() as rt:
        rt.send(
            {"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief."}}
        )
        rt.wait_for("session.updated")
        add_user_message(rt, "Say hello.")
        run_response(rt, oaic_config, ["text"])
        problems = schema_problems(rt.events, spec, validator)
    if problems:
        index, message, actual = problems[0]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise rt.fail(
            f"server event {index} violates its schema{more}",
            check="realtime_event_schema_conformance",
            pointer=f"/events/{index}",
            message=message,
            actual=actual,
        )
