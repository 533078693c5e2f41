"""The feature registry: ``suites/<x>/feature.yaml``, one declaration per suite folder.

Each file (JSON Schema: ``spec/feature.schema.json``) says which requirements file the folder's
tests cite and which features it covers. A feature is what a profile claims (``features =
[...]``); it owns the ``spec/operations.yaml`` resources it names, and declares:

* ``probe``: the one request that decides UNSUPPORTED (``absent_answer``), run once per run;
* ``routes``: what ``oaic probe`` requests to detect it;
* ``deadline_s`` and ``machine``: the default remote lifecycle deadline and state machine (a
  sub-feature may declare the machine of what it creates, e.g. vector store file batches);
* ``needs``: features its tests use (batches upload their input through files);
* ``sub_features``: optional capabilities (``chat.stored``, ``models.retrieve``...), each with
  the operations it owns, the requirement ids whose tests need it and an optional probe of its
  own. A sub-feature without a probe is an option of its parent (claimed, never probed).

Everything that used to keep its own table reads this registry: the profile vocabulary
(``target.profiles``), ``oaic probe``'s routes, lifecycle deadlines and state machines, the
plugin's absence rule and the fault self-tests. ``load_registry`` raises ``SpecError`` listing
every problem of every file at once.

Strings in a probe may name a model role: ``"{model:chat}"`` is the profile's chat model;
``Request.resolve`` returns None when the profile names none (the probe is then skipped and
the tests decide, e.g. DISABLED for a missing model).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..errors import SpecError
from .source import SPEC_DIR

REPO_ROOT = SPEC_DIR.parent
SUITES_DIR = REPO_ROOT / "suites"
SCHEMA_PATH = SPEC_DIR / "feature.schema.json"
FILE_NAME = "feature.yaml"
#: Statuses that say "this route is not implemented", whatever the body looks like.
ABSENT_STATUSES = frozenset({404, 405, 501})
_MODEL = re.compile(r"\{model:([a-z_]+)\}")


@dataclass(frozen=True)
class Request:
    """One probe or route request (``kind`` http or websocket)."""

    method: str
    path: str
    kind: str = "http"
    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    missing_object: bool = False

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Request:
        return cls(
            method=str(raw["method"]),
            path=str(raw["path"]),
            kind=str(raw.get("kind", "http")),
            params=dict(raw.get("params") or {}),
            headers=dict(raw.get("headers") or {}),
            body=raw.get("body"),
            missing_object=bool(raw.get("missing_object", False)),
        )

    def resolve(self, models: Mapping[str, str]) -> Request | None:
        """This request with ``{model:<role>}`` replaced; None when a role has no model."""
        missing: list[str] = []

        def sub(value: Any) -> Any:
            if isinstance(value, str):
                for role in _MODEL.findall(value):
                    if not models.get(role):
                        missing.append(role)
                return _MODEL.sub(lambda m: str(models.get(m.group(1)) or ""), value)
            if isinstance(value, dict):
                return {k: sub(v) for k, v in value.items()}
            if isinstance(value, list):
                return [sub(v) for v in value]
            return value

        resolved = Request(
            self.method,
            sub(self.path),
            self.kind,
            sub(dict(self.params)),
            dict(self.headers),
            sub(self.body),
            self.missing_object,
        )
        return None if missing else resolved

    @property
    def label(self) -> str:
        return f"{'WebSocket' if self.kind == 'websocket' else self.method} {self.path}"


@dataclass(frozen=True)
class Machine:
    """A documented lifecycle as data (``scenario.lifecycles.machines`` builds the checks)."""

    name: str
    initial: tuple[str, ...]
    moves: Mapping[str, tuple[str, ...]]
    terminal: tuple[str, ...]
    timestamps: Mapping[str, str]


@dataclass(frozen=True)
class Feature:
    """A claimable feature: a resource feature (``parent`` None) or a sub-feature."""

    name: str
    folder: str
    parent: str | None = None
    description: str = ""
    resources: tuple[str, ...] = ()
    always_claimed: bool = False
    needs: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    requirement_ids: tuple[str, ...] = ()
    probe: Request | None = None
    routes: tuple[Request, ...] = ()
    deadline_s: float | None = None
    machine: Machine | None = None


@dataclass(frozen=True)
class Folder:
    name: str
    path: Path
    requirements: str
    features: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    folders: Mapping[str, Folder]
    features: Mapping[str, Feature]  # every feature and sub-feature, in file order

    def __iter__(self) -> Iterator[Feature]:
        return iter(self.features.values())

    def get(self, name: str) -> Feature | None:
        return self.features.get(name)

    @property
    def resources(self) -> frozenset[str]:
        """Every resource a feature owns, plus the always-claimed features (``core``)."""
        out = {r for f in self for r in f.resources}
        return frozenset(out | {f.name for f in self if f.always_claimed})

    @property
    def always_claimed(self) -> frozenset[str]:
        return frozenset(f.name for f in self if f.always_claimed)

    @property
    def claimable(self) -> frozenset[str]:
        """The vocabulary of a profile's ``features``."""
        return frozenset(f.name for f in self if not f.always_claimed)

    @property
    def sub_features(self) -> frozenset[str]:
        return frozenset(f.name for f in self if f.parent is not None)

    def deadlines(self) -> dict[str, float]:
        """Default remote lifecycle deadline (seconds) per lifecycle feature."""
        return {f.name: f.deadline_s for f in self if f.deadline_s is not None}

    def machine(self, feature: str) -> Machine:
        found = self.features[feature].machine
        if found is None:
            raise KeyError(f"feature {feature!r} declares no state machine")
        return found

    def owner_of_resource(self, resource: str) -> Feature | None:
        return next((f for f in self if f.parent is None and resource in f.resources), None)

    def owner_of_operation(self, operation: str, resource: str | None = None) -> Feature | None:
        """The sub-feature that owns ``operation``, else the feature owning its resource."""
        sub = next((f for f in self if operation in f.operations), None)
        if sub is not None:
            return sub
        return self.owner_of_resource(resource) if resource else None

    def needing_requirement(self, requirement_id: str) -> list[Feature]:
        """Sub-features whose ``requirements`` list ``requirement_id``."""
        return [f for f in self if requirement_id in f.requirement_ids]

    def chain(self, name: str) -> list[Feature]:
        """What ``name`` depends on, outermost first: needs, parent, then the feature itself."""
        out: list[Feature] = []

        def visit(n: str) -> None:
            feature = self.features.get(n)
            if feature is None or feature in out:
                return
            for dep in feature.needs:
                visit(dep)
            if feature.parent:
                visit(feature.parent)
            out.append(feature)

        visit(name)
        return out


def absent_answer(status: int | None, body: Any, *, missing_object: bool = False) -> bool:
    """True when a probe's answer says the route is not implemented.

    405 and 501 always; 404 whatever its body looks like (the OpenAI envelope, ``{"detail":
    "Not Found"}``, plain text, HTML: whether it carries the envelope is judged by
    core/unknown-route-404, once), except when the envelope says the *object* is missing
    rather than the route: code ``model_not_found``, or any envelope on a ``missing_object``
    probe (an id route probed with an id that need not exist).
    """
    if status not in ABSENT_STATUSES:
        return False
    if status != 404:
        return True
    if not is_error_envelope(body):
        return True
    return not (missing_object or body["error"].get("code") == "model_not_found")


def is_error_envelope(body: Any) -> bool:
    """``body`` is the OpenAI error envelope (``{"error": {"message": str, ...}}``)."""
    err = body.get("error") if isinstance(body, dict) else None
    return isinstance(err, dict) and isinstance(err.get("message"), str)


@cache
def _schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _machine(raw: Mapping[str, Any]) -> Machine:
    return Machine(
        name=str(raw["name"]),
        initial=tuple(raw["initial"]),
        moves={k: tuple(v) for k, v in raw["moves"].items()},
        terminal=tuple(raw["terminal"]),
        timestamps=dict(raw.get("timestamps") or {}),
    )


def _features(folder: str, raw: Mapping[str, Any]) -> list[Feature]:
    probe = Request.parse(raw["probe"]) if raw.get("probe") else None
    routes = tuple(Request.parse(r) for r in raw.get("routes") or ())
    always = bool(raw.get("always_claimed", False))
    top = Feature(
        name=raw["name"],
        folder=folder,
        resources=tuple(raw.get("resources") or (() if always else (raw["name"],))),
        always_claimed=always,
        needs=tuple(raw.get("needs") or ()),
        probe=probe,
        routes=routes,
        deadline_s=float(raw["deadline_s"]) if raw.get("deadline_s") is not None else None,
        machine=_machine(raw["machine"]) if raw.get("machine") else None,
    )
    out = [top]
    for sub in raw.get("sub_features") or ():
        out.append(
            Feature(
                name=sub["name"],
                folder=folder,
                parent=top.name,
                description=sub["description"],
                operations=tuple(sub.get("operations") or ()),
                requirement_ids=tuple(sub.get("requirements") or ()),
                probe=Request.parse(sub["probe"]) if sub.get("probe") else None,
                routes=tuple(Request.parse(r) for r in sub.get("routes") or ()),
                machine=_machine(sub["machine"]) if sub.get("machine") else None,
            )
        )
    return out


def load_registry(suites_dir: Path | None = None) -> Registry:
    """Every ``suites/*/feature.yaml``, validated (``SpecError`` listing every problem)."""
    root = Path(suites_dir) if suites_dir is not None else SUITES_DIR
    validator = jsonschema.Draft202012Validator(_schema())
    problems: list[str] = []
    folders: dict[str, Folder] = {}
    features: dict[str, Feature] = {}
    for path in sorted(root.glob(f"*/{FILE_NAME}")):
        where = path.relative_to(root.parent) if root.parent in path.parents else path
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{where}: cannot read: {exc}")
            continue
        errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
        if errors:
            for err in errors:
                at = "/".join(str(p) for p in err.absolute_path) or "(top level)"
                problems.append(f"{where}: at {at}: {err.message}")
            continue
        names = []
        for entry in raw["features"]:
            for feature in _features(path.parent.name, entry):
                if feature.name in features:
                    problems.append(
                        f"{where}: feature {feature.name!r} is already declared in "
                        f"suites/{features[feature.name].folder}/{FILE_NAME}"
                    )
                    continue
                if feature.parent and not feature.name.startswith(feature.parent + "."):
                    problems.append(
                        f"{where}: sub-feature {feature.name!r} must start with '{feature.parent}.'"
                    )
                features[feature.name] = feature
                names.append(feature.name)
        folders[path.parent.name] = Folder(
            path.parent.name, path, str(raw["requirements"]), tuple(names)
        )
    for feature in features.values():
        for dep in feature.needs:
            if dep not in features:
                problems.append(f"feature {feature.name!r} needs unknown feature {dep!r}")
    if problems:
        raise SpecError("invalid feature registry:\n  " + "\n  ".join(problems))
    return Registry(folders, features)


@cache
def registry() -> Registry:
    """The repository's registry, loaded once per process."""
    return load_registry()
