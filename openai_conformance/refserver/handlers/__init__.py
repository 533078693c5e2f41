"""Hand-written handlers: every module in this package is imported, so its ``@handles`` register.

Drop a module here (``chat.py``, ``files.py`` ...) and its handlers are live; nothing else to
edit. Modules are imported in name order; a module that fails to import is an error at app
creation (a half-registered server would silently fall back to the engine).
"""

from __future__ import annotations

import importlib
import pkgutil

_LOADED: list[str] = []


def load_all() -> list[str]:
    """Import every submodule of this package once; returns their names."""
    if not _LOADED:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            importlib.import_module(f"{__name__}.{info.name}")
            _LOADED.append(info.name)
    return list(_LOADED)


load_all()
