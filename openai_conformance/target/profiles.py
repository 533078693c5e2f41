"""Target profiles: ``targets/<name>.toml``, validated against ``profile.schema.json``.

A profile says what an implementation claims (features, model ids per role, auth style,
timeouts, lifecycle deadlines) and what it is known to get wrong (``[expect."<test id>"]``).
Every key is documented in ``targets/example.toml``; the JSON Schema lives in
``reports/schema/profile.schema.json``. Validation turns every problem into a ``UsageError``
that names the file, the key and what is expected, with a "did you mean" for typos:

    targets/vllm.toml: unknown key 'timeouts.conect' (did you mean 'connect'?);
    allowed keys: connect, read, total, stream_total, stream_idle

``load_profile(name, directory)`` returns a ``Profile`` (name, path, data). Unknown names
list the available profiles.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from ..contract.features import registry
from ..errors import UsageError

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "reports" / "schema" / "profile.schema.json"
DEFAULT_PROFILES_DIR = REPO_ROOT / "targets"

# The feature vocabulary is declared once, in suites/*/feature.yaml (contract/features.py):
# RESOURCES are the spec/operations.yaml resources the features own plus `core` (the
# cross-cutting suite `--resources core` selects); a profile claims any resource feature or
# sub-feature; `core` (error envelope, auth, headers) is every target's contract, never claimed.
_REGISTRY = registry()
RESOURCES = _REGISTRY.resources
ALWAYS_CLAIMED = _REGISTRY.always_claimed
FEATURES = _REGISTRY.claimable
MODEL_ROLES = (
    "chat", "embeddings", "moderation", "tts", "transcription", "image", "fine_tune_base",
    "realtime",
)  # fmt: skip


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    data: dict[str, Any] = field(repr=False)

    def get(self, dotted: str) -> Any:
        """Value at a dotted key (``timeouts.read``) or None."""
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node


@cache
def profile_schema() -> dict[str, Any]:
    try:
        return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # a broken checkout, not a user error
        raise UsageError(f"cannot read the profile schema {SCHEMA_PATH}: {exc}") from None


def available_profiles(directory: Path | None = None) -> list[str]:
    d = directory or DEFAULT_PROFILES_DIR
    return sorted(p.stem for p in d.glob("*.toml")) if d.is_dir() else []


def resolve_profiles_dir(directory: Path | str | None) -> Path:
    """``directory`` if given; else ``./targets`` when it exists; else the repo's targets/."""
    if directory is not None:
        return Path(directory)
    local = Path("targets")
    return local if local.is_dir() else DEFAULT_PROFILES_DIR


def load_profile(name_or_path: str, directory: Path | str | None = None) -> Profile:
    """Load and validate a profile by name (``targets/<name>.toml``) or by path."""
    d = resolve_profiles_dir(directory)
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or "/" in name_or_path:
        path = candidate
    else:
        path = d / f"{name_or_path}.toml"
    if not path.is_file():
        names = available_profiles(d)
        close = difflib.get_close_matches(name_or_path, names, n=1)
        raise UsageError(
            f"unknown profile {name_or_path!r}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + f"; available profiles in {d}: {', '.join(names) or '(none)'}",
            hint="pass --profile NAME (a targets/<NAME>.toml) or a path to a .toml file",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read profile: {exc}") from None
    validate_profile(data, path)
    return Profile(path.stem, path, data)


def validate_profile(data: dict[str, Any], path: Path | str = "<profile>") -> None:
    """Raise ``UsageError`` describing every schema violation and unknown feature name."""
    validator = jsonschema.Draft202012Validator(profile_schema())
    problems = [
        _describe(err, path) for err in sorted(validator.iter_errors(data), key=lambda e: e.path)
    ]
    for feature in data.get("features", []) if isinstance(data.get("features"), list) else []:
        if isinstance(feature, str) and feature not in FEATURES:
            close = difflib.get_close_matches(feature, sorted(FEATURES), n=1)
            problems.append(
                f"{path}: unknown feature {feature!r}"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + "; known features are declared in suites/*/feature.yaml"
            )
    if problems:
        raise UsageError(
            "invalid profile:\n  " + "\n  ".join(problems),
            hint="every key is documented in targets/example.toml",
        )


def _describe(err: jsonschema.ValidationError, path: Path | str) -> str:
    where = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = list((err.schema.get("properties") or {}).keys())
        extras = (
            [k for k in err.instance if k not in allowed] if isinstance(err.instance, dict) else []
        )
        parts = []
        for extra in extras:
            key = f"{where}.{extra}" if where else extra
            close = difflib.get_close_matches(extra, allowed, n=1)
            parts.append(
                f"{path}: unknown key {key!r}"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; allowed keys: {', '.join(allowed)}"
            )
        return "\n  ".join(parts)
    expected = _expected(err)
    return f"{path}: key {where or '(top level)'!r}: {err.message}" + (
        f" (expected {expected})" if expected else ""
    )


def _expected(err: jsonschema.ValidationError) -> str:
    schema = err.schema if isinstance(err.schema, dict) else {}
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "type" in schema:
        return f"a {schema['type']}"
    return ""


def toml_string(text: str) -> str:
    """A TOML basic string for ``text`` (escapes quotes, backslashes and control chars)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate cannot be encoded: replace it
            out.append("\\uFFFD")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
