"""Steps shared by the CRUD-shaped resources (conversations, evals, vector stores, ...)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...checks.failures import Failure, show
from ...wire.client import ConformanceClient
from .accepting import accepted
from .failing import check, report


def metadata_update_conformance(
    client: ConformanceClient, path: str, wanted: Mapping[str, str], *, update: str, retrieve: str
) -> None:
    """``POST path {"metadata": wanted}`` then ``GET path``: both answers carry every pair sent
    (FAIL naming the pointer otherwise). Only the pairs sent are judged: whether an update
    merges or replaces the metadata is not documented."""
    exchange = client.request("POST", path, json={"metadata": dict(wanted)})
    updated = accepted(exchange, update)  # a refused update is FAIL 'refused', not a mismatch
    reread = client.request("GET", path)
    got = accepted(reread, retrieve)
    answers: list[tuple[Any, Any, str, str]] = [
        (updated, exchange, update, "the update's answer"),
        (got, reread, retrieve, "a retrieve after the update"),
    ]
    report(
        *(
            check(
                (body.get("metadata") or {}).get(key) == value,
                "update_metadata_conformance",
                f"{what} does not carry the updated metadata {key}={value!r}",
                ex,
                operation=op,
                pointer=f"/metadata/{key}",
                expected=repr(value),
                actual=(body.get("metadata") or {}).get(key),
            )
            for body, ex, op, what in answers
            for key, value in wanted.items()
        )
    )


def retrieve_matches_create_conformance(
    created: Mapping[str, Any],
    got: Mapping[str, Any],
    exchange: Any,
    keys: Iterable[str],
    *,
    operation: str,
    check_name: str = "retrieve_matches_create_conformance",
) -> None:
    """A retrieve (``got``, answered by ``exchange``) repeats each of ``keys`` exactly as the
    create answered it; FAIL names every key that differs."""
    report(
        *(
            check(
                got.get(key) == created.get(key),
                check_name,
                f"retrieved {key} differs from the create's",
                exchange,
                operation=operation,
                pointer=f"/{key}",
                expected=show(created.get(key)),
                actual=got.get(key),
            )
            for key in keys
        )
    )


def wrong_fields(
    answer: Mapping[str, Any],
    want: Mapping[str, Any],
    exchange: Any,
    *,
    check_name: str,
    what: str,
    operation: str,
) -> list[Failure | None]:
    """One ``check`` per pair of ``want``: ``answer`` (``what``, answered by ``exchange``) carries
    that value ("{what} has the wrong {key}"), for ``report``."""
    return [
        check(
            answer.get(key) == value,
            check_name,
            f"{what} has the wrong {key}",
            exchange,
            operation=operation,
            pointer=f"/{key}",
            expected=repr(value),
            actual=answer.get(key),
        )
        for key, value in want.items()
    ]
