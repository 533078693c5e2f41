"""The state of one conformance run inside pytest: config, contract, target, evidence, client.

Activation: the plugin is registered for every pytest run in the repository (root
conftest.py), but it only does something for a *conformance run*: the command names a path
inside a ``suites`` folder, or gives ``--target``/``--oaic-run-id``, or this is an xdist worker
of such a run. Self-tests under tests/ are untouched.

Process roles:

* single process (no xdist): everything below happens here;
* xdist controller: builds the config, starts the embedded reference server when there is no
  target, creates the run dir, passes ``base_url``/``api key``/``run dir``/``run id`` to the
  workers (``pytest_configure_node`` → ``workerinput``), collects every test's result from the
  reports and writes results at the end;
* xdist worker: rebuilds the same config from the controller's values (never starts a
  server), records evidence into ``evidence-<worker>.jsonl``, runs the tests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..contract.loader import STRICT_ENV
from ..errors import ConformanceError
from ..reports.model import TestResult
from ..scenario.cleanup import CleanupRegistry
from ..target.config import RunConfig
from ..wire.budget import RequestBudget
from ..wire.client import ConformanceClient
from .options import cli_mapping
from .recorder import TrackingRecorder

if TYPE_CHECKING:
    from ..refserver.server import ReferenceServer
    from .absence import AbsenceRule

EMBEDDED_KEY_PREFIX = "sk-oaic-embedded-"


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_conformance_run(config: pytest.Config) -> bool:
    """See module doc. Decided from the command line only, so the xdist controller (which
    collects nothing) and its workers agree. (``--collect-only`` never starts a run: the
    plugin's hooks stay inactive, markers are still registered.)"""
    if is_worker(config):
        return bool(config.workerinput.get("oaic_active"))  # type: ignore[attr-defined]
    if config.getoption("--target") or config.getoption("--oaic-run-id"):
        return True
    for arg in config.args:
        path = Path(str(arg).split("::", 1)[0])
        if not path.is_absolute():
            path = Path(config.invocation_params.dir) / path
        parts = path.resolve().parts
        # tests/suites/ holds self-tests of the suites, not a conformance run
        if "suites" in parts and parts[parts.index("suites") - 1] != "tests":
            return True
    return False


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:48] or "target"


def target_slug(base_url: str | None, embedded: bool) -> str:
    if embedded or not base_url:
        return "reference"
    host = re.sub(r"^[a-z]+://", "", base_url).split("/", 1)[0]
    return _slug(host.rsplit("@", 1)[-1])  # never the user-info (user:password@host)


def utc_stamp() -> tuple[str, str]:
    """(directory stamp ``%Y%m%dT%H%M%SZ``, ISO 8601 UTC timestamp)."""
    now = datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y-%m-%dT%H:%M:%SZ")


class OaicSession:
    """Everything the fixtures and hooks share during one run (see module doc)."""

    def __init__(self, config: pytest.Config) -> None:
        self.pytest_config = config
        self.worker = is_worker(config)
        self.worker_id = (
            str(config.workerinput["workerid"])  # type: ignore[attr-defined]
            if self.worker
            else "main"
        )
        self.certify = bool(config.getoption("--certify"))
        if config.getoption("--strict-spec", default=False):
            # Before anything loads the contract (this process, its workers, the embedded
            # reference server): the letter of the document, no observed overlays.
            os.environ[STRICT_ENV] = "1"
        self.interrupted = False  # set at session finish when pytest was interrupted
        self.server: ReferenceServer | None = None
        self.run_dir: Path | None = None
        self.started_at = ""
        self.recorder: TrackingRecorder | None = None
        self.budget: RequestBudget | None = None
        self._client: ConformanceClient | None = None
        self._absence: AbsenceRule | None = None
        self.session_cleanup: CleanupRegistry | None = None
        self.budget_spent = False
        self._preflight_done = False
        self._preflight: tuple[str, int] | None = None
        self.results: dict[str, TestResult] = {}  # controller: nodeid -> its result
        self.seen: dict[str, str] = {}  # controller: nodeid -> last phase seen
        self.collection_errors = 0
        self.phase_times: dict[str, float] = {}  # wall seconds of end-of-run steps (bench.py)
        self.discovered: dict[str, Any] | None = None  # what discovery applied (to workers)
        self.run_config = self._build_config()
        from ..checks.context import CheckContext, set_default
        from ..contract import load_spec
        from ..contract.requirements import catalogue
        from ..contract.validation import SchemaValidator

        self.spec = load_spec(self.run_config.spec_source)
        if not self.worker and self.run_config.seed is None:
            # Every run has a seed, recorded in results.json and REPRODUCE.md, so any run can
            # be replayed with --seed; workers receive the controller's. By default it is
            # fixed per contract and suite version: the same target gives the same verdicts.
            from .. import __version__
            from ..target.options import default_seed

            seed = default_seed(self.spec.sha256, str(__version__))
            self.run_config = dataclasses.replace(self.run_config, seed=seed)
        self.validator = SchemaValidator(self.spec)
        self.check_ctx = CheckContext(self.spec, self.validator, self.run_config)
        set_default(self.check_ctx)
        self.catalogue = catalogue()

    # -- configuration -----------------------------------------------------------------

    def _build_config(self) -> RunConfig:
        from ..target.config import build_config
        from ..target.options import RANDOM_SEED

        cli = cli_mapping(self.pytest_config)
        if self.worker:
            wi = self.pytest_config.workerinput  # type: ignore[attr-defined]
            cli["run_id"] = wi["oaic_run_id"]
            if wi.get("oaic_base_url"):
                cli["base_url"] = wi["oaic_base_url"]
                cli.setdefault("profile", wi.get("oaic_profile") or None)
            if wi.get("oaic_api_key"):
                cli["api_key"] = wi["oaic_api_key"]
        cli = {k: v for k, v in cli.items() if v is not None}
        try:
            config = build_config(cli)
        except ConformanceError as exc:
            raise pytest.UsageError(exc.render().removeprefix("error: ")) from None
        if not self.worker and config.seed == RANDOM_SEED:
            # --seed random explores; the drawn seed is recorded like any other.
            config = dataclasses.replace(config, seed=secrets.randbelow(2**31))
        if self.worker:
            # Workers see the embedded server as a plain base URL; the budget the controller
            # resolved (unlimited for the embedded server) is authoritative, not the remote default.
            wi = self.pytest_config.workerinput  # type: ignore[attr-defined]
            config = dataclasses.replace(
                config, max_requests=wi.get("oaic_max_requests"), seed=wi.get("oaic_seed")
            )
            found = wi.get("oaic_discovered")
            if found:  # the controller's discovery, applied the same way here
                from ..target.discovery import apply

                features = found["features"]
                config = apply(
                    config, None if features is None else frozenset(features), found["models"]
                )
        return config

    @property
    def embedded(self) -> bool:
        return self.server is not None or bool(
            self.worker and self.pytest_config.workerinput.get("oaic_embedded")  # type: ignore[attr-defined]
        )

    def start(self) -> None:
        """Controller / single process: start the embedded server, create the run dir."""
        if self.worker:
            wi = self.pytest_config.workerinput  # type: ignore[attr-defined]
            self.run_dir = Path(wi["oaic_run_dir"])
            self.started_at = wi["oaic_started_at"]
            self._open_evidence(int(wi.get("workercount", 1)))
            return
        if self.run_config.base_url is None:
            self._start_reference_server()
        stamp, self.started_at = utc_stamp()
        slug = target_slug(self.run_config.base_url, self.embedded)
        root = Path(self.run_config.report_dir)
        if not root.is_absolute():
            root = Path(self.pytest_config.invocation_params.dir) / root
        run_dir = root / "runs" / f"{stamp}-{slug}"
        suffix = 1
        while run_dir.exists():  # two runs in the same second never share a directory
            suffix += 1
            run_dir = root / "runs" / f"{stamp}-{slug}-{suffix}"
        run_dir.mkdir(parents=True)
        self.run_dir = run_dir
        self._discover()
        if not self.pytest_config.pluginmanager.hasplugin("dsession"):
            self._open_evidence(1)

    def _discover(self) -> None:
        """Without a profile, ``oaic run`` probes a remote target first and runs against what
        it found (target/discovery.py): one console block, ``draft-profile.toml`` in the run
        dir."""
        from .options import DISCOVER_FLAG

        cfg = self.run_config
        wanted = self.pytest_config.getoption(DISCOVER_FLAG, default=False)
        if not wanted or cfg.profile is not None or self.embedded or cfg.base_url is None:
            return
        from ..target.discovery import DRAFT_NAME, apply, safe_discover, summary

        found = safe_discover(cfg)
        draft_path = None
        if not isinstance(found, str) and found.draft is not None:
            assert self.run_dir is not None
            draft_path = self.run_dir / DRAFT_NAME
            draft_path.write_text(found.draft, encoding="utf-8")
            self.discovered = {
                "features": None if found.features is None else sorted(found.features),
                "models": found.models,
            }
            self.run_config = apply(cfg, found.features, found.models)
            self.check_ctx = dataclasses.replace(self.check_ctx, config=self.run_config)
            from ..checks.context import set_default

            set_default(self.check_ctx)
        reporter = self.pytest_config.pluginmanager.get_plugin("terminalreporter")
        text = summary(found, draft_path)
        if reporter is not None:
            reporter.write_line("")
            for line in text.splitlines():
                reporter.write_line(line, bold=line.startswith("discovery"))
        else:
            print(text)

    def _start_reference_server(self) -> None:
        from ..refserver.server import ReferenceServer

        key = EMBEDDED_KEY_PREFIX + secrets.token_hex(12)
        self.server = ReferenceServer(api_key=key)
        self.server.start()
        cfg = self.run_config
        from ..wire.redact import Secret

        self.run_config = dataclasses.replace(
            cfg, base_url=self.server.base_url, api_key=Secret(key)
        )
        self.check_ctx = dataclasses.replace(self.check_ctx, config=self.run_config)
        from ..checks.context import set_default

        set_default(self.check_ctx)

    def worker_input(self) -> dict[str, Any]:
        """What the controller passes to each xdist worker."""
        key = self.run_config.api_key
        return {
            "oaic_active": True,
            "oaic_base_url": self.run_config.base_url,
            "oaic_api_key": key.reveal() if (key is not None and self.embedded) else None,
            "oaic_embedded": self.embedded,
            "oaic_max_requests": self.run_config.max_requests,
            "oaic_seed": self.run_config.seed,
            "oaic_profile": self.run_config.profile,
            "oaic_run_dir": str(self.run_dir),
            "oaic_run_id": self.run_config.run_id,
            "oaic_started_at": self.started_at,
            "oaic_discovered": self.discovered,
        }

    def _open_evidence(self, workers: int) -> None:
        from ..checks.failures import register_secrets

        register_secrets(self.run_config.secrets())
        assert self.run_dir is not None
        self.recorder = TrackingRecorder(self.run_dir, self.worker_id)
        self.budget = RequestBudget(self.run_config.max_requests).share(workers)

    # -- shared objects ------------------------------------------------------------------

    @property
    def client(self) -> ConformanceClient:
        """The session's ConformanceClient (created on first use)."""
        if self._client is None:
            self._client = ConformanceClient(
                self.run_config, self.recorder, spec=self.spec, budget=self.budget
            )
        return self._client

    @property
    def absence(self) -> AbsenceRule:
        """The run's absence rule (probes each feature once per run; see absence.py)."""
        if self._absence is None:
            from .absence import AbsenceRule

            self._absence = AbsenceRule(self)
        return self._absence

    def stop_reason(self, requirement: str | None) -> str | None:
        """Why no test can work against this target (``health.preflight``, once per process;
        announced once on the console), or None."""
        from .health import RUN_WITHOUT_CREDENTIALS, preflight

        if not self._preflight_done:
            self._preflight_done = True
            from ..wire.evidence import current_test

            # The preflight belongs to no test (its exchanges are run evidence, not a test's).
            token = current_test.set(None)
            charge = self.budget.using(None) if self.budget else contextlib.nullcontext()
            try:
                with charge:  # the run's budget, no test's planned share
                    self._preflight = preflight(self.client, self.run_config)
            finally:
                current_test.reset(token)
            reporter = self.pytest_config.pluginmanager.get_plugin("terminalreporter")
            if self._preflight is not None and reporter is not None and not self.worker:
                reporter.write_line("")
                reporter.write_line(self._preflight[0], bold=True, red=True)
        if self._preflight is None:
            return None
        message, status = self._preflight
        if status == 401 and requirement in RUN_WITHOUT_CREDENTIALS:
            return None
        return message

    def cleanup_registry(self) -> CleanupRegistry:
        return CleanupRegistry(self.client)

    def finish_worker_side(self) -> None:
        """Run session cleanup, close the client and the evidence file (every process)."""
        if self.session_cleanup is not None:
            try:
                self.session_cleanup.run_all()
            finally:
                self.session_cleanup = None
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.recorder is not None:
            self.recorder.close()

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def workers(self) -> int:
        numprocesses = getattr(self.pytest_config.option, "numprocesses", None)
        if isinstance(numprocesses, int) and numprocesses > 0:
            return numprocesses
        return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
