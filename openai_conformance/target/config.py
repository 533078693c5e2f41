"""One frozen ``RunConfig`` from CLI options > environment > profile > defaults.

``build_config(cli, env, profiles_dir)`` resolves every option independently along that
chain (``options.OPTIONS`` is the single table of flags, variables, profile keys, parsers and
defaults; ``option_table()`` renders it for the README), parses and checks the value, and
remembers where each value came from (``RunConfig.sources``).
A bad value is a ``UsageError`` naming the key, the source and what is expected::

    error: environment variable OAIC_MAX_REQUESTS: invalid value 'lots'
    (expected a positive integer or 'unlimited')

Profile selection: ``--profile`` > ``OAIC_PROFILE`` > ``reference`` when no target URL is
given anywhere (the embedded reference server) > no profile.

The API key chain is the ``api_key`` cli key > ``OAIC_API_KEY`` > the variable the profile names in
``target.api_key_env`` > ``OPENAI_API_KEY``; the base URL chain is ``--target`` >
``OAIC_TARGET`` > ``OPENAI_BASE_URL`` > profile ``target.base_url``. Keys are ``Secret``s.
``run_id`` must be shared by all xdist workers: the plugin passes it on (``OAIC_RUN_ID``).
"""

from __future__ import annotations

import os
import secrets as _secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import UsageError
from ..wire.redact import REDACTED, Secret, redact_url, url_secrets
from ..wire.settings import Timeouts
from .options import (
    BY_NAME,
    CONFIG_OPTIONS,
    DEFAULT_MODELS,
    MAX_RETRIES,
    REMOTE_DEFAULT_MAX_REQUESTS,
    SAFETY_OPT_IN,
    TIMEOUT_NAMES,
    default,
    flag_of,
    option_table,
)
from .profiles import FEATURES, MODEL_ROLES, Profile, load_profile

__all__ = [
    "DEFAULT_MODELS",
    "MAX_RETRIES",
    "REMOTE_DEFAULT_MAX_REQUESTS",
    "Expectation",
    "LifecycleDeadline",
    "RunConfig",
    "build_config",
    "new_run_id",
    "option_table",
]


@dataclass(frozen=True)
class Expectation:
    """A known failure from the profile: ``[expect."<test id>"]``."""

    outcome: str
    reason: str
    link: str | None = None


@dataclass(frozen=True)
class LifecycleDeadline:
    seconds: float
    submit_only: bool = False


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs to know; see module doc for where each value comes from."""

    base_url: str | None = None  # None: embedded reference server
    profile: str | None = None
    api_key: Secret | None = None
    auth: str = default("auth")
    headers: Mapping[str, str | Secret] = field(default_factory=lambda: MappingProxyType({}))
    #: Query parameters added to every request (Azure OpenAI's ``api-version``).
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    organization: str | None = None
    project: str | None = None
    tls_verify: bool = default("tls_verify")
    timeouts: Timeouts = field(default_factory=Timeouts)
    allow: frozenset[str] = frozenset()
    max_requests: int | None = None
    retries: int = default("retries")
    retry_after_cap: float = default("retry_after_cap")
    report_dir: Path = default("report_dir")  # noqa: RUF009 - a Path is immutable
    seed: int | None = None
    hypothesis_profile: str = default("hypothesis_profile")
    strict_positive: bool = default("strict_positive")  # generated suite: 4xx on valid data fails
    resources: frozenset[str] | None = None  # None: all
    spec_source: str | None = None
    models: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    features: frozenset[str] | None = None  # None: the profile declares nothing
    expectations: Mapping[str, Expectation] = field(default_factory=lambda: MappingProxyType({}))
    deadlines: Mapping[str, LifecycleDeadline] = field(default_factory=lambda: MappingProxyType({}))
    lifecycle_deadline: float | None = default("lifecycle_deadline")
    deterministic: bool = default("deterministic")
    run_id: str = "local"
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    def allows(self, safety: str) -> bool:
        """read-only and creates always run; destructive/admin/costly need ``--allow``."""
        return safety not in SAFETY_OPT_IN or safety in self.allow

    def claims(self, feature: str) -> bool:
        """The profile claims ``feature``; with no declaration everything is claimed."""
        return self.features is None or feature in self.features

    def model(self, role: str) -> str:
        if role not in MODEL_ROLES:
            raise KeyError(f"unknown model role {role!r}; roles: {', '.join(MODEL_ROLES)}")
        return self.models[role]

    def deadline(self, feature: str, default_s: float) -> LifecycleDeadline:
        return self.deadlines.get(feature) or LifecycleDeadline(default_s)

    def tag(self, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``metadata`` plus ``{"oaic_run": run_id}`` for every resource the suite creates."""
        return {**(metadata or {}), "oaic_run": self.run_id}

    @property
    def name_prefix(self) -> str:
        return f"oaic-{self.run_id}-"

    def secrets(self) -> list[str]:
        """Every configured secret value (for redaction)."""
        out = [self.api_key.reveal()] if self.api_key else []
        out += [v.reveal() for v in self.headers.values() if isinstance(v, Secret)]
        # URL user-info and query values (OAIC_QUERY) are credentials too (a gateway key in
        # ?key=..., user:password@host): never written raw anywhere.
        out += url_secrets(self.base_url, self.query)
        return [s for s in out if s]

    def redacted(self) -> dict[str, Any]:
        """A JSON-ready view for REPRODUCE.md / results.json: secrets never included."""
        return {
            "base_url": redact_url(self.base_url, self.secrets()) if self.base_url else None,
            "embedded": self.embedded,
            "profile": self.profile,
            "api_key": "[REDACTED]" if self.api_key else None,
            "auth": self.auth,
            "headers": {k: str(v) for k, v in self.headers.items()},
            "query": {k: REDACTED if v in self.secrets() else v for k, v in self.query.items()},
            "organization": self.organization,
            "project": self.project,
            "tls_verify": self.tls_verify,
            "timeouts": vars(self.timeouts).copy(),
            "allow": sorted(self.allow),
            "max_requests": self.max_requests,
            "retries": self.retries,
            "retry_after_cap": self.retry_after_cap,
            "report_dir": str(self.report_dir),
            "seed": self.seed,
            "hypothesis_profile": self.hypothesis_profile,
            "strict_positive": self.strict_positive,
            "resources": sorted(self.resources) if self.resources is not None else None,
            "spec_source": self.spec_source,
            "models": dict(self.models),
            "features": sorted(self.features) if self.features is not None else None,
            "expectations": len(self.expectations),
            "deadlines": {k: vars(v).copy() for k, v in self.deadlines.items()},
            "deterministic": self.deterministic,
            "run_id": self.run_id,
            "sources": dict(self.sources),
        }


#: Aliases accepted in the ``cli`` mapping besides the option names (flag spellings).
CLI_ALIASES = {"target": "base_url", "spec": "spec_source", "header": "headers"}
CLI_KEYS = frozenset(BY_NAME) | frozenset(CLI_ALIASES) | {"models"}


def _normalise_cli(cli: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in cli.items():
        if value is None:
            continue
        if key not in CLI_KEYS:
            raise UsageError(
                f"unknown configuration option {key!r}; known: {', '.join(sorted(CLI_KEYS))}"
            )
        if key == "models":
            if not isinstance(value, Mapping):
                raise UsageError("option 'models' must be a mapping of role -> model id")
            for role, model in value.items():
                if role not in MODEL_ROLES:
                    raise UsageError(
                        f"command line option models: unknown role {role!r} "
                        f"(expected one of {', '.join(MODEL_ROLES)})"
                    )
                out[f"model_{role}"] = model
            continue
        name = CLI_ALIASES.get(key, key)
        if isinstance(value, list | tuple | set | frozenset) and not value:
            continue  # an empty repeated option means "not given"
        out[name] = value
    return out


def _env_value(env: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, str] | None:
    for name in names:
        value = env.get(name)
        if value is not None and value.strip():
            return name, value
    return None


def build_config(
    cli: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    profiles_dir: Path | str | None = None,
) -> RunConfig:
    """Resolve a ``RunConfig``; see module doc. Raises ``UsageError`` on any bad value."""
    env = os.environ if env is None else env
    given = _normalise_cli(cli)
    profile = _pick_profile(given, env, profiles_dir)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for opt in CONFIG_OPTIONS:
        env_names = opt.env
        if opt.profile_env:  # e.g. target.api_key_env names the variable holding the key
            named = profile.get(opt.profile_env) if profile else None
            env_names = (*opt.env[:1], *([str(named)] if named else []), *opt.env[1:])
        raw: Any = None
        if opt.name in given:
            raw, source = given[opt.name], f"command line option {flag_of(opt.name)}"
        elif (hit := _env_value(env, env_names)) is not None:
            raw, source = hit[1], f"environment variable {hit[0]}"
        elif profile is not None and opt.profile and profile.get(opt.profile) is not None:
            raw, source = profile.get(opt.profile), f"profile {profile.path} key {opt.profile}"
        else:
            continue
        assert opt.parse is not None  # every config option has a parser
        try:
            values[opt.name] = opt.parse(raw)
        except (ValueError, TypeError, OverflowError):
            shown = "[REDACTED]" if opt.name in ("api_key", "headers") else repr(raw)
            raise UsageError(f"{source}: invalid value {shown} (expected {opt.expected})") from None
        sources[opt.name] = source
    return _assemble(values, sources, profile)


def _pick_profile(
    given: Mapping[str, Any], env: Mapping[str, str], profiles_dir: Path | str | None
) -> Profile | None:
    name = given.get("profile")
    if name is None and (hit := _env_value(env, BY_NAME["profile"].env)) is not None:
        name = hit[1].strip()
    if name is None:
        has_target = "base_url" in given or _env_value(env, BY_NAME["base_url"].env)
        if has_target:
            return None
        name = "reference"
    return load_profile(str(name), profiles_dir)


def _assemble(
    values: dict[str, Any], sources: dict[str, str], profile: Profile | None
) -> RunConfig:
    def get(name: str) -> Any:  # the resolved value, else the table's default
        return values[name] if name in values else default(name)

    base_url = get("base_url")
    timeouts = Timeouts(**{k: get(f"timeout_{k}") for k in TIMEOUT_NAMES})
    max_requests = values.get(
        "max_requests", None if base_url is None else REMOTE_DEFAULT_MAX_REQUESTS
    )
    models = {r: get(f"model_{r}") for r in MODEL_ROLES}
    features = get("features")
    if features is not None:
        unknown = sorted(features - FEATURES)  # unknown names are typos: say so
        if unknown:
            raise UsageError(
                f"{sources.get('features', 'features')}: unknown feature(s) {', '.join(unknown)}"
                " (known features are declared in suites/*/feature.yaml)"
            )
    expectations = {}
    deadlines = {}
    if profile is not None:
        for test_id, e in (profile.get("expect") or {}).items():
            expectations[test_id] = Expectation(e["outcome"], e["reason"], e.get("link"))
        for feature, d in (profile.get("deadlines") or {}).items():
            deadlines[feature] = LifecycleDeadline(
                float(d["seconds"]), bool(d.get("submit_only", False))
            )
    api_key = get("api_key")
    return RunConfig(
        base_url=base_url,
        profile=profile.name if profile else None,
        api_key=Secret(api_key) if api_key else None,
        auth=get("auth"),
        headers=get("headers"),
        query=get("query"),
        organization=get("organization"),
        project=get("project"),
        tls_verify=get("tls_verify"),
        timeouts=timeouts,
        allow=get("allow"),
        max_requests=max_requests,
        retries=get("retries"),
        retry_after_cap=get("retry_after_cap"),
        report_dir=get("report_dir"),
        seed=get("seed"),
        hypothesis_profile=get("hypothesis_profile"),
        strict_positive=get("strict_positive"),
        resources=get("resources"),
        spec_source=get("spec_source"),
        models=MappingProxyType(models),
        features=features,
        expectations=MappingProxyType(expectations),
        deadlines=MappingProxyType(deadlines),
        lifecycle_deadline=get("lifecycle_deadline"),
        deterministic=get("deterministic"),
        run_id=get("run_id") or new_run_id(),
        sources=MappingProxyType(sources),
    )


def new_run_id() -> str:
    """Short, sortable, unique enough: ``MMDDHHMM`` + 6 hex (used in ``oaic-<run_id>-``)."""
    return datetime.now(UTC).strftime("%m%d%H%M") + _secrets.token_hex(3)
