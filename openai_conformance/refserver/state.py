"""Everything one reference-server instance owns: contract, validator, store, clock, blobs.

``ServerState`` is created once per app by ``create_app(config)`` and reaches every handler as
``ctx.state``. It is shared by all requests of that server (and only that server), so two
``ReferenceServer``s in one process never see each other's objects.

Shape::

    state.spec        Spec                  the compiled contract
    state.validator   SchemaValidator       cached, thread-safe
    state.store       Store                 objects by kind (+ parent), cursor pagination
    state.clock       Clock                 simulated time for lifecycles
    state.blobs       BlobStore             file contents by file id (a dict[str, bytes])
    state.config      ServerConfig          api_key, clock_speed, faults, ...
    state.models      list[dict]            the model objects GET /models serves
    state.extra       dict[str, Any]        free per-server scratch space for handler modules
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..contract import Spec, load_spec
from ..contract.validation import SchemaValidator
from .clock import Clock
from .store import Store

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024

# Models the reference server knows from the start. ``ref-*`` names say "this is the reference
# server"; the OpenAI names let SDK examples run unchanged.
DEFAULT_MODEL_IDS = (
    "ref-chat",
    "ref-embed",
    "ref-moderation",
    "ref-tts",
    "ref-whisper",
    "ref-image",
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1-mini",
    "text-embedding-3-small",
    "omni-moderation-latest",
    "whisper-1",
    "tts-1",
    "gpt-image-1",
    "dall-e-3",
    "davinci-002",
    "babbage-002",
)
MODELS_CREATED_AT = 1_700_000_000


@dataclass(frozen=True)
class ServerConfig:
    """How a reference server behaves; immutable for the server's lifetime."""

    api_key: str | None = None
    clock_speed: float = 1000.0
    faults: frozenset[str] = frozenset()
    allow_fault_header: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if self.clock_speed <= 0:
            raise ValueError("clock_speed must be positive")
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        object.__setattr__(self, "faults", frozenset(self.faults))


class BlobStore(dict[str, bytes]):
    """File contents by file id. A dict with a lock for read-modify-write sequences."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()


def default_models() -> list[dict[str, Any]]:
    return [
        {
            "id": mid,
            "object": "model",
            "created": MODELS_CREATED_AT,
            "owned_by": "openai-conformance" if mid.startswith("ref-") else "system",
        }
        for mid in DEFAULT_MODEL_IDS
    ]


@dataclass
class ServerState:
    """Mutable state of one reference-server instance (thread-safe parts are noted)."""

    config: ServerConfig
    spec: Spec
    validator: SchemaValidator
    store: Store = field(default_factory=Store)
    clock: Clock = field(default_factory=Clock)
    blobs: BlobStore = field(default_factory=BlobStore)
    models: list[dict[str, Any]] = field(default_factory=default_models)
    extra: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def observed(self) -> bool:
        """Answer as the live API does where it deviates from the letter of the document
        (``observed`` overlays loaded, i.e. not ``--strict-spec``): unset optional fields are
        sent as null (spec/overlays/590-observed-optional-fields-null.yaml)."""
        return any(o.kind == "observed" for o in self.spec.overlays)

    @classmethod
    def create(cls, config: ServerConfig | None = None, spec: Spec | None = None) -> ServerState:
        config = config or ServerConfig()
        spec = spec or load_spec()
        return cls(
            config=config,
            spec=spec,
            validator=SchemaValidator(spec),
            clock=Clock(speed=config.clock_speed, start=simulated_start(config.clock_speed)),
        )


#: Real seconds a fast clock may run before its times pass the real clock (see below).
CLOCK_HEADROOM_S = 3600.0


def simulated_start(speed: float) -> float:
    """Where a simulated clock starts: far enough in the past that, at ``speed``, it reaches
    real time only after ``CLOCK_HEADROOM_S`` real seconds. The server's timestamps must look
    like a real server's (never in the future, ``checks.plausibility``); a clock starting
    at real time and running 1000x would date objects hours ahead within seconds. At speed 1
    the clock is real time."""
    return time.time() - (speed - 1.0) * CLOCK_HEADROOM_S
