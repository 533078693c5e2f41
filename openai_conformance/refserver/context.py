"""What a reference-server handler receives, and how handlers are registered.

A handler serves one operation of the contract, named by its ``METHOD /path`` id::

    from .context import Ctx, handles

    @handles("POST /chat/completions")
    async def create_chat_completion(ctx: Ctx) -> dict | Response:
        model = ctx.body["model"]
        ...
        return {...}            # a dict is sent as 200 application/json

Operations without a hand-written handler are served by the spec-driven engine
(``engine.py``). Requests reach a handler only after the dispatcher has checked auth, parsed
the body and validated it against the operation's request schema, so handlers deal with
meaning, not shape. Raise ``ApiError`` for any error reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ..contract import Operation

if TYPE_CHECKING:
    from .state import ServerState

Handler = Callable[["Ctx"], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {}


def handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    """Register a coroutine as the handler of one or more operations (``METHOD /path``)."""

    def register(fn: Handler) -> Handler:
        for op_id in operation_ids:
            if op_id in HANDLERS and HANDLERS[op_id] is not fn:
                raise ValueError(f"two handlers registered for {op_id}")
            HANDLERS[op_id] = fn
        return fn

    return register


@dataclass
class Ctx:
    """One request, after auth, parsing and request validation."""

    request: Request
    op: Operation
    path_params: dict[str, str]
    query: dict[str, Any]  # parsed query (lists for repeated keys like include[])
    body: Any  # parsed JSON, or a dict of form fields (UploadFile values for files), or None
    raw_body: bytes
    state: ServerState
    faults: frozenset[str] = field(default_factory=frozenset)  # active for this request

    def fault(self, name: str) -> bool:
        """True when the named fault is active for this request."""
        return name in self.faults

    @property
    def now(self) -> int:
        """The server clock, in Unix seconds (advances at the configured speed)."""
        return int(self.state.clock.now())

    def respond(self, payload: Any, status: int = 200) -> Response:
        from .responses import json_response

        return json_response(payload, status=status, faults=self.faults)
