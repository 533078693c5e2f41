"""What a probe's result means to the user: ``problem`` (the probe proved nothing: 401 or 404
everywhere), ``warnings`` (what the draft could not decide or claimed broken),
``draft_profile`` (a TOML profile that validates against the profile schema) and
``probe_main`` (the ``oaic probe`` command). The probing itself is ``probe.run_probe``."""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError
from ..wire.redact import Secret
from ..wire.settings import Timeouts
from .config import RunConfig
from .options import DEFAULT_MODELS
from .probe import MAX_REQUESTS, ProbeResult, run_probe


def _url_hint(base: str) -> str:
    if base and not base.rstrip("/").endswith("/v1"):
        return f"is the base URL right? It usually ends in /v1 (e.g. {base.rstrip('/')}/v1)"
    return f"is the base URL right ({base})? OpenAI-compatible servers serve .../v1/models"


def problem(result: ProbeResult, *, target: str, api_key_env: str | None) -> str | None:
    """Why this probe proves nothing about the target (None when it does): no route is
    present and some refused the credentials (401/403: never drafted as ``auth = "none"``),
    or every route answered 404 (a wrong base URL)."""
    statuses = set(result.routes.values())
    if not statuses or result.features:
        return None
    refused = sorted(s for s in statuses if s in (401, 403))
    if refused:  # nothing present, and the routes that did not 404 refused the credentials
        said = "/".join(map(str, refused))
        if api_key_env:
            return (
                f"every route answered {said} or 404: the target refuses the key in {api_key_env}"
            )
        return (
            f"every route answered {said} or 404: the target needs a key; put it in an "
            "environment variable and pass --api-key-env NAME"
        )
    if statuses == {404}:
        return f"every route answered 404 Not Found: {_url_hint(target)}"
    return None


def warnings(result: ProbeResult) -> list[str]:
    """What the draft could not decide, one line each (printed on stderr, kept as comments)."""
    out = [
        f"{route} answered {status}: claimed, its tests judge it (the server failed, not absent)"
        for route, status in result.routes.items()
        if status is not None and status >= 500
    ]
    out += [
        f"{route}: no answer, undecided, not claimed"
        for route, status in result.routes.items()
        if status is None
    ]
    if "chat" in result.features and "chat" not in result.models:
        out.append(
            "no chat model id known (GET /models lists none and the default "
            f"{DEFAULT_MODELS['chat']} did not answer 200): pass --model; chat options not probed"
        )
    if not result.features:
        out.append("no feature detected: the draft claims nothing")
    return out


# --------------------------------------------------------------------------- the draft


def _toml(value: str) -> str:
    from .profiles import toml_string

    return toml_string(value)


def draft_profile(
    result: ProbeResult,
    *,
    target: str,
    name: str,
    auth: str,
    api_key_env: str | None,
    by: str = "oaic probe",
) -> str:
    """A TOML profile from a probe (validates against the profile schema)."""
    from .profiles import FEATURES

    features = sorted(f for f in result.features if f in FEATURES)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Draft profile written by `{by}` on {now} against {target}.",
        "# The probe sees which routes answer, not whether they conform: review the features,",
        "# set the model ids, then run `oaic run --profile <this file>`.",
        f"name = {_toml(name)}",
        f"description = {_toml('probed ' + target)}",
        "features = [",
        *[f"  {_toml(f)}," for f in features],
        "]",
        "",
        "[target]",
        f"base_url = {_toml(target)}",
        f"auth = {_toml(auth)}",
    ]
    if api_key_env:
        lines.append(f"api_key_env = {_toml(api_key_env)}")
    if result.models:
        lines += ["", "[models]"]
        lines += [f"{role} = {_toml(model)}" for role, model in sorted(result.models.items())]
    notes = warnings(result)
    if notes:
        lines += ["", "# Undecided:", *[f"#   {n}" for n in notes]]
    lines += ["", "# What the probe saw (status: verdict):"]
    for o in result.observations:
        status = "---" if o.status is None else str(o.status)
        note = f"  ({o.note})" if o.note else ""
        lines.append(f"#   {o.label:<58} {status:>4}: {o.verdict}{note}".rstrip())
    return "\n".join(lines) + "\n"


def probe_main(args: argparse.Namespace) -> int:
    """``oaic probe``: probe ``args.target`` and print (or write) the draft profile."""
    from ..wire.client import ConformanceClient
    from .profiles import validate_profile

    key: str | None = None
    if args.api_key_env:
        key = os.environ.get(args.api_key_env)
        if not key:
            raise UsageError(f"environment variable {args.api_key_env} is not set or empty")
    auth = args.auth or ("bearer" if key else "none")
    t = float(args.timeout)
    config = RunConfig(
        base_url=args.target,
        api_key=Secret(key) if key else None,
        auth=auth,
        timeouts=Timeouts(connect=min(t, 10.0), read=t, total=t, stream_total=t, stream_idle=t),
        max_requests=MAX_REQUESTS,
        retries=0,
        run_id="probe",
    )
    with ConformanceClient(config) as client:
        result = run_probe(client, args.model)
    why = problem(result, target=args.target, api_key_env=args.api_key_env)
    if why:
        print(f"oaic probe: {why}; no profile drafted", file=sys.stderr)
        return 1
    for note in warnings(result):
        print(f"oaic probe: {note}", file=sys.stderr)
    name = args.name or "probed"
    text = draft_profile(
        result, target=args.target, name=name, auth=auth, api_key_env=args.api_key_env
    )
    validate_profile(tomllib.loads(text), "<draft profile>")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}: {len(result.features)} feature(s) detected")
    else:
        print(text, end="")
    return 0
