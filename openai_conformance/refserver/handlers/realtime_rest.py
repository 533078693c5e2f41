"""Realtime REST side: ephemeral client secrets for the WebSocket/WebRTC session.

``POST /realtime/client_secrets`` answers ``RealtimeCreateClientSecretResponse``: an ``ek_``
secret, its ``expires_at`` (``expires_after.seconds`` after now, default 600) and the complete
session it pre-configures, built exactly like the WebSocket's ``session.created`` session
(``realtime/session.py``) and merged with the requested session. The secret is remembered in
``state.extra["realtime.client_secrets"]`` so a later check can look it up.

The other realtime REST operations (``/realtime/sessions``, ``/realtime/transcription_sessions``,
``/realtime/calls``…) are served by the spec-driven engine.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from ...contract.envelope import invalid
from ..context import Ctx, handles
from ..realtime.faults import CLIENT_SECRET_SESSION_IGNORED
from ..realtime.session import default_session, merge, show_voice

DEFAULT_TTL = 600


@handles("POST /realtime/client_secrets")
async def create_client_secret(ctx: Ctx) -> dict[str, Any]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    expires = body.get("expires_after") or {}
    seconds = expires.get("seconds", DEFAULT_TTL)
    # JSON Schema counts 10.0 as an integer; so does the contract.
    integral = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if not integral or not 10 <= seconds <= 7200 or seconds != int(seconds):
        raise invalid(
            "'expires_after.seconds' must be between 10 and 7200.", "expires_after.seconds"
        )
    seconds = int(seconds)
    requested = copy.deepcopy(body.get("session") or {"type": "realtime"})
    kind = requested.get("type", "realtime")
    now = ctx.now
    session = default_session(str(requested.get("model") or "gpt-realtime"), now, kind)
    if not ctx.fault(CLIENT_SECRET_SESSION_IGNORED):
        merge(session, requested)
        show_voice(session)
    value = "ek_" + secrets.token_hex(16)
    ctx.state.extra.setdefault("realtime.client_secrets", {})[value] = session["id"]
    return {"value": value, "expires_at": now + seconds, "session": session}
