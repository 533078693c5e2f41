"""Webhooks: Standard Webhooks signatures, the contract's event catalogue, a receiver, hookup.

* ``signing``: ``sign``, ``signature_headers``, ``verify`` (-> ``Verification``),
  ``new_secret``, ``secret_key``; tolerance 300 s.
* ``events``: ``event_schemas(spec)`` {event type: component}, ``known_event_types``.
* ``receiver``: ``WebhookReceiver`` (ASGI app + loopback server) and ``Delivery``.
* ``checks``: the ``*_conformance`` checks over one object's deliveries.
* ``target``: ``receiver_settings`` (profile ``[webhooks]`` + env) and ``hookup`` (make the
  target deliver to the receiver, or say why it cannot).
"""

from .events import event_schemas, family_types, known_event_types
from .receiver import (
    ACCEPTED,
    REFUSED,
    REJECTED,
    REPLAY,
    Delivery,
    WebhookReceiver,
    record_deliveries,
)
from .signing import (
    SECRET_PREFIX,
    TOLERANCE_S,
    Verification,
    new_secret,
    secret_key,
    sign,
    signature_headers,
    verify,
)
from .target import ReceiverSettings, hookup, is_loopback, receiver_settings

__all__ = [
    "ACCEPTED",
    "REFUSED",
    "REJECTED",
    "REPLAY",
    "SECRET_PREFIX",
    "TOLERANCE_S",
    "Delivery",
    "ReceiverSettings",
    "Verification",
    "WebhookReceiver",
    "event_schemas",
    "family_types",
    "hookup",
    "is_loopback",
    "known_event_types",
    "new_secret",
    "receiver_settings",
    "record_deliveries",
    "secret_key",
    "sign",
    "signature_headers",
    "verify",
]
