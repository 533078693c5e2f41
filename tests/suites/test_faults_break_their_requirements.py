"""Every reference-server fault fails exactly the scenario tests of the requirements it breaks.

The expectations come from the faults' own declarations (``declare(..., breaks=[ids])`` in
``openai_conformance.refserver``) and from the requirement each test cites (its
``requirement`` marker, as results.json reports it): no table of tests, no counts. For a
fault, the suite folders of the features its requirements belong to run against a reference
server with the fault on; every test citing a broken requirement must FAIL and every other
test of those folders must PASS (``"<id>[<param>]"`` narrows a requirement to the cases of one
parametrization id).

One pytest session per fault would cost ~140 sessions. Faults are therefore run in batches:
faults of the same folders whose broken requirements are pairwise disjoint share a server and
a session, and the union of their expectations must hold. When a batch disagrees (two faults
may mask each other, e.g. an ignored ``n`` hides usage multiplied by ``n``), each fault of the
batch runs alone and the verdict is the single runs'. Without faults every suite passes, and
against a target that implements nothing every scenario test is UNSUPPORTED (or DISABLED).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from suite_runs import CaseOutcome, Env, Job, SuiteRun, prefetch, run, run_absent

from openai_conformance.contract.requirements import catalogue
from openai_conformance.refserver.faults import CATALOGUE, Fault

SUITES = Path(__file__).resolve().parents[2] / "suites"
ALLOW_LIST = Path(__file__).with_name("requirements_without_fault.yaml")
#: The generated suite judges generated checks, not cited requirements (tests/generated).
NOT_SCENARIO = frozenset({"generated"})
#: Folders not judged against a target without them: core is what every target implements.
ALWAYS_PRESENT = frozenset({"core"})
BATCH_SIZE = 8

# Run conditions (not expectations). A background response must still be cancellable when
# the cancel arrives: responses run on a 10x clock, not 1000x.
FOLDER_CLOCK = {"responses": 10.0}
#: Faults that show only in half of one short phase: a 5x slower clock makes a 10 ms poll see
#: both halves for sure (150 ms instead of 30 ms), never by luck.
FAULT_CLOCK = {"batches-state-goes-backwards": 200.0, "fine-tuning-state-goes-backwards": 200.0}
#: A stalled stream is detected by the idle deadline: 1 s instead of 30 s per stream.
FAULT_ENV: dict[str, Env] = {"chat-stream-hang": (("OAIC_TIMEOUT_STREAM_IDLE", "1"),)}


def _declared_faults() -> dict[str, Fault]:
    """Every fault the reference server declares (importing each module that declares)."""
    import openai_conformance.refserver.app  # noqa: F401
    import openai_conformance.refserver.handlers as handlers
    import openai_conformance.refserver.realtime as realtime

    for package in (handlers, realtime):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
    return dict(CATALOGUE)


FAULTS = {name: f for name, f in _declared_faults().items() if f.breaks}


def parse(entry: str) -> tuple[str, str | None]:
    """``"audio/speech-format[wav]"`` -> ``("audio/speech-format", "wav")``."""
    if entry.endswith("]") and "[" in entry:
        rid, param = entry[:-1].split("[", 1)
        return rid, param
    return entry, None


def folders_of(fault: Fault) -> tuple[str, ...]:
    return tuple(sorted({parse(e)[0].split("/", 1)[0] for e in fault.breaks}))


def matches(test: CaseOutcome, entry: str) -> bool:
    rid, param = parse(entry)
    return test.requirement == rid and (param is None or test.param == param)


def _overlap(a: Fault, b: Fault) -> bool:
    for x in a.breaks:
        for y in b.breaks:
            (rx, px), (ry, py) = parse(x), parse(y)
            if rx == ry and (px is None or py is None or px == py):
                return True
    return False


@dataclass(frozen=True)
class Batch:
    faults: tuple[str, ...]
    folders: tuple[str, ...]
    clock: float
    env: Env

    @property
    def id(self) -> str:
        more = f"+{len(self.faults) - 1}" if len(self.faults) > 1 else ""
        return f"{self.faults[0]}{more}"

    def job(self, faults: tuple[str, ...] | None = None) -> Job:
        return (self.folders, faults or self.faults, self.clock, self.env)


def _conditions(name: str, folders: tuple[str, ...]) -> tuple[float, Env]:
    clock = FAULT_CLOCK.get(name, min(FOLDER_CLOCK.get(f, 1000.0) for f in folders))
    return clock, FAULT_ENV.get(name, ())


def plan(faults: dict[str, Fault]) -> list[Batch]:
    """Faults packed into batches: the same folders (a fault is judged on its features'
    folders only) and run conditions, pairwise disjoint requirements."""
    open_: list[tuple[tuple[str, ...], float, Env, list[str]]] = []
    for name in sorted(faults):
        folders = folders_of(faults[name])
        clock, env = _conditions(name, folders)
        for key_folders, key_clock, key_env, members in open_:
            if (
                (key_folders, key_clock, key_env) == (folders, clock, env)
                and len(members) < BATCH_SIZE
                and not any(_overlap(faults[name], faults[m]) for m in members)
            ):
                members.append(name)
                break
        else:
            open_.append((folders, clock, env, [name]))
    return [Batch(tuple(m), f, c, e) for f, c, e, m in open_]


PLAN = plan(FAULTS)


def problems(result: SuiteRun, faults: tuple[str, ...]) -> list[str]:
    """Where a run with ``faults`` disagrees with what the faults declare they break."""
    entries = [(name, e) for name in faults for e in FAULTS[name].breaks]
    out = []
    for name, entry in entries:
        if not any(matches(t, entry) for t in result.tests):
            out.append(f"{name} breaks {entry}, but no test of the run cites it")
    for t in result.tests:
        by = sorted({name for name, e in entries if matches(t, e)})
        if by and t.outcome != "FAIL":
            out.append(f"{t.nodeid} ({t.requirement}) is {t.outcome}, expected FAIL by {by}")
        elif not by and t.outcome != "PASS":
            out.append(f"{t.nodeid} ({t.requirement}) is {t.outcome}: broken by no declared fault")
    if result.exit_code != 1:
        out.append(f"the run exited {result.exit_code}, expected 1 (conformance failures)")
    return out


def _scenario_folders() -> list[str]:
    return sorted(
        p.name
        for p in SUITES.iterdir()
        if p.is_dir() and p.name not in NOT_SCENARIO | {"__pycache__"}
    )


def _clean_runs() -> list[Job]:
    """Without faults: one session per clock, the 1000x folders split in two (2 cores)."""
    by_clock: dict[float, list[str]] = {}
    for folder in _scenario_folders():
        by_clock.setdefault(FOLDER_CLOCK.get(folder, 1000.0), []).append(folder)
    jobs: list[Job] = []
    for clock, folders in sorted(by_clock.items()):
        half = (len(folders) + 1) // 2 if len(folders) > 4 else len(folders)
        for part in (folders[:half], folders[half:]):
            if part:
                jobs.append((tuple(part), (), clock, ()))
    return jobs


CLEAN = _clean_runs()
ABSENT: Job = (tuple(f for f in _scenario_folders() if f not in ALWAYS_PRESENT),)


@pytest.fixture(scope="module", autouse=True)
def _runs_two_at_a_time(request: pytest.FixtureRequest) -> None:
    """Each selected run is an independent session against its own server: run them two at
    a time (2 cores) before the first test reads its result. Under xdist the workers already
    run tests in parallel (each run memoised per worker), so nothing is prefetched."""
    if hasattr(request.config, "workerinput"):
        return
    jobs: list[Job] = []
    for item in request.session.items:
        spec = getattr(item, "callspec", None)
        if item.module is not request.module or spec is None:  # type: ignore[attr-defined]
            continue
        params = spec.params
        if "batch" in params:
            jobs.append(params["batch"].job())
        elif "clean" in params:
            jobs.append(params["clean"])
    if any(getattr(i, "originalname", "") == _ABSENT_TEST for i in request.session.items):
        jobs.append(ABSENT)
    prefetch(jobs)


def test_every_breaks_entry_names_a_scenario_requirement_with_a_suite() -> None:
    known = catalogue()
    bad = {}
    for name, fault in FAULTS.items():
        for entry in fault.breaks:
            rid, _ = parse(entry)
            req = known.get(rid)
            if req is None:
                bad[name] = f"{entry}: not in spec/requirements"
            elif req.feature in NOT_SCENARIO or not (SUITES / req.feature).is_dir():
                bad[name] = f"{entry}: no scenario suite suites/{req.feature}"
    assert not bad, bad


def test_batches_hold_each_fault_once_with_disjoint_requirements() -> None:
    listed = [f for b in PLAN for f in b.faults]
    assert sorted(listed) == sorted(FAULTS)
    for batch in PLAN:
        members = [FAULTS[f] for f in batch.faults]
        for i, a in enumerate(members):
            assert not any(_overlap(a, b) for b in members[i + 1 :]), batch


def test_every_requirement_is_broken_by_a_fault_or_listed_with_a_reason() -> None:
    """A requirement no fault breaks has a check nobody saw fail: it must be visible, in the
    allow-list with the reason, until a fault exists."""
    allowed = yaml.safe_load(ALLOW_LIST.read_text(encoding="utf-8")) or {}
    scenario = {rid for rid, req in catalogue().items() if req.feature not in NOT_SCENARIO}
    named = {parse(e)[0] for f in FAULTS.values() for e in f.breaks}
    reasons = {rid: str(why).strip() for rid, why in allowed.items()}
    assert not sorted(scenario - named - set(reasons)), "no fault breaks these and no reason"
    assert not sorted(set(reasons) & named), "listed although a fault breaks them now"
    assert not sorted(set(reasons) - scenario), "listed but not a scenario requirement"
    assert all(reasons.values()), "every listed requirement gives its reason"


@pytest.mark.slow
@pytest.mark.parametrize("clean", CLEAN, ids=lambda j: f"{j[2]:g}x-{'+'.join(j[0])}")
def test_suites_pass_against_the_reference_server_without_faults(clean: Job) -> None:
    result = run(*clean)
    assert result.tests, f"suites {clean[0]} collected no tests"
    assert {t.suite for t in result.tests} == set(clean[0]), "a folder ran no test"
    bad = {t.nodeid: t.outcome for t in result.tests if t.outcome != "PASS"}
    assert not bad, f"without faults: {bad}"
    assert result.exit_code == 0


_ABSENT_TEST = "test_scenario_suites_are_unsupported_against_a_target_without_them"


@pytest.mark.slow
def test_scenario_suites_are_unsupported_against_a_target_without_them() -> None:
    # DISABLED is acceptable too (a costly step gated off); PASS or FAIL is not.
    result = run_absent(ABSENT[0])
    assert result.tests
    bad = {
        t.nodeid: t.outcome for t in result.tests if t.outcome not in ("UNSUPPORTED", "DISABLED")
    }
    assert not bad, f"against a target without them: {bad}"


@pytest.mark.slow
@pytest.mark.parametrize("batch", PLAN, ids=lambda b: b.id)
def test_faults_fail_exactly_the_tests_of_the_requirements_they_break(batch: Batch) -> None:
    found = problems(run(*batch.job()), batch.faults)
    if found and len(batch.faults) > 1:
        # The faults may mask each other: each one alone is the verdict.
        alone = {f: problems(run(*batch.job((f,))), (f,)) for f in batch.faults}
        found = [f"{name}: {p}" for name, ps in alone.items() for p in ps]
    assert not found, "\n".join(found)
