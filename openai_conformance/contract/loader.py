"""Load the contract once and cache its compiled form keyed by content hashes.

Cold load: parse (YAML, ~0.8 s for the 3 MB document) → normalise → apply overlays →
annotate unions → attach operation metadata, then pickle the result. Warm load (every xdist
worker, every CLI call after the first): hash the inputs and unpickle. The cache key covers the
document, every overlay file, the operation metadata and ``NORMALISER_VERSION``, so a stale cache
is never used; a corrupt cache entry is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError
from .model import Spec
from .normalize import NORMALISER_VERSION, annotate_unions, normalise, parse_document
from .overlays import OBSERVED, apply_overlays, load_overlays
from .source import SPEC_DIR, read_source

OVERLAYS_DIR = SPEC_DIR / "overlays"
METADATA_PATH = SPEC_DIR / "operations.yaml"

_memo: dict[tuple[Any, ...], Spec] = {}
_memo_lock = threading.Lock()


def default_cache_dir() -> Path:
    env = os.environ.get("OAIC_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openai-conformance"


STRICT_ENV = "OAIC_STRICT_SPEC"


def strict_default() -> bool:
    """The mode a run asked for: ``OAIC_STRICT_SPEC=1`` (``--strict-spec``) is the letter of the
    document, without the ``observed`` overlays (docs/calibration.md)."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _inputs_key(sha: str, overlays_dir: Path, metadata_path: Path, strict: bool = False) -> str:
    mode = "strict" if strict else "observed"
    h = hashlib.sha256(f"{sha}|n{NORMALISER_VERSION}|{mode}".encode())
    for path in sorted(overlays_dir.glob("*.yaml")) if overlays_dir.is_dir() else []:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    if metadata_path.is_file():
        h.update(b"meta\0" + metadata_path.read_bytes())
    return h.hexdigest()[:32]


def read_metadata(path: Path = METADATA_PATH) -> dict[str, dict[str, str]]:
    """Operation metadata (resource, safety) keyed by ``METHOD /path``; empty when absent."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {k: dict(v) for k, v in (data.get("operations") or {}).items()}


def compile_spec(
    raw: bytes,
    *,
    origin: str,
    sha256: str,
    package_version: str | None,
    is_default: bool,
    overlays_dir: Path = OVERLAYS_DIR,
    metadata_path: Path = METADATA_PATH,
    strict: bool = False,
) -> Spec:
    """Build a ``Spec`` from raw document bytes (no caching); ``strict`` leaves out the
    overlays of kind ``observed`` (the letter of the document)."""
    try:
        parsed = parse_document(raw)
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError(f"the spec from {origin} is not valid JSON or YAML: {exc}") from exc
    if "paths" not in parsed or not str(parsed.get("openapi", "")).startswith("3."):
        raise SpecError(f"the document from {origin} is not an OpenAPI 3.x document")
    doc = normalise(parsed)
    overlays = load_overlays(overlays_dir) if is_default and overlays_dir.is_dir() else []
    if strict:
        overlays = [o for o in overlays if o.kind != OBSERVED]
    apply_overlays(doc, overlays)
    annotate_unions(doc)
    spec = Spec(
        document=doc,
        origin=origin,
        sha256=sha256,
        package_version=package_version,
        is_default=is_default,
        overlays=tuple(overlays),
        metadata=read_metadata(metadata_path),
    )
    _ = spec.operations  # compile the routes once so the pickle carries them
    return spec


def load_spec(
    source: str | None = None,
    *,
    cache_dir: Path | None = None,
    overlays_dir: Path = OVERLAYS_DIR,
    metadata_path: Path = METADATA_PATH,
    use_cache: bool = True,
    strict: bool | None = None,
) -> Spec:
    """Load the contract named by ``source`` (None: the locked default), using the cache.

    ``strict`` (None: ``strict_default()``, i.e. ``--strict-spec``) leaves out the overlays of
    kind ``observed``; both modes are cached apart (the mode is part of the cache key).

    Overlays in ``spec/overlays`` apply to the locked default document only: they are errata of
    that document and their targets would not mean the same in another one.
    """
    strict = strict_default() if strict is None else strict
    memo_key = (source, str(cache_dir), str(overlays_dir), str(metadata_path), use_cache, strict)
    with _memo_lock:
        if memo_key in _memo:
            return _memo[memo_key]
    raw = read_source(source)
    key = _inputs_key(raw.sha256, overlays_dir, metadata_path, strict)
    cache_file = (cache_dir or default_cache_dir()) / f"spec-{raw.sha256[:16]}-{key}.pickle"
    spec: Spec | None = None
    if use_cache and cache_file.is_file():
        try:
            with cache_file.open("rb") as fh:
                loaded = pickle.load(fh)
            if isinstance(loaded, Spec) and loaded.sha256 == raw.sha256:
                spec = loaded
        except Exception:  # a corrupt or foreign cache entry is rebuilt, never trusted
            spec = None
    if spec is None:
        spec = compile_spec(
            raw.raw,
            origin=raw.origin,
            sha256=raw.sha256,
            package_version=raw.package_version,
            is_default=raw.is_default,
            overlays_dir=overlays_dir,
            metadata_path=metadata_path,
            strict=strict,
        )
        if use_cache:
            _write_atomically(cache_file, spec)
    with _memo_lock:
        _memo[memo_key] = spec
    return spec


def _write_atomically(path: Path, spec: Spec) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".spec-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(spec, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: concurrent xdist workers never read a half file
    except OSError:
        pass  # an unwritable cache only costs speed
