"""Spec-driven engine (placeholder while it is being written): 501 for every operation."""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .errors import ApiError


async def serve(ctx: Ctx) -> Any:
    raise ApiError(501, f"{ctx.op.id} is not implemented yet.", code="not_implemented")
