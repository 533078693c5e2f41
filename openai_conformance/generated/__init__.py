"""Schema-derived property tests for every operation (the glue behind suites/generated).

Flow for one operation: ``cases.strategy`` (schemathesis generation on our overlaid document)
→ ``shaping`` (pinned models, tiny token caps, real ids from ``pool``) → the project's client
→ ``judge`` (the shared checks, per phase) ; negative cases come from ``mutations`` and
schemathesis's negative mode; the stateful phase (``stateful``) follows the OpenAPI links that
``spec/overlays/links.yaml`` adds (``links``). ``settings`` holds the hypothesis profiles and
per-operation seeds; ``suite`` adapts the pytest plugin's fixtures.
"""

from .links import Lifecycle, lifecycles
from .runner import GenerationRun, OperationResult, OperationRunner
from .settings import PROFILES, derive_seed, profile
from .shaping import ShapingContext

__all__ = [
    "PROFILES",
    "GenerationRun",
    "Lifecycle",
    "OperationResult",
    "OperationRunner",
    "ShapingContext",
    "derive_seed",
    "lifecycles",
    "profile",
]
