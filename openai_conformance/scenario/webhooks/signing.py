"""Standard Webhooks signatures, as OpenAI signs its webhook deliveries.

The scheme (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
"Signature scheme" and "Webhook headers"; OpenAI: https://platform.openai.com/docs/guides/webhooks):

* the signing secret is ``whsec_`` + base64 of the key bytes (the prefix is optional on input);
* every delivery carries ``webhook-id`` (stable across retries of one message),
  ``webhook-timestamp`` (integer Unix seconds of the attempt) and ``webhook-signature``: a
  space-separated list of ``<version>,<base64 signature>``; ``v1`` is
  ``HMAC-SHA256(key, f"{id}.{timestamp}.{body}")`` over the raw body bytes;
* a receiver accepts a delivery when one ``v1`` entry matches (constant-time comparison), other
  versions are ignored (key rotation sends several), and the timestamp is within a tolerance of
  its clock (OpenAI's SDKs and the reference libraries use 300 s, both directions).

``verify`` never raises on bad input: it returns a ``Verification`` naming the problem, so the
receiver can record and count every kind of rejection.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ...errors import UsageError

SECRET_PREFIX = "whsec_"
TOLERANCE_S = 300
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")

# Verification problems (``Verification.problem``); None means verified.
MISSING_HEADERS = "missing-headers"
BAD_TIMESTAMP = "bad-timestamp"
STALE_TIMESTAMP = "stale-timestamp"
FUTURE_TIMESTAMP = "future-timestamp"
NO_MATCHING_SIGNATURE = "no-matching-signature"


def secret_key(secret: str | bytes) -> bytes:
    """The HMAC key of a ``whsec_...`` secret (or of its base64 part, or raw bytes).

    Raises ``UsageError`` for a secret that is empty or not base64, naming what was wrong but
    never echoing the secret.
    """
    if isinstance(secret, bytes):
        key = secret
    else:
        text = secret.strip().removeprefix(SECRET_PREFIX)
        try:
            # Unpadded base64 is accepted, as the reference libraries do.
            key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise UsageError(
                "the webhook signing secret is not base64 after its 'whsec_' prefix",
                hint="copy the secret exactly as the provider shows it (whsec_...)",
            ) from None
    if not key:
        raise UsageError("the webhook signing secret is empty")
    return key


def new_secret(nbytes: int = 32) -> str:
    """A fresh ``whsec_`` secret (24 to 64 key bytes per the spec; 32 by default)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def sign(secret: str | bytes, webhook_id: str, timestamp: int | str, body: bytes | str) -> str:
    """The ``v1,<base64>`` signature of one delivery."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    content = f"{webhook_id}.{timestamp}.".encode() + raw
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(
    secret: str | bytes, webhook_id: str, timestamp: int, body: bytes | str
) -> dict[str, str]:
    """The three headers a sender attaches to one delivery attempt."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
    }


@dataclass(frozen=True)
class Verification:
    """The verdict on one delivery's headers: ``problem`` is None when it verified."""

    problem: str | None
    message: str
    webhook_id: str | None = None
    timestamp: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    now: float | None = None,
    tolerance_s: float = TOLERANCE_S,
) -> Verification:
    """Check one delivery's signature and timestamp (see module doc); never raises."""
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    webhook_id = lower.get("webhook-id", "").strip()
    stamp = lower.get("webhook-timestamp", "").strip()
    header = lower.get("webhook-signature", "").strip()
    missing = [h for h, v in zip(HEADERS, (webhook_id, stamp, header), strict=True) if not v]
    if missing:
        return Verification(MISSING_HEADERS, f"missing header(s): {', '.join(missing)}", webhook_id)
    if not stamp.isdigit():
        return Verification(
            BAD_TIMESTAMP, f"webhook-timestamp {stamp[:40]!r} is not integer Unix seconds"
        )
    timestamp = int(stamp)
    current = time.time() if now is None else now
    if timestamp < current - tolerance_s:
        return Verification(
            STALE_TIMESTAMP,
            f"webhook-timestamp is {int(current - timestamp)} s old "
            f"(tolerance {int(tolerance_s)} s)",
            webhook_id,
            timestamp,
        )
    if timestamp > current + tolerance_s:
        return Verification(
            FUTURE_TIMESTAMP,
            f"webhook-timestamp is {int(timestamp - current)} s in the future "
            f"(tolerance {int(tolerance_s)} s)",
            webhook_id,
            timestamp,
        )
    expected = sign(secret, webhook_id, stamp, body).split(",", 1)[1].encode("ascii")
    versions = []
    for entry in header.split():
        version, _, value = entry.partition(",")
        versions.append(version)
        if version == "v1" and hmac.compare_digest(value.encode("ascii", "replace"), expected):
            return Verification(None, "signature verified", webhook_id, timestamp)
    return Verification(
        NO_MATCHING_SIGNATURE,
        f"none of the {len(versions)} signature(s) ({', '.join(versions) or 'none'}) is a "
        "v1 HMAC-SHA256 of id.timestamp.body with the endpoint's secret",
        webhook_id,
        timestamp,
    )
