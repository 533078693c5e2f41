"""Hypothesis settings profiles and per-operation seeds for the generated suite.

Three profiles, chosen by ``--hypothesis-profile`` (RunConfig ``hypothesis_profile``):

* ``quick``    CI: 5 positive + 5 negative examples per operation, no shrinking (the first
               failing example is reported as is: its failure message already names the field),
               arrays drawn with at most 3 items.
* ``default``  25 + 25, shrinking on, arrays of at most 3 items (``cases.cap_arrays``: the
               long tail of large union arrays cost a fifth of a default run).
* ``thorough`` 200 + 200, shrinking on, arrays as long as the document allows.

Every profile runs with ``deadline=None`` (network latency is not a property of the target's
contract), ``database=None`` (a run is reproduced from its ``--seed``, not from a local example
database that CI never has) and only the *generate* phase (plus *shrink* outside ``quick``):
the explicit and reuse phases would replay examples across runs and break ``--seed``
reproducibility.

Suppressed health checks are the ones that describe the *schema*, not the target:
``too_slow``, ``filter_too_much`` and ``data_too_large`` fire on the document's huge request
unions (CreateResponse has hundreds of branches). None of them can hide a failing example: a
health check only ever reports on generation, never on a check that raised.

``derive_seed(run_seed, operation_id, phase)`` gives each (operation, phase) its own stable seed,
so ``-k`` or ``-n`` never changes what one operation receives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings

from ..errors import UsageError

PHASES = ("positive", "negative")
SUPPRESSED_HEALTH_CHECKS = (
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
)


@dataclass(frozen=True)
class GenerationProfile:
    """How many examples each phase draws per operation, and how far failures shrink."""

    name: str
    positive_examples: int
    negative_examples: int
    shrink: bool  # shrink a failing example (False: report the first failure as drawn)
    max_array_items: int | None = 3  # longest array drawn unless minItems asks more (None: any)

    def examples(self, phase: str) -> int:
        if phase not in PHASES:
            raise UsageError(f"unknown generation phase {phase!r}; expected one of {PHASES}")
        return self.positive_examples if phase == "positive" else self.negative_examples


PROFILES: dict[str, GenerationProfile] = {
    "quick": GenerationProfile("quick", positive_examples=5, negative_examples=5, shrink=False),
    "default": GenerationProfile("default", 25, 25, shrink=True),
    "thorough": GenerationProfile("thorough", 200, 200, shrink=True, max_array_items=None),
}


def profile(name: str | None) -> GenerationProfile:
    """The named profile (None: ``default``); an unknown name is a UsageError listing the names."""
    key = name or "default"
    try:
        return PROFILES[key]
    except KeyError:
        names = ", ".join(sorted(PROFILES))
        raise UsageError(f"unknown hypothesis profile {key!r}; choose one of: {names}") from None


def hypothesis_settings(gen: GenerationProfile, phase: str, budget: int | None = None) -> settings:
    """The ``hypothesis.settings`` for one phase of one operation under ``gen``; ``budget``
    (at most the profile's count) is what is left of the phase's examples when part of them
    came from elsewhere (the negative phase's targeted mutations)."""
    phases = [Phase.generate]
    if gen.shrink:
        phases.append(Phase.shrink)
    count = gen.examples(phase)
    if budget is not None:
        count = max(1, min(count, budget))
    return settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=False,  # the seed comes from derive_seed(), applied with hypothesis.seed
        phases=phases,
        suppress_health_check=list(SUPPRESSED_HEALTH_CHECKS),
        report_multiple_bugs=False,
        print_blob=False,
        stateful_step_count=10,
    )


def derive_seed(run_seed: int, operation_id: str, phase: str) -> int:
    """A stable 64-bit seed for one (operation, phase) of a run: sha256 of the three parts."""
    digest = hashlib.sha256(f"{run_seed}\0{operation_id}\0{phase}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
