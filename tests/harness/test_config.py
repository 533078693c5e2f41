"""RunConfig precedence (CLI > env > profile > defaults), fallbacks and clear usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_conformance.errors import UsageError
from openai_conformance.target.config import build_config, option_table
from openai_conformance.target.options import OPTIONS
from openai_conformance.wire.redact import Secret

PROFILE = """
name = "p"
features = ["chat", "chat.streaming"]
[target]
base_url = "http://profile.example/v1"
auth = "api-key"
organization = "org-profile"
project = "proj-profile"
tls_verify = false
deterministic = true
headers = { "X-Tenant" = "profile" }
[run]
max_requests = 30
allow = ["admin"]
retries = 1
seed = 3
hypothesis_profile = "quick"
resources = ["files"]
spec = "/profile/spec.yaml"
report_dir = "profile-reports"
[timeouts]
connect = 3
read = 4
total = 5
stream_total = 6
stream_idle = 7
[models]
chat = "profile-chat"
[deadlines.batches]
seconds = 99
submit_only = true
[expect."suites/chat/test_x.py::test_y"]
outcome = "fail"
reason = "known gap"
link = "https://example.invalid/1"
"""

# (field reader, cli key, cli value, env var, env value, profile value, default value)
CASES = [
    (lambda c: c.base_url, "target", "http://cli/v1", "OAIC_TARGET", "http://env/v1",
     "http://profile.example/v1", None),
    (lambda c: c.auth, "auth", "none", "OAIC_AUTH", "bearer", "api-key", "bearer"),
    (lambda c: c.organization, "organization", "org-cli", "OAIC_ORGANIZATION", "org-env",
     "org-profile", None),
    (lambda c: c.project, "project", "p-cli", "OAIC_PROJECT", "p-env", "proj-profile", None),
    (lambda c: c.tls_verify, "tls_verify", True, "OAIC_TLS_VERIFY", "yes", False, True),
    (lambda c: c.deterministic, "deterministic", False, "OAIC_DETERMINISTIC", "0", True, False),
    (lambda c: c.headers.get("X-Tenant"), "header", ["X-Tenant: cli"], "OAIC_HEADERS",
     "X-Tenant: env", "profile", None),
    (lambda c: c.max_requests, "max_requests", 5, "OAIC_MAX_REQUESTS", "6", 30, None),
    (lambda c: c.allow, "allow", "destructive,costly", "OAIC_ALLOW", "costly",
     frozenset({"admin"}), frozenset()),
    (lambda c: c.retries, "retries", 0, "OAIC_RETRIES", "2", 1, 2),
    (lambda c: c.seed, "seed", 1, "OAIC_SEED", "2", 3, None),
    (lambda c: c.hypothesis_profile, "hypothesis_profile", "thorough",
     "OAIC_HYPOTHESIS_PROFILE", "default", "quick", "default"),
    (lambda c: c.resources, "resources", "chat,models", "OAIC_RESOURCES", "batches",
     frozenset({"files"}), None),
    (lambda c: c.spec_source, "spec", "/cli.yaml", "OAIC_SPEC", "/env.yaml",
     "/profile/spec.yaml", None),
    (lambda c: c.report_dir, "report_dir", "cli-r", "OAIC_REPORT_DIR", "env-r",
     Path("profile-reports"), Path("reports")),
    (lambda c: c.timeouts.connect, "timeout_connect", 1, "OAIC_TIMEOUT_CONNECT", "2", 3, 10.0),
    (lambda c: c.timeouts.read, "timeout_read", 1, "OAIC_TIMEOUT_READ", "2", 4, 60.0),
    (lambda c: c.timeouts.total, "timeout_total", 1, "OAIC_TIMEOUT_TOTAL", "2", 5, 120.0),
    (lambda c: c.timeouts.stream_total, "timeout_stream_total", 1, "OAIC_TIMEOUT_STREAM_TOTAL",
     "2", 6, 300.0),
    (lambda c: c.timeouts.stream_idle, "timeout_stream_idle", 1, "OAIC_TIMEOUT_STREAM_IDLE",
     "2", 7, 60.0),
    (lambda c: c.models["chat"], "models", {"chat": "cli-chat"}, "OAIC_MODEL_CHAT", "env-chat",
     "profile-chat", "gpt-4o-mini"),
    (lambda c: c.features, "features", "chat", "OAIC_FEATURES", "models",
     frozenset({"chat", "chat.streaming"}), None),
]  # fmt: skip
NORMALISED = {  # how CLI/env strings read back
    "target": ("http://cli/v1", "http://env/v1"),
    "allow": (frozenset({"destructive", "costly"}), frozenset({"costly"})),
    "resources": (frozenset({"chat", "models"}), frozenset({"batches"})),
    "report_dir": (Path("cli-r"), Path("env-r")),
    "tls_verify": (True, True),
    "deterministic": (False, False),
    "header": ("cli", "env"),
    "models": ("cli-chat", "env-chat"),
    "features": (frozenset({"chat"}), frozenset({"models"})),
    "max_requests": (5, 6),
    "retries": (0, 2),
    "seed": (1, 2),
}


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    (tmp_path / "p.toml").write_text(PROFILE)
    (tmp_path / "empty.toml").write_text('name = "empty"\n')
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_each_option_follows_cli_then_env_then_profile_then_default(case, profiles: Path):
    read, key, cli_value, env_var, env_value, profile_value, default = case
    cli_expected, env_expected = NORMALISED.get(key, (None, None))
    if cli_expected is None:
        cli_expected = cli_value if not isinstance(cli_value, int) else float(cli_value)
        cli_expected = (
            cli_value
            if key in ("auth", "organization", "project", "hypothesis_profile", "spec")
            else cli_expected
        )
        env_expected = (
            env_value
            if key in ("auth", "organization", "project", "hypothesis_profile", "spec")
            else float(env_value)
        )
    base = {"profile": "p"}
    env = {env_var: env_value}
    assert read(build_config({**base, key: cli_value}, env, profiles)) == cli_expected
    assert read(build_config(base, env, profiles)) == env_expected
    assert read(build_config(base, {}, profiles)) == profile_value
    empty_base = (
        {"profile": "empty", "target": "http://x/v1"} if key != "target" else {"profile": "empty"}
    )
    got = read(build_config(empty_base, {}, profiles))
    if key == "max_requests":
        assert got == 2000  # remote target default
    else:
        assert got == default


def test_api_key_comes_from_cli_then_oaic_then_profile_variable_then_openai(tmp_path: Path):
    (tmp_path / "az.toml").write_text('[target]\napi_key_env = "AZ_KEY"\n')
    env = {"OAIC_API_KEY": "k-oaic", "AZ_KEY": "k-azure", "OPENAI_API_KEY": "k-openai"}
    key = lambda cli, e: build_config({"profile": "az", **cli}, e, tmp_path).api_key  # noqa: E731
    assert key({"api_key": "k-cli"}, env) == Secret("k-cli")
    assert key({}, env) == Secret("k-oaic")
    assert key({}, {k: v for k, v in env.items() if k != "OAIC_API_KEY"}) == Secret("k-azure")
    assert key({}, {"OPENAI_API_KEY": "k-openai"}) == Secret("k-openai")
    assert key({}, {}) is None


def test_openai_base_url_and_org_are_fallbacks_for_oaic_variables():
    env = {"OPENAI_BASE_URL": "http://openai-env/v1/", "OPENAI_ORG_ID": "org-x",
           "OPENAI_PROJECT_ID": "proj-y"}  # fmt: skip
    cfg = build_config({}, env)
    assert (cfg.base_url, cfg.organization, cfg.project) == (
        "http://openai-env/v1",
        "org-x",
        "proj-y",
    )
    assert cfg.profile is None  # a target without a profile: no profile is implied
    assert build_config({}, {**env, "OAIC_TARGET": "http://oaic/v1"}).base_url == "http://oaic/v1"


def test_no_target_anywhere_selects_the_embedded_reference_profile():
    cfg = build_config({}, {})
    assert cfg.embedded and cfg.profile == "reference"
    assert cfg.models["chat"] == "ref-chat" and cfg.max_requests is None
    assert cfg.claims("chat.streaming") and cfg.allows("destructive")


def test_remote_target_defaults_to_a_2000_request_budget_and_no_opt_in():
    cfg = build_config({"target": "https://api.example/v1"}, {})
    assert cfg.max_requests == 2000
    assert not cfg.allows("costly") and cfg.allows("read-only") and cfg.allows("creates")


def test_secrets_never_appear_in_repr_or_redacted_view():
    cfg = build_config(
        {"target": "http://x/v1", "api_key": "sk-supersecret-123456789",
         "header": ["X-Auth-Token: tok-abcdefghij", "X-Trace: visible"]},
        {},
    )  # fmt: skip
    text = repr(cfg) + str(cfg.redacted())
    assert "sk-supersecret" not in text and "tok-abcdefghij" not in text
    assert "visible" in text
    assert set(cfg.secrets()) == {"sk-supersecret-123456789", "tok-abcdefghij"}


def test_run_id_tags_metadata_and_names():
    cfg = build_config({"run_id": "r1"}, {})
    assert cfg.tag({"a": "b"}) == {"a": "b", "oaic_run": "r1"}
    assert cfg.name_prefix == "oaic-r1-"


@pytest.mark.parametrize(
    ("cli", "env", "message"),
    [
        ({"max_requests": "lots"}, {}, "command line option --max-requests: invalid value 'lots'"),
        ({}, {"OAIC_MAX_REQUESTS": "0"}, "environment variable OAIC_MAX_REQUESTS"),
        ({"allow": "destructive,everything"}, {}, "subset of destructive, admin, costly"),
        ({"auth": "basic"}, {}, "one of bearer, api-key, none"),
        ({"target": "ftp://x"}, {}, "an http(s) base URL"),
        ({}, {"OAIC_TIMEOUT_READ": "-1"}, "OAIC_TIMEOUT_READ: invalid value '-1'"),
        ({"retries": 5}, {}, "0, 1 or 2"),
        ({"resources": "chatt"}, {}, "comma-separated list of"),
        ({"header": ["no-colon"]}, {}, "'Name: value'"),
        ({"features": "chat,chat.streamin"}, {}, "unknown feature(s) chat.streamin"),
        ({"bogus": 1}, {}, "unknown configuration option 'bogus'"),
        ({"models": {"vision": "x"}}, {}, "unknown role 'vision'"),
    ],
)
def test_bad_value_is_a_usage_error_naming_source_key_and_expectation(cli, env, message):
    with pytest.raises(UsageError) as info:
        build_config(cli, env)
    assert message in info.value.message


def test_bad_api_key_value_error_does_not_echo_the_value():
    with pytest.raises(UsageError) as info:
        build_config({"header": ["Authorization sk-leakme-0000000000"]}, {})
    assert "sk-leakme" not in info.value.render()


def test_unknown_profile_lists_the_available_ones(tmp_path: Path):
    (tmp_path / "vllm.toml").write_text('name = "vllm"\n')
    with pytest.raises(UsageError) as info:
        build_config({"profile": "vlm"}, {}, tmp_path)
    assert "unknown profile 'vlm'" in info.value.message
    assert "did you mean 'vllm'" in info.value.message and "vllm" in info.value.message


def test_profile_value_error_names_the_profile_file(profiles: Path):
    (profiles / "bad.toml").write_text("[timeouts]\nread = -2\n")
    with pytest.raises(UsageError) as info:
        build_config({"profile": "bad"}, {}, profiles)
    assert "bad.toml" in info.value.message and "timeouts.read" in info.value.message


def test_profile_expectations_and_deadlines_are_parsed(profiles: Path):
    cfg = build_config({"profile": "p"}, {}, profiles)
    exp = cfg.expectations["suites/chat/test_x.py::test_y"]
    assert (exp.outcome, exp.reason, exp.link) == ("fail", "known gap", "https://example.invalid/1")
    assert cfg.deadline("batches", 5).seconds == 99 and cfg.deadline("batches", 5).submit_only
    assert cfg.deadline("fine_tuning", 5).seconds == 5


def test_option_table_documents_every_environment_variable():
    table = option_table()
    for var in ("OAIC_TARGET", "OPENAI_BASE_URL", "OAIC_MAX_REQUESTS", "OAIC_MODEL_REALTIME"):
        assert var in table


def _readme_table() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme[readme.index("## Configuration") :]
    start = section.index("| Option |")
    return section[start : section.index("\n\n", start)]


def test_readme_configuration_table_is_the_option_table():
    readme = _readme_table()
    assert readme == option_table(), (
        "README's configuration table and openai_conformance/target/options.py disagree; "
        "paste option_table() into README.md:\n" + option_table()
    )
    rows = readme.splitlines()[2:]
    assert len(rows) == len(OPTIONS)  # every option has its row, and every row an option
    for opt, row in zip(OPTIONS, rows, strict=True):
        for var in opt.env:
            assert f"`{var}`" in row, (opt.name, var)
        if opt.flag and not opt.hidden:
            assert row.startswith(f"| `{opt.flag}` |"), (opt.name, row)


def test_every_flag_of_the_table_is_offered_by_oaic_run_and_the_plugin(
    pytestconfig: pytest.Config,
) -> None:
    import argparse

    from openai_conformance.commands.cli import build_parser
    from openai_conformance.target.options import PYTEST, RUN, offered_on

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    run_flags = {s for a in sub.choices["run"]._actions for s in a.option_strings}
    assert {o.flag for o in offered_on(RUN)} <= run_flags
    for opt in offered_on(PYTEST):  # the plugin is registered for every run in this checkout
        assert opt.flag is not None
        pytestconfig.getoption(opt.flag)  # ValueError when pytest does not know it


def test_defaults_come_from_the_option_table():
    cfg = build_config({"target": "http://x.example/v1"}, {}, None)  # no profile
    for opt in OPTIONS:
        if opt.kind == "config" and opt.default is not None:
            value = (
                getattr(cfg.timeouts, opt.name.removeprefix("timeout_"))
                if opt.name.startswith("timeout_")
                else cfg.models[opt.name.removeprefix("model_")]
                if opt.name.startswith("model_")
                else getattr(cfg, opt.name)
            )
            assert value == opt.default, opt.name
