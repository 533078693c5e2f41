"""Models: the list envelope and entry shape, retrieving every listed model, unknown ids."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from openai_conformance.checks import assert_conforms, assert_error
from openai_conformance.checks.failures import Failure
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

LIST, GET = "GET /models", "GET /models/{model}"
#: A real provider lists hundreds of models: retrieve at most this many of them.
RETRIEVE_CAP = 10
ENTRY = (("id", str), ("object", str), ("created", int), ("owned_by", str))


def _problem(check: str, op: str, title: str, exchange: Any, **kw: Any) -> Failure:
    return Failure.of(check, title, operation=op, exchange=exchange, **kw)


def entry_problems(model: Any) -> list[tuple[str, str, Any]]:
    """(pointer suffix, expected, actual) for every field of a Model entry that is wrong."""
    if not isinstance(model, dict):
        return [("", "a Model object", model)]
    out = []
    for key, kind in ENTRY:
        value = model.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            out.append((f"/{key}", f"a {kind.__name__}", value))
    if model.get("object") != "model":
        out.append(("/object", "'model'", model.get("object")))
    extra = sorted({"owner", "owned"} & set(model))
    if extra and "owned_by" not in model:
        out.append(("/owned_by", "owned_by (not owner)", f"keys {sorted(model)}"))
    return out


@pytest.mark.requirement("models/list-shape")
def test_list_is_a_list_object_of_model_entries(model_list: tuple[dict[str, Any], Any]) -> None:
    body, exchange = model_list
    failures = []
    assert_conforms(exchange, LIST)
    if not isinstance(body, dict) or body.get("object") != "list" or "data" not in body:
        lc.fail(
            _problem(
                "list_shape_conformance",
                LIST, "the model list is not {object: list, data: [...]}", exchange,
                pointer="", expected="{object: list, data: [...]}",
                actual=str(body)[:120],
            )
        )  # fmt: skip
    if not body["data"]:
        failures.append(
            _problem(
                "list_shape_conformance", LIST, "the model list is empty", exchange, pointer="/data"
            )
        )
    for i, model in enumerate(body["data"]):
        for pointer, expected, actual in entry_problems(model):
            failures.append(
                _problem(
                    "list_shape_conformance", LIST, f"data[{i}]{pointer} is wrong", exchange,
                    pointer=f"/data/{i}{pointer}", expected=expected, actual=actual,
                )
            )  # fmt: skip
    lc.fail(failures[:20])


@pytest.mark.requirement("models/retrieve-listed")
def test_each_listed_model_is_retrievable(
    client: ConformanceClient, model_list: tuple[dict[str, Any], Any], oaic_config: RunConfig
) -> None:
    body, _ = model_list
    # Lenient on the envelope (a bare array is the list test's finding, not this one's).
    entries = body.get("data") if isinstance(body, dict) else body
    listed = [m for m in entries or [] if isinstance(m, dict) and m.get("id")]
    if not lc.is_reference(oaic_config):
        listed = listed[:RETRIEVE_CAP]
    failures = []
    for model in listed:
        exchange = client.request("GET", f"/models/{quote(model['id'], safe='')}")
        if exchange.status != 200:
            failures.append(
                _problem(
                    "retrieve_listed_conformance",
                    GET, f"listed {model['id']!r} is not retrievable",
                    exchange, expected="200 with the Model object", actual=exchange.status_line(),
                )
            )  # fmt: skip
            continue
        got = assert_conforms(exchange, GET)
        for key in ("id", "object", "owned_by"):
            if got.get(key) != model.get(key):
                failures.append(
                    _problem(
                        "retrieve_listed_conformance",
                        GET, f"retrieved {key} differs from the list",
                        exchange, pointer=f"/{key}", expected=model.get(key),
                        actual=got.get(key),
                    )
                )  # fmt: skip
    lc.fail(failures[:20])


@pytest.mark.requirement("models/unknown-404")
def test_unknown_model_id_returns_404_envelope(
    client: ConformanceClient, model_list: tuple[dict[str, Any], Any]
) -> None:
    exchange = client.request("GET", "/models/oaic-no-such-model-0")
    assert_error(exchange, status=404, op=GET)
