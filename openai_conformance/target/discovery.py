"""The first run discovers the target: without a profile, ``oaic run`` probes a remote target
first (``probe.run_probe``, the same prober as ``oaic probe``) and runs against what it found.

Contract:

* ``discover(config)`` probes with its own short-timeout client (no retries, at most
  ``probe.MAX_REQUESTS`` requests, outside the run's request budget and evidence) and returns
  a ``Discovery``: the probe result, the draft profile text (None when the probe proved nothing:
  401 or 404 everywhere, then the preflight stops the run with its hint) and its notes.
* ``apply(config, features, models)`` is the run configuration the tests see: the discovered
  features become the claimed features and the discovered model ids replace the defaults, role
  by role. Anything the user set (command line, environment) still wins; a profile disables
  discovery altogether (the caller does not discover when a profile is named).
* ``summary(discovery)`` is the one console block saying what the run assumed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import ConformanceError
from ..wire.settings import Timeouts
from .config import RunConfig
from .probe import MAX_REQUESTS, ProbeResult, run_probe
from .probe_report import draft_profile, problem, warnings
from .profiles import FEATURES

DRAFT_NAME = "draft-profile.toml"
PROBE_TIMEOUT_S = 15.0


@dataclass
class Discovery:
    """What the probe found; ``draft`` is None when it proves nothing (see ``problem``)."""

    result: ProbeResult
    draft: str | None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def features(self) -> frozenset[str] | None:
        if self.draft is None:
            return None
        return frozenset(f for f in self.result.features if f in FEATURES)

    @property
    def models(self) -> dict[str, str]:
        return dict(self.result.models) if self.draft is not None else {}


def discover(config: RunConfig) -> Discovery:
    """Probe ``config.base_url`` with the run's credentials (see module doc)."""
    from ..wire.client import ConformanceClient

    assert config.base_url is not None, "discovery needs a remote target"
    t = min(config.timeouts.read, PROBE_TIMEOUT_S)
    probe_config = dataclasses.replace(
        config,
        timeouts=Timeouts(
            connect=min(config.timeouts.connect, t), read=t, total=t, stream_total=t, stream_idle=t
        ),
        max_requests=MAX_REQUESTS,
        retries=0,
    )
    with ConformanceClient(probe_config) as client:
        result = run_probe(client, _user_model(config))
    env = _key_env(config)
    why = problem(result, target=config.base_url, api_key_env=env)
    if why:
        return Discovery(result, None, why)
    draft = draft_profile(
        result,
        target=config.base_url,
        name="discovered",
        auth=config.auth,
        api_key_env=env,
        by="oaic run (discovery, no profile given)",
    )
    return Discovery(result, draft, None, warnings(result))


def _user_model(config: RunConfig) -> str | None:
    """The chat model the user chose (command line, environment), which the probe must use."""
    return config.models.get("chat") if "model_chat" in config.sources else None


def _key_env(config: RunConfig) -> str | None:
    source = config.sources.get("api_key", "")
    prefix = "environment variable "
    return source.removeprefix(prefix) if source.startswith(prefix) else None


def apply(
    config: RunConfig, features: frozenset[str] | None, models: Mapping[str, str]
) -> RunConfig:
    """``config`` with the discovered features and model ids, the user's choices kept."""
    chosen = {
        role: model for role, model in models.items() if f"model_{role}" not in config.sources
    }
    new_models = MappingProxyType({**config.models, **chosen})
    new_features = config.features
    if features is not None and "features" not in config.sources:
        new_features = features
    return dataclasses.replace(config, models=new_models, features=new_features)


def safe_discover(config: RunConfig) -> Discovery | str:
    """``discover`` or, when the probe itself cannot run, the reason (the run goes on with
    the defaults and its own preflight judges the target)."""
    try:
        return discover(config)
    except ConformanceError as exc:
        return exc.message.splitlines()[0]


def summary(found: Discovery | str, draft_path: Any = None) -> str:
    """The console block: what the run assumes about the target."""
    head = "discovery (no profile given): "
    if isinstance(found, str):
        return f"{head}the probe could not run ({found}); running with the defaults"
    if found.draft is None:
        return f"{head}{found.problem}"
    features = sorted(found.features or ())
    lines = [
        f"{head}probed {len(found.result.observations)} answer(s); the run assumes:",
        f"  features: {', '.join(features) or '(none)'}",
        "  models:   "
        + (", ".join(f"{r}={m}" for r, m in sorted(found.models.items())) or "(defaults)"),
    ]
    lines += [f"  note: {n}" for n in found.notes]
    if draft_path is not None:
        lines.append(f"  draft profile: {draft_path} (review it, then --profile it)")
    return "\n".join(lines)
