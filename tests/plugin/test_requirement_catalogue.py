"""The requirement catalogue is valid, every scenario test cites exactly one known id, and
every requirement is verified by at least one test (AST scan of suites/, generated excluded)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from openai_conformance.contract.requirements import load_catalogue
from openai_conformance.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "suites"


def _marker_ids(decorators: list[ast.expr]) -> list[str | None]:
    out: list[str | None] = []
    for dec in decorators:
        call = dec if isinstance(dec, ast.Call) else None
        func = call.func if call else dec
        if isinstance(func, ast.Attribute) and func.attr == "requirement":
            arg = call.args[0] if call and call.args else None
            out.append(arg.value if isinstance(arg, ast.Constant) else None)
    return out


def scan(folder: Path) -> dict[str, list[str | None]]:
    """test id (path::[Class::]name) -> requirement ids cited (decorators on class and test)."""
    found: dict[str, list[str | None]] = {}
    for path in sorted(folder.rglob("test_*.py")):
        if "generated" in path.relative_to(folder).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT).as_posix()
        module_marks: list[str | None] = []
        for stmt in tree.body:  # pytestmark = pytest.mark.requirement(...) at module level
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
            ):
                module_marks += _marker_ids([stmt.value])
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith(
                "test"
            ):
                found[f"{rel}::{stmt.name}"] = module_marks + _marker_ids(stmt.decorator_list)
            elif isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
                cls_marks = _marker_ids(stmt.decorator_list)
                for sub in stmt.body:
                    if isinstance(sub, ast.FunctionDef) and sub.name.startswith("test"):
                        found[f"{rel}::{stmt.name}::{sub.name}"] = (
                            module_marks + cls_marks + _marker_ids(sub.decorator_list)
                        )
    return found


def test_catalogue_loads_and_is_valid():
    catalogue = load_catalogue()
    assert "core/error-envelope" in catalogue
    assert all(r.id.startswith(r.feature + "/") for r in catalogue.values())


def test_every_scenario_test_cites_exactly_one_known_requirement():
    catalogue = load_catalogue()
    offenders = []
    for test_id, ids in scan(SUITES).items():
        if len(ids) != 1:
            offenders.append(f"{test_id}: cites {len(ids)} requirements {ids}")
        elif ids[0] not in catalogue:
            offenders.append(f"{test_id}: cites unknown requirement {ids[0]!r}")
    assert not offenders, "tests with a bad requirement citation:\n" + "\n".join(offenders)


def test_every_requirement_is_verified_by_a_test():
    cited = {i for ids in scan(SUITES).values() for i in ids}
    # generated/* ids are cited by the generated suite's checks at run time, not by markers
    # (tests/generated/test_generation_layer.py checks that each one is used).
    missing = sorted(r for r in set(load_catalogue()) - cited if not r.startswith("generated/"))
    assert not missing, "requirements no test cites:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{id: other/x, level: MUST, text: t, source: 'https://a.b/c'}", "must start with"),
        ("{id: demo/x, level: MUSTN'T, text: t, source: 'https://a.b/c'}", "level"),
        ("{id: demo/x, level: MUST, text: t, source: not-a-url}", "source"),
        ("{id: demo/x, level: MUST, text: '', source: 'https://a.b/c'}", "text"),
        ("{id: Demo X, level: MUST, text: t, source: 'https://a.b/c'}", "kebab-case"),
    ],
)
def test_malformed_catalogue_entries_are_named(tmp_path, entry, problem):
    (tmp_path / "demo.yaml").write_text(f"feature: demo\nrequirements:\n  - {entry}\n")
    with pytest.raises(SpecError, match=problem):
        load_catalogue(tmp_path)


def test_duplicate_requirement_ids_are_rejected(tmp_path):
    item = "{id: demo/x, level: MUST, text: t, source: 'https://a.b/c'}"
    (tmp_path / "demo.yaml").write_text(f"feature: demo\nrequirements:\n  - {item}\n  - {item}\n")
    with pytest.raises(SpecError, match="already defined"):
        load_catalogue(tmp_path)


def test_the_scan_finds_offenders(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\ndef test_none():\n    pass\n\n"
        "@pytest.mark.requirement('core/a')\n@pytest.mark.requirement('core/b')\n"
        "def test_two():\n    pass\n"
    )
    found = {k.split("::")[-1]: v for k, v in scan_folder(tmp_path).items()}
    assert found == {"test_none": [], "test_two": ["core/a", "core/b"]}


def scan_folder(folder: Path) -> dict[str, list[str | None]]:
    global ROOT
    saved, ROOT = ROOT, folder
    try:
        return scan(folder)
    finally:
        ROOT = saved
