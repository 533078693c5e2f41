"""Redaction by construction: secrets are removed before any record, message or curl exists.

Everything the harness writes (evidence records, curl lines, failure messages, exception
texts) passes through this module. Three layers, applied together:

* **Header names** that always carry credentials (``authorization``, ``api-key``, ``cookie``,
  ...) have their value replaced with ``[REDACTED]``, whatever the value is.
* **Configured secret values** (the API key, secret-looking extra headers; see
  ``RunConfig.secrets()``) are replaced wherever they occur in any text.
* **Shapes** that are secrets even when nobody configured them: ``Bearer <token>``,
  OpenAI-style keys (``sk-...``), credential query parameters (``?api_key=...``) and URL
  user-info (``https://user:pass@host``). A target that echoes a key back in an error message
  is therefore redacted too.

``Secret`` wraps a value so that ``repr``/``str``/f-strings never show it; only
``reveal()`` does, and only the HTTP client calls it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

# Header names whose value is a credential, whatever it looks like. OpenAI-Organization and
# OpenAI-Project are identifiers, not credentials: they stay visible (they help reproduce).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "cookie",
        "set-cookie",
        "x-goog-api-key",
        "ocp-apim-subscription-key",
    }
)
# Query parameters that carry credentials (Azure SAS `sig`, `key=` of some gateways, ...).
SECRET_PARAMS = frozenset(
    {"api_key", "api-key", "apikey", "key", "token", "access_token", "sig", "signature"}
)
# Only secrets at least this long are replaced inside free text: replacing a 1-3 character
# "key" everywhere would destroy the evidence without protecting anything.
MIN_SECRET_LEN = 4

_NAME_HINT = re.compile(r"(auth|token|secret|key|password|cookie|credential|signature)", re.I)
_SHAPES = (
    # "Bearer abc.def" -> "Bearer [REDACTED]" (also "Basic ...")
    re.compile(r"(?i)\b(bearer|basic)\s+(?!\[REDACTED\])[A-Za-z0-9._~+/=\-]{4,}"),
    # OpenAI-style keys: sk-..., sk-proj-..., sess-...
    re.compile(r"\b(?:sk|sess|rk)-[A-Za-z0-9_\-]{12,}"),
    # Standard Webhooks signing secrets (whsec_<base64>), e.g. in a webhook endpoint's config
    re.compile(r"\bwhsec_[A-Za-z0-9+/=]{8,}"),
)
_QUERY_IN_TEXT = re.compile(
    r"(?i)([?&](?:" + "|".join(re.escape(p) for p in sorted(SECRET_PARAMS)) + r")=)[^&\s'\"#]+"
)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s:@]+:[^/\s@]+@")


class Secret:
    """A value that never prints itself. ``reveal()`` returns it; nothing else does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = str(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        # Pickling (xdist, multiprocessing) keeps the value; printing never shows it.
        return (Secret, (self._value,))


# Query parameters known to carry no credential (kept visible: they help reproduce a run).
PUBLIC_QUERY_PARAMS = frozenset({"api-version", "api_version", "version"})


def url_secrets(base_url: str | None, query: Mapping[str, str] | None = None) -> list[str]:
    """Credential values a target URL and the configured query carry: the user-info's
    password (or a token given as user name alone), and every query value except
    ``PUBLIC_QUERY_PARAMS`` (``OAIC_QUERY`` is where gateways put keys; unknown names are
    treated as secret). A plain user name ("user") is not a secret: replacing it in every text
    would destroy the evidence; URLs still lose their whole user-info (``redact_url``)."""
    out: list[str] = []
    pairs = list((query or {}).items())
    if base_url:
        try:
            parts = urlsplit(base_url)
            user, password = parts.username, parts.password
            pairs += parse_qsl(parts.query, keep_blank_values=True)
        except ValueError:
            user = password = None
        if password:
            out.append(password)
        elif user and len(user) >= 8:
            out.append(user)
    out += [str(v) for k, v in pairs if v and str(k).lower() not in PUBLIC_QUERY_PARAMS]
    return out


def looks_secret(name: str, value: str) -> bool:
    """True when a header (name, value) should be treated as a credential.

    By name (``SECRET_HEADERS`` or a name containing auth/token/secret/key/...), or by value
    (an ``sk-``/``Bearer`` shape, or a long opaque token: 24+ characters without spaces).
    """
    if name.lower() in SECRET_HEADERS or _NAME_HINT.search(name):
        return True
    if any(p.search(value) for p in _SHAPES):
        return True
    return len(value) >= 24 and " " not in value and bool(re.fullmatch(r"[\w.+/=\-~]+", value))


def _usable(secrets: Iterable[str | Secret]) -> list[str]:
    out = {s.reveal() if isinstance(s, Secret) else s for s in secrets}
    # Longest first, so a secret that contains another is replaced whole.
    return sorted((s for s in out if s and len(s) >= MIN_SECRET_LEN), key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str | Secret] = ()) -> str:
    """Replace every configured secret and every secret-shaped token in ``text``."""
    if not text:
        return text
    for value in _usable(secrets):
        if value in text:
            text = text.replace(value, REDACTED)
    text = _SHAPES[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    for shape in _SHAPES[1:]:
        text = shape.sub(REDACTED, text)
    text = _QUERY_IN_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
    return _USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)


def redact_url(url: str, secrets: Iterable[str | Secret] = ()) -> str:
    """Redact credential query parameters, user-info and configured secrets in a URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url, secrets)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs], safe="[]"
        )
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return redact_text(rebuilt, secrets)


def redact_headers(
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]],
    secrets: Iterable[str | Secret] = (),
) -> dict[str, str]:
    """A plain ``{lower-case name: value}`` dict with credentials replaced.

    Repeated headers (``set-cookie``) are joined with ``", "``. Accepts ``httpx.Headers``,
    any mapping, or ``(name, value)`` pairs.
    """
    if hasattr(headers, "multi_items"):
        items = list(headers.multi_items())
    elif isinstance(headers, Mapping):
        items = list(headers.items())
    else:
        items = list(headers)
    secret_list = _usable(secrets)
    out: dict[str, str] = {}
    for name, raw in items:
        key = str(name).lower()
        if isinstance(raw, Secret) or key in SECRET_HEADERS:
            value = REDACTED
        else:
            value = redact_text(str(raw), secret_list)
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def redact_obj(obj: Any, secrets: Iterable[str | Secret] = ()) -> Any:
    """Deep-redact strings inside JSON-like data (dicts, lists, strings)."""
    secret_list = _usable(secrets)

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return redact_text(node, secret_list)
        if isinstance(node, Secret):
            return REDACTED
        if isinstance(node, Mapping):
            return {
                k: (REDACTED if str(k).lower() in SECRET_HEADERS else walk(v))
                for k, v in node.items()
            }
        if isinstance(node, list | tuple):
            return [walk(v) for v in node]
        return node

    return walk(obj)
