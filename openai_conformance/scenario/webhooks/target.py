"""Where the receiver listens and how the target learns about it.

``receiver_settings(profile, environ)`` reads the profile's ``[webhooks]`` table (documented in
``targets/example.toml``) with environment overrides:

* ``public_url`` / ``OAIC_WEBHOOK_PUBLIC_URL``: the address a remote provider posts to (a tunnel
  or a public host forwarding to the receiver), configured by the user on the provider's side;
* ``listen`` / ``OAIC_WEBHOOK_LISTEN``: ``HOST:PORT`` the receiver binds (default
  ``127.0.0.1:0``, a free loopback port);
* ``secret_env`` (default ``OPENAI_WEBHOOK_SECRET``): the environment variable holding that
  endpoint's signing secret (``whsec_...``); never written to a profile.

``hookup(client, receiver, settings, cleanup)`` makes the target deliver to the receiver and
returns None, or returns the reason it cannot (the tests are then UNSUPPORTED, never FAIL):

* a ``public_url`` means the user registered it with the provider: nothing to do;
* a loopback target is asked to register the receiver through the reference server's control
  endpoint ``POST /v1/__oaic/webhooks {"url", "secret"}`` (undone at cleanup with ``DELETE
  /v1/__oaic/webhooks/{id}``); a target without that endpoint cannot be configured by us;
* any other target cannot reach a loopback receiver.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...errors import UsageError

CONTROL_PATH = "/__oaic/webhooks"
DEFAULT_SECRET_ENV = "OPENAI_WEBHOOK_SECRET"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class ReceiverSettings:
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    secret_env: str = DEFAULT_SECRET_ENV
    secret: str | None = None  # from secret_env; None: a fresh secret per run (loopback only)


def _listen(text: str, source: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"{source}: expected HOST:PORT such as 0.0.0.0:8765, got {text!r}")
    return host.strip("[]"), int(port)


def receiver_settings(
    profile: Any = None, environ: Mapping[str, str] | None = None
) -> ReceiverSettings:
    """See module doc; ``profile`` is a ``target.profiles.Profile`` or None."""
    env = os.environ if environ is None else environ

    def pick(key: str, var: str) -> str | None:
        value = env.get(var) or (profile.get(f"webhooks.{key}") if profile is not None else None)
        return str(value) if value else None

    public_url = pick("public_url", "OAIC_WEBHOOK_PUBLIC_URL")
    if public_url and urlsplit(public_url).scheme not in ("http", "https"):
        raise UsageError(f"webhooks.public_url: expected an http(s) URL, got {public_url!r}")
    listen = pick("listen", "OAIC_WEBHOOK_LISTEN")
    host, port = _listen(listen, "webhooks.listen") if listen else ("127.0.0.1", 0)
    secret_env = pick("secret_env", "OAIC_WEBHOOK_SECRET_ENV") or DEFAULT_SECRET_ENV
    return ReceiverSettings(
        public_url=public_url,
        host=host,
        port=port,
        secret_env=secret_env,
        secret=env.get(secret_env) or None,
    )


def is_loopback(base_url: str | None) -> bool:
    return (urlsplit(base_url or "").hostname or "") in LOOPBACK


def hookup(client: Any, receiver: Any, settings: ReceiverSettings, cleanup: Any) -> str | None:
    """Make the target deliver to ``receiver``; the reason it cannot, or None (module doc)."""
    if settings.public_url:
        return None
    if not is_loopback(getattr(client, "base_url", None)):
        return (
            "the target cannot reach the loopback webhook receiver: register a public URL "
            "that forwards to it with the provider and name it in the profile "
            "([webhooks] public_url, listen, secret_env) or OAIC_WEBHOOK_PUBLIC_URL"
        )
    payload = {"url": receiver.url, "secret": receiver.secret}
    exchange = client.request("POST", CONTROL_PATH, json=payload)
    try:
        body = exchange.json() if exchange.status == 200 else None
    except ValueError:
        body = None
    endpoint_id = body.get("id") if isinstance(body, dict) else None
    if not endpoint_id:
        return (
            f"the target has no webhook configuration endpoint (POST /v1{CONTROL_PATH} "
            f"answered {exchange.status}) and the profile names no [webhooks] public_url"
        )

    def undo() -> Any:
        return client.request("DELETE", f"{CONTROL_PATH}/{endpoint_id}")

    cleanup.register("webhook endpoint", str(endpoint_id), undo, "webhook endpoint")
    return None
