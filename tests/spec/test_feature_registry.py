"""The feature registry (suites/*/feature.yaml) is complete and consistent with the contract.

Every suite folder declares its features; every operation of spec/operations.yaml belongs to
at most one feature; every requirements file and requirement id the registry names exists; a
broken file is a SpecError naming the file and the key. The tables that used to restate the
registry are derived from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openai_conformance.contract.features import (
    FILE_NAME,
    SUITES_DIR,
    absent_answer,
    load_registry,
    registry,
)
from openai_conformance.contract.requirements import REQUIREMENTS_DIR, load_catalogue
from openai_conformance.contract.source import SPEC_DIR
from openai_conformance.errors import SpecError

OPERATIONS = yaml.safe_load((SPEC_DIR / "operations.yaml").read_text(encoding="utf-8"))[
    "operations"
]
SUITE_FOLDERS = sorted(p.name for p in SUITES_DIR.iterdir() if any(p.glob("test_*.py")))


@pytest.mark.parametrize("folder", SUITE_FOLDERS)
def test_every_suite_folder_has_a_valid_feature_file(folder: str) -> None:
    assert (SUITES_DIR / folder / FILE_NAME).is_file(), f"suites/{folder}/{FILE_NAME} is missing"
    assert folder in registry().folders


def test_every_folder_names_an_existing_requirements_file() -> None:
    for folder in registry().folders.values():
        path = REQUIREMENTS_DIR / f"{folder.requirements}.yaml"
        assert path.is_file(), f"{folder.path}: requirements file {path} does not exist"


def test_sub_feature_requirement_ids_exist() -> None:
    known = load_catalogue()
    for feature in registry():
        unknown = [rid for rid in feature.requirement_ids if rid not in known]
        assert not unknown, f"{feature.name} lists unknown requirement ids {unknown}"


def test_every_operation_belongs_to_at_most_one_feature() -> None:
    reg = registry()
    owners: dict[str, list[str]] = {}
    for feature in reg:
        for op in feature.operations:
            assert op in OPERATIONS, f"{feature.name} owns {op!r}, not in spec/operations.yaml"
            owners.setdefault(op, []).append(feature.name)
    resource_owners: dict[str, list[str]] = {}
    for feature in reg:
        for resource in feature.resources:
            resource_owners.setdefault(resource, []).append(feature.name)
    assert {r: o for r, o in resource_owners.items() if len(o) > 1} == {}
    assert {op: o for op, o in owners.items() if len(o) > 1} == {}
    for op, meta in OPERATIONS.items():
        owner = reg.owner_of_operation(op, meta["resource"])
        assert owner is not None, f"{op} (resource {meta['resource']}) belongs to no feature"
        top = owner.parent or owner.name
        assert meta["resource"] in reg.features[top].resources, (op, owner.name)


def test_registry_vocabulary_covers_every_resource_and_lifecycle() -> None:
    reg = registry()
    # `webhooks` covers the contract's `webhooks` section (events posted to an endpoint), which
    # has no operations under `paths`; it is selectable with --resources like `core`.
    beyond_paths = {"core", "webhooks"}
    assert {m["resource"] for m in OPERATIONS.values()} | beyond_paths == reg.resources
    assert reg.always_claimed == {"core"}
    for feature in reg:  # every declared machine (a sub-feature's too) is sane
        machine = feature.machine
        if machine is not None:
            states = set(machine.moves) | {s for v in machine.moves.values() for s in v}
            assert set(machine.terminal) <= states
            assert set(machine.initial) <= states | set(machine.terminal)
    assert reg.machine("vector_stores.file-batches").name == "file_batch"


def test_tables_are_derived_from_the_registry() -> None:
    from openai_conformance.scenario import lifecycles as lc
    from openai_conformance.target import probe, profiles

    reg = registry()
    assert reg.claimable == profiles.FEATURES
    assert reg.resources == profiles.RESOURCES
    assert reg.deadlines() == lc.DEFAULT_DEADLINES
    assert lc.BATCH.terminal == frozenset(reg.machine("batches").terminal)
    assert {r.feature for r in probe.ROUTES} == {f.name for f in reg if f.routes}
    assert probe.ROUTES[0].path == "/models"  # the chat route needs a model id from it


def test_a_broken_feature_file_is_one_spec_error_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / FILE_NAME).write_text(
        "requirements: good\nfeatures:\n  - name: good\n    needs: [nothing]\n",
        encoding="utf-8",
    )
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / FILE_NAME).write_text(
        "requirements: bad\nfeatures:\n  - name: bad\n    probe: {method: FETCH, path: /x}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        load_registry(tmp_path)
    text = info.value.message
    assert "bad/feature.yaml: at features/0/probe/method" in text
    assert "needs unknown feature 'nothing'" in text


@pytest.mark.parametrize(
    ("status", "body", "missing_object", "absent"),
    [
        (404, {"detail": "Not Found"}, False, True),  # FastAPI
        (404, {"error": "Not Found"}, False, True),
        (404, None, False, True),  # plain text or HTML
        (404, {"error": {"message": "Unknown URL", "code": "unknown_url"}}, False, True),
        (405, None, False, True),
        (501, {"error": {"message": "no"}}, False, True),
        (404, {"error": {"message": "no such model", "code": "model_not_found"}}, False, False),
        (404, {"error": {"message": "No batch found"}}, True, False),  # the object, not route
        (404, {"detail": "Not Found"}, True, True),
        (400, None, False, False),
        (401, None, False, False),
        (200, {}, False, False),
        (None, None, False, False),
    ],
)
def test_absent_answer_judges_404_405_501_whatever_the_body(
    status: int | None, body: object, missing_object: bool, absent: bool
) -> None:
    assert absent_answer(status, body, missing_object=missing_object) is absent
