"""Glue between the pytest plugin's fixtures and the generation layer (suites/generated).

* ``selection_reason(op, config)``: why an operation must not run (DISABLED), from its safety
  class (``--allow``); feature gating (undeclared feature → DISABLED) is the plugin's.
* ``build_run(config, check_ctx, client, cleanup)``: the worker's ``GenerationRun`` (pinned
  models, run seed, profile, strictness, resource pool registered with the cleanup registry,
  unauthenticated probe when the target has a key).
* ``cite(failures, verified)``: the requirement the item's TestResult reports (the suite
  hands it to the plugin through ``plugin.items.item_facts(item).requirement``);
* ``strict_positive(config)``: a 4xx on valid data fails (``run.strict_positive`` of the
  profile, true for the reference server; default false).
"""

from __future__ import annotations

from typing import Any

from ..checks.context import CheckContext
from ..checks.failures import Failure
from ..contract import Operation
from ..wire.evidence import current_test
from .links import Lifecycle
from .pool import ResourcePool
from .roles import ROLES
from .runner import GenerationRun
from .settings import profile
from .shaping import ShapingContext
from .undo import register_created, register_undo

DEFAULT_RUN_SEED = 0
INVALID_KEY = "sk-oaic-invalid-credentials-0000"


def selection_reason(op: Operation, config: Any) -> str | None:
    """The DISABLED reason for ``op`` under ``config`` (None: it runs)."""
    if not config.allows(op.safety):
        return f"{op.safety} operation; opt in with --allow {op.safety}"
    return None


def cite(failures: list[Failure], verified: str) -> str:
    """The requirement a generated item reports: the one its first failure broke, worst level
    first (MUST before SHOULD), else ``verified``, the one it checked and found met."""
    order = {"MUST": 0, "SHOULD": 1, "MAY": 2}
    broken = sorted((f for f in failures if f.requirement), key=lambda f: order.get(f.level, 3))
    return (broken[0].requirement or verified) if broken else verified


def strict_positive(config: Any) -> bool:
    """The profile's ``run.strict_positive`` (``--``/``OAIC_STRICT_POSITIVE``), default False."""
    return bool(getattr(config, "strict_positive", False))


def run_seed(config: Any) -> int:
    seed = getattr(config, "seed", None)
    return int(seed) if seed is not None else DEFAULT_RUN_SEED


def models_of(config: Any) -> dict[str, str]:
    models = dict(getattr(config, "models", {}) or {})
    return {role: models[role] for role in ROLES if role in models}


def build_run(config: Any, ctx: CheckContext, client: Any, cleanup: Any = None) -> GenerationRun:
    models = models_of(config)

    def on_created(lc: Lifecycle, ids: dict[str, str]) -> None:
        if cleanup is None:
            return
        if "delete" not in lc.steps:
            # a cancellable job (batch, fine-tuning job): its create path's /{id}/cancel
            create = ctx.spec.operation(lc.create)
            path = create.path
            for name, value in ids.items():
                path = path.replace("{" + name + "}", value)
            register_undo(cleanup, client, ctx.spec, create, path, ids[lc.id_param])
            return
        op = ctx.spec.operation(lc.steps["delete"])
        path = op.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        cleanup.register(
            lc.resource,
            ids[lc.id_param],
            lambda: client.request(op.method, path, operation=op.id),
            f"{lc.resource} {ids[lc.id_param]} created by the generated suite",
        )

    def on_sent(op: Operation, path: str, exchange: Any) -> None:
        register_created(cleanup, client, ctx.spec, op, path, exchange)

    def on_generated(op: Operation, drawn: dict[str, int], skipped: dict[str, int]) -> None:
        # one "generation" evidence record per operation: the plugin sums them into
        # results.json run.generation, so a skipped draw is counted, never lost
        recorder = getattr(client, "recorder", None)
        if recorder is not None:
            recorder.record(
                {
                    "kind": "generation",
                    "test_id": current_test.get(),
                    "operation": op.id,
                    "drawn": drawn,
                    "skipped": skipped,
                }
            )

    pool = ResourcePool(
        ctx.spec,
        client.request,
        models,
        allowed=lambda op_id: config.allows(ctx.spec.operation(op_id).safety),
        on_created=on_created,
        run_id=getattr(config, "run_id", None),
    )
    unauth = None
    if getattr(config, "api_key", None) is not None and getattr(config, "auth", "") != "none":
        header = "api-key" if config.auth == "api-key" else "Authorization"
        value = INVALID_KEY if header == "api-key" else f"Bearer {INVALID_KEY}"

        def unauth(method: str, path: str, **kwargs: Any) -> Any:
            headers = {**(kwargs.pop("headers", None) or {}), header: value}
            return client.request(method, path, headers=headers, **kwargs)

    return GenerationRun(
        ctx=ctx,
        send=client.request,
        profile=profile(getattr(config, "hypothesis_profile", None)),
        run_seed=run_seed(config),
        shaping=ShapingContext(models=models, run_id=getattr(config, "run_id", None)),
        strict=strict_positive(config),
        pool=pool,
        send_unauthenticated=unauth,
        on_sent=on_sent,
        on_generated=on_generated,
    )
