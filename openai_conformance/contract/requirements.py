"""The requirement catalogue: ``spec/requirements/*.yaml``, one file per feature.

File shape::

    feature: files
    requirements:
      - id: files/content-byte-exact      # "<feature>/<kebab-case-name>", unique
        level: MUST                       # MUST | SHOULD | MAY
        text: Downloading a file's content returns exactly the uploaded bytes.
        source: https://platform.openai.com/docs/api-reference/files/content

Every scenario test cites exactly one id with ``@pytest.mark.requirement("files/...")``; the
catalogue sanity self-test (tests/plugin/test_requirement_catalogue.py) fails on a test
citing an unknown id and on a requirement no test cites. ``load_catalogue`` raises
``SpecError`` naming the file and the entry for every malformed item (all problems at once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError
from . import SPEC_DIR

REQUIREMENTS_DIR = SPEC_DIR / "requirements"
LEVELS = ("MUST", "SHOULD", "MAY")
_ID = re.compile(r"^[a-z][a-z0-9_]*/[a-z0-9][a-z0-9\-]*$")
_FEATURE = re.compile(r"^[a-z][a-z0-9_]*$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


@dataclass(frozen=True)
class Requirement:
    id: str
    level: str
    text: str
    source: str
    feature: str

    def to_dict(self) -> dict[str, str]:
        """The ``requirement`` block of a TestResult."""
        return {"id": self.id, "level": self.level, "text": self.text, "source": self.source}


def _check_entry(where: str, feature: str, item: Any, seen: dict[str, str]) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: an entry must be a mapping with id, level, text, source"]
    problems = []
    unknown = set(item) - {"id", "level", "text", "source"}
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rid = item.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        problems.append(f"{where}: id {rid!r} must look like '{feature}/kebab-case-name'")
    elif rid.split("/", 1)[0] != feature:
        problems.append(f"{where}: id {rid!r} must start with the file's feature '{feature}/'")
    elif rid in seen:
        problems.append(f"{where}: id {rid!r} is already defined in {seen[rid]}")
    level = item.get("level")
    if level not in LEVELS:
        problems.append(f"{where}: level {level!r} must be one of {', '.join(LEVELS)}")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: text must be one non-empty sentence")
    source = item.get("source")
    if not isinstance(source, str) or not _URL.match(source):
        problems.append(f"{where}: source {source!r} must be an http(s) URL")
    return problems


def load_catalogue(directory: Path | None = None) -> dict[str, Requirement]:
    """All requirements by id, validated (``SpecError`` listing every problem)."""
    folder = Path(directory) if directory is not None else REQUIREMENTS_DIR
    out: dict[str, Requirement] = {}
    seen: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{path.name}: not readable YAML ({exc})")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
            problems.append(f"{path.name}: needs 'feature: <name>' and a 'requirements:' list")
            continue
        feature = data.get("feature")
        if not isinstance(feature, str) or not _FEATURE.match(feature):
            problems.append(f"{path.name}: feature {feature!r} must be a lower-case name")
            continue
        for index, item in enumerate(data["requirements"]):
            where = f"{path.name} requirements[{index}]"
            found = _check_entry(where, feature, item, seen)
            if found:
                problems.extend(found)
                continue
            seen[item["id"]] = path.name
            out[item["id"]] = Requirement(
                id=item["id"],
                level=item["level"],
                text=" ".join(item["text"].split()),
                source=item["source"],
                feature=feature,
            )
    if problems:
        shown = "\n  ".join(problems)
        raise SpecError(f"the requirement catalogue in {folder} is invalid:\n  {shown}")
    return out


@lru_cache(maxsize=4)
def catalogue(directory: str | None = None) -> dict[str, Requirement]:
    """``load_catalogue`` memoised per process (the plugin and fixtures share it)."""
    return load_catalogue(Path(directory) if directory else None)
