"""The contract: loading, normalising, overlaying and querying the OpenAPI document."""

from .loader import compile_spec, default_cache_dir, load_spec
from .model import Operation, Parameter, Spec
from .overlays import Overlay
from .source import DEFAULT_SOURCE, SPEC_DIR, SpecLock

__all__ = [
    "DEFAULT_SOURCE",
    "SPEC_DIR",
    "Operation",
    "Overlay",
    "Parameter",
    "Spec",
    "SpecLock",
    "compile_spec",
    "default_cache_dir",
    "load_spec",
]
