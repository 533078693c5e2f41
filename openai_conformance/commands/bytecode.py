"""A run keeps compiled modules between runs even where bytecode writing is turned off.

With ``PYTHONDONTWRITEBYTECODE`` set (common in containers and CI images), every process of a
run compiled our package from source and, worse, pytest re-did its assertion rewriting of every
plugin distribution it loads (schemathesis, hypothesis, anyio, xdist: a few hundred modules,
about 1.3 s of CPU per process, paid again by each xdist worker). The site-packages of a
``pip install`` are precompiled, but an editable checkout and pytest's rewritten modules never
are.

``cache_bytecode(cache_dir)`` turns writing back on for this process and the processes it starts
(xdist workers inherit the environment), with ``sys.pycache_prefix`` pointing at ``cache_dir``
(the report directory's ``.pycache``, next to ``.hypothesis``): the source tree and the
site-packages stay untouched, which is what the variable asks for, and the second run reads
what the first one compiled. Without the variable set nothing changes (Python already caches
next to the sources). The returned callable restores the previous state.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

ENV_NO_WRITE = "PYTHONDONTWRITEBYTECODE"
ENV_PREFIX = "PYTHONPYCACHEPREFIX"


def cache_bytecode(cache_dir: Path) -> Callable[[], None]:
    """Write bytecode under ``cache_dir`` if writing was turned off; returns the undo."""
    if not sys.dont_write_bytecode:
        return lambda: None
    saved_env = {k: os.environ.get(k) for k in (ENV_NO_WRITE, ENV_PREFIX)}
    saved_prefix = sys.pycache_prefix
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return lambda: None  # an unwritable cache is no reason to fail a run
    prefix = str(cache_dir.resolve())
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False
    os.environ.pop(ENV_NO_WRITE, None)
    os.environ[ENV_PREFIX] = prefix

    def restore() -> None:
        sys.dont_write_bytecode = True
        sys.pycache_prefix = saved_prefix
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    return restore
