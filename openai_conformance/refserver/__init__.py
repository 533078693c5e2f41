"""The reference server: a stateful, spec-faithful OpenAI API server (starlette + uvicorn).

Public entry points (imported lazily so that ``import openai_conformance.refserver.context``
from a handler module does not pull in uvicorn and the whole app)::

    ReferenceServer   server.py   context manager, background thread, ``.base_url`` ends in /v1
    create_app        app.py      the ASGI app with its own ServerState
    ServerConfig      state.py    api_key, clock_speed, faults, allow_fault_header, max_body_bytes
    serve_main        cli.py      ``oaic serve``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .cli import serve_main
    from .server import ReferenceServer
    from .state import ServerConfig, ServerState

_EXPORTS = {
    "ReferenceServer": "server",
    "create_app": "app",
    "ServerConfig": "state",
    "ServerState": "state",
    "serve_main": "cli",
}

__all__ = ["ReferenceServer", "ServerConfig", "ServerState", "create_app", "serve_main"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
