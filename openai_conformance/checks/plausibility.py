"""Checks a schema cannot express: timestamps, the model a response names, error codes.

- ``timestamps_conformance`` (``core/timestamps``, MUST): every ``created`` and ``*_at`` number
  in a JSON 2xx body, at any depth, is Unix *seconds*: at least 2015-01-01 (a 0 or a small count
  is no time), below 10^11 (a larger value is milliseconds), and, except for the deadlines
  (``expires_at`` ...), not later than the run's own clock plus ``CLOCK_SKEW``. Within one
  object the lifecycle order holds: ``created_at`` precedes every lifecycle time and
  in_progress → finalizing → completed, cancelling → cancelled, started → finished.
  One place is exempt by the document's own example (``ZERO_MEANS_UNSET``): the session of
  ``POST /realtime/client_secrets`` answers ``expires_at: 0`` (no session deadline yet). A time
  the request itself sent under the same key is an echo of the client's value, not judged.
- ``response_model_conformance`` (``core/response-model``, MUST): a JSON 2xx body's top-level
  ``model`` is the requested model or a dated snapshot of it (``gpt-4o-mini`` →
  ``gpt-4o-mini-2024-07-18``, ``gpt-4-0613``; an ``-latest`` alias → a model of its family; the
  other forms the live API was recorded using are listed at ``same_model``). A gateway's
  ``provider/`` prefix is ignored on either side; anything else is FAIL.
- ``error_code_conformance`` (``core/error-code``, SHOULD): the envelope's ``code`` is a
  machine-readable name (``invalid_api_key``), never the HTTP status as a number or string.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from .context import CheckContext
from .exchange import view
from .failures import Failure, show
from .http import _failure, _op

MIN_EPOCH = 1_420_070_400  # 2015-01-01T00:00:00Z: no API object is older
MILLIS = 100_000_000_000  # 10^11 s is the year 5138; 10^11 ms is 1973: a larger value is ms
CLOCK_SKEW = 300.0  # seconds a target's clock may run ahead of ours
_DEADLINE = re.compile(r"expire|reset|deadline")  # times that lie in the future by design
_LIFECYCLE = (
    "in_progress_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
    "started_at",
    "finished_at",
    "expires_at",
    "last_active_at",
)
_ORDER = (
    ("in_progress_at", "finalizing_at"),
    ("finalizing_at", "completed_at"),
    ("in_progress_at", "completed_at"),
    ("cancelling_at", "cancelled_at"),
    ("started_at", "finished_at"),
)
# Erratum, by operation (METHOD /path): JSON pointers where a 0 means "not set", not a time.
# The document's own response example of POST /realtime/client_secrets carries "session":
# {..., "expires_at": 0}; only this exact 0 at this exact place is exempt.
ZERO_MEANS_UNSET: dict[str, frozenset[str]] = {
    "POST /realtime/client_secrets": frozenset({"/session/expires_at"}),
}
_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4}|\d{8})$")


def _is_time_key(key: str) -> bool:
    return key == "created" or key.endswith("_at")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _objects(node: Any, pointer: str = "", depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    if depth > 12:
        return
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from _objects(value, f"{pointer}/{key}", depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node[:100]):
            yield from _objects(value, f"{pointer}/{i}", depth + 1)


def timestamp_problems(body: Any, now: float) -> list[tuple[str, str, str, Any]]:
    """``(pointer, message, expected, actual)`` for every implausible or misordered time."""
    out: list[tuple[str, str, str, Any]] = []
    for pointer, obj in _objects(body):
        for key, value in obj.items():
            if not _is_time_key(key) or not _number(value):
                continue
            where = f"{pointer}/{key}"
            if value >= MILLIS:
                out.append((where, f"{key} is in milliseconds", "Unix seconds", value))
            elif value < MIN_EPOCH:
                out.append((where, f"{key} is not a plausible Unix time", ">= 2015-01-01", value))
            elif value > now + CLOCK_SKEW and not _DEADLINE.search(key):
                ahead = round(value - now)
                out.append((where, f"{key} lies {ahead} s in the future", f"<= {int(now)}", value))
        times = {k: v for k, v in obj.items() if _number(v) and MIN_EPOCH <= v < MILLIS}
        created = times.get("created_at")
        pairs = [("created_at", k) for k in _LIFECYCLE] if created is not None else []
        for early, late in [*pairs, *_ORDER]:
            if early in times and late in times and times[early] > times[late]:
                out.append(
                    (
                        f"{pointer}/{late}",
                        f"{late} precedes {early}",
                        f">= {early} ({times[early]})",
                        times[late],
                    )
                )
    return out


def _request_times(exchange: Any) -> set[tuple[str, Any]]:
    """``(key, value)`` of every time field the request's JSON body sent: a server that echoes
    a client's object (a tool, an input item) repeats the client's numbers, not its own clock."""
    body = getattr(getattr(exchange, "request", None), "body", None)
    try:
        data = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return set()
    return {
        (key, value)
        for _, obj in _objects(data)
        for key, value in obj.items()
        if _is_time_key(key) and _number(value)
    }


def timestamps_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """Every ``created``/``*_at`` of a JSON 2xx body is plausible Unix seconds, in order."""
    v = view(exchange)
    if not 200 <= v.status < 300 or v.stream:
        return []
    body = v.json_or_none()
    if not isinstance(body, dict | list):
        return []
    op = _op(v, operation, ctx)
    unset = ZERO_MEANS_UNSET.get(op.id, frozenset()) if op is not None else frozenset()
    echoed = _request_times(v.raw)
    problems = [
        p
        for p in timestamp_problems(body, time.time())
        if not (p[0] in unset and p[3] == 0) and (p[0].rsplit("/", 1)[-1], p[3]) not in echoed
    ]
    return [
        _failure(
            v,
            op,
            title=f"implausible time at {pointer}: {message}",
            check="timestamps_conformance",
            requirement="core/timestamps",
            pointer=pointer,
            message=message,
            expected=expected,
            actual=show(actual),
        )
        for pointer, message, expected, actual in problems[:10]
    ]


def _bare(model: str) -> str:
    return model.rsplit("/", 1)[-1]


# How the live API names the model it used, beyond ``<requested>-<date>`` (each form seen in
# the traffic corpus, tests/data/traffic, and kept by tests/checks/test_plausibility_checks.py):
# - a version suffix: text-embedding-ada-002 → text-embedding-ada-002-v2 (dd-trace-py, llm);
# - an alias resolves inside its family: text-moderation-latest → text-moderation-006,
#   omni-moderation-latest → omni-moderation-latest-intents (weave);
# - a preview alias gets its snapshot in the middle: gpt-4-vision-preview →
#   gpt-4-1106-vision-preview (mirascope);
# - a legacy base model answers as family:date-version: davinci-002 → davinci:2023-07-21-v2.
_VERSION = re.compile(r"-v\d+$")
_MID_SNAPSHOT = re.compile(r"-(\d{4}|\d{4}-\d{2}-\d{2})(?=-)")
_LEGACY = re.compile(r"(?P<family>[a-z]+):\d{4}-\d{2}-\d{2}(-v\d+)?")


def same_model(requested: str, answered: str) -> bool:
    """Is ``answered`` the requested model, or a snapshot or version of it as the API names them?

    ``<requested>-<date>`` (``gpt-4o-mini-2024-07-18``, ``gpt-4-0613``), a ``-vN`` version, an
    ``-latest`` alias resolved to any model of its family, a preview alias with its snapshot
    inside (``gpt-4-1106-vision-preview``), a legacy ``family:date-vN``. Anything else names
    another model."""
    req, got = _bare(requested), _bare(answered)
    got = _VERSION.sub("", got) if not _VERSION.search(req) else got
    if req == got:
        return True
    if req.endswith("-latest"):
        return got.startswith(req[: -len("latest")])
    if got.startswith(req + "-") and _SNAPSHOT.fullmatch(got[len(req) :]):
        return True
    if _MID_SNAPSHOT.sub("", got, count=1) == req:
        return True
    legacy = _LEGACY.fullmatch(got)
    return legacy is not None and req.startswith(legacy["family"] + "-")


def requested_model(exchange: Any) -> str | None:
    """The ``model`` of the request's JSON or form body, as recorded for the exchange."""
    request = getattr(exchange, "request", None)
    form = dict(getattr(request, "form", ()) or ())
    if isinstance(form.get("model"), str):
        return str(form["model"])
    body = getattr(request, "body", None)
    if not isinstance(body, str):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    model = data.get("model") if isinstance(data, dict) else None
    return model if isinstance(model, str) and model else None


def response_model_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """The response names the model that was requested (or a dated snapshot of it)."""
    v = view(exchange)
    if not 200 <= v.status < 300 or v.stream:
        return []
    body = v.json_or_none()
    requested = requested_model(v.raw)
    answered = body.get("model") if isinstance(body, dict) else None
    if requested is None or not isinstance(answered, str) or same_model(requested, answered):
        return []
    return [
        _failure(
            v,
            _op(v, operation, ctx),
            title=f"response names model {answered!r}, {requested!r} was requested",
            check="response_model_conformance",
            requirement="core/response-model",
            pointer="/model",
            message="the response's model is neither the requested model nor a dated snapshot",
            expected=f"{requested!r} or {requested}-<date>",
            actual=show(answered),
        )
    ]


def status_like(code: Any, status: int) -> bool:
    """Is an error code just an HTTP status (``404``, ``"404"``, ``"HTTP 404"``)?"""
    if isinstance(code, int) and not isinstance(code, bool):
        return True
    text = str(code).strip().lower().removeprefix("http").strip() if code is not None else ""
    return text.isdigit() and (len(text) == 3 or text == str(status))


def error_code_conformance(exchange: Any, operation: Any, ctx: CheckContext) -> list[Failure]:
    """SHOULD: an error's ``code`` names the error; it is not the HTTP status again."""
    v = view(exchange)
    if v.status < 400:
        return []
    body = v.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if code is None or not status_like(code, v.status):
        return []
    return [
        _failure(
            v,
            _op(v, operation, ctx),
            title=f"error code is the HTTP status {code!r}",
            check="error_code_conformance",
            requirement="core/error-code",
            pointer="/error/code",
            message="error.code repeats the HTTP status instead of naming the error",
            expected="a code such as invalid_api_key, model_not_found, or null",
            actual=show(code),
        )
    ]
