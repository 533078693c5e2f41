"""The pytest hooks of the conformance plugin (see session.py for activation and roles).

Per test, in the process that runs it:
  setup (tryfirst)   findings collector reset, evidence attributed to the test, gating
                     (DISABLED: budget spent / --resources / undeclared feature; ERROR: broken
                     requirement citation), then the absence rule (absence.py: UNSUPPORTED
                     when the target lacks a feature the test needs);
  makereport         each phase's exception → Verdict (verdict.py), profile expectations,
                     pytest's report rewritten to agree; at teardown the test's
                     ``reports.model.TestResult`` is attached to the teardown report
                     (``attach_result``: its ``to_dict()`` in the report attribute
                     ``oaic_result``, which xdist serialises with the report) and an
                     ``outcome`` evidence record is written.
In the controller / single process:
  logreport          collects the TestResults (``result_of(report)``);
  sessionfinish      merges evidence, writes reports, sets the exit status (0 / 1 / 3);
  bench (OAIC_BENCH) per-phase and slowest-items table at the end (bench.py).
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING, Any

import pytest

from ..checks import findings
from ..checks.outcomes import Disabled, Outcome
from ..checks.streams import event_types
from ..errors import ConformanceError, HarnessError
from ..reports.model import Expectation, FailureDetail, Finding, Requirement, TestResult
from ..scenario.realtime import transcript_event_types
from ..wire.evidence import current_test, set_current_test
from . import items as meta
from .finish import finish
from .session import OaicSession, is_conformance_run
from .verdict import Verdict, apply_expectation, classify, rewrite_report, stamp

if TYPE_CHECKING:
    from ..contract.requirements import Requirement as Cited

SESSION_KEY = pytest.StashKey[OaicSession]()
PHASES_KEY = pytest.StashKey[dict[str, Any]]()
RESULT_ATTR = "oaic_result"


def attach_result(report: pytest.TestReport, result: TestResult) -> None:
    """Carry ``result`` on the teardown report. An extra report attribute (not a user
    property) travels with xdist's report serialisation and stays out of junit.xml."""
    setattr(report, RESULT_ATTR, result.to_dict())


def result_of(report: pytest.TestReport) -> TestResult | None:
    data = getattr(report, RESULT_ATTR, None)
    return TestResult.from_dict(data) if isinstance(data, dict) else None


def get_session(config: pytest.Config) -> OaicSession | None:
    return config.stash.get(SESSION_KEY, None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requirement(id): the requirement id (spec/requirements) a test verifies"
    )
    config.addinivalue_line(
        "markers", "operation(id): the operation ('METHOD /path') a test is about"
    )
    if is_conformance_run(config) and not config.option.collectonly:
        try:
            sess = config.stash[SESSION_KEY] = OaicSession(config)
        except ConformanceError as exc:  # bad spec/catalogue/option: one message, no traceback
            raise pytest.UsageError(exc.render().removeprefix("error: ")) from None
        if not sess.worker:
            config.pluginmanager.register(ControllerHooks(sess), "oaic-controller")
            from .bench import BenchHooks, bench_enabled

            if bench_enabled():  # OAIC_BENCH=1: per-phase and slowest-items table at the end
                config.pluginmanager.register(BenchHooks(sess.phase_times), "oaic-bench")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    sess = get_session(session.config)
    if sess is not None:
        try:
            sess.start()
        except ConformanceError as exc:
            raise pytest.UsageError(exc.render().removeprefix("error: ")) from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    sess = get_session(node.config)
    if sess is not None:
        node.workerinput.update(sess.worker_input())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Plan the request budget over the collected tests (``wire.budget.RequestBudget.plan``)."""
    sess = get_session(config)
    if sess is None or sess.budget is None:
        return
    weights: dict[str, int] = {}
    for item in items:
        account = meta.budget_account(item, sess)
        weights[account] = weights.get(account, 0) + 1
    sess.budget.plan(weights)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what is alive once the tests are collected (the contract, its validators, every
    imported module, the items): the garbage collector stops walking it. Each full collection
    during the run, pytest's two at the end of every process and the one at interpreter exit
    otherwise walked the whole heap again (xdist workers spent seconds there before exiting,
    while the controller waited). Garbage made before is collected first; frozen objects are
    long-lived anyway, and everything the tests allocate is collected as usual."""
    if get_session(session.config) is None:
        return
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """An xdist worker of a conformance run freezes its heap before pytest's closing garbage
    collections and the interpreter's: they walked the heap (the schemathesis schema, the
    strategies, the pools) for seconds per worker while the controller waited to stop it.
    What they look for (unraisable exceptions of finalizers) a worker reports as warnings
    after it has sent its results, where the controller no longer shows them. A single process
    (or the controller) unfreezes instead: pytest's collections see everything as before, and
    a process that ran pytest in-process is left as it was."""
    if get_session(config) is None:
        return
    if hasattr(config, "workerinput"):
        gc.freeze()
    else:
        gc.unfreeze()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    sess = get_session(item.config)
    if sess is None:
        return
    findings.begin()
    item.stash[PHASES_KEY] = {
        "verdicts": {},
        "duration": 0.0,
        "token": set_current_test(item.nodeid),
    }
    if sess.budget is not None:
        sess.budget.use(meta.budget_account(item, sess))
    reason = meta.gate(item, sess)
    if reason is not None:
        raise Disabled(reason)
    sess.absence.check(item)  # UNSUPPORTED when a feature the test needs is absent


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    sess = get_session(item.config)
    if sess is None:
        return report
    phases = item.stash.setdefault(PHASES_KEY, {"verdicts": {}, "duration": 0.0, "token": None})
    phases["duration"] += report.duration
    verdict = classify(call.excinfo, call.when)
    if verdict.failures:
        verdict.failures = stamp(verdict.failures, _requirement(item, sess), sess.catalogue)
    if verdict.budget_spent:
        sess.budget_spent = True
    if call.when in ("setup", "call") and (
        call.when == "call" or verdict.outcome is not Outcome.PASS
    ):
        expectation = meta.expectation_for(item.nodeid, sess.run_config.expectations)
        verdict = apply_expectation(verdict, expectation)
        phases["expectation"] = expectation
        rewrite_report(report, item, verdict)
        report.user_properties.append((OUTCOME_PROPERTY, verdict.outcome.value))
    elif call.when == "teardown" and verdict.outcome is not Outcome.PASS:
        earlier = _final(phases["verdicts"])
        # results.json counts a test once, by its first phase that did not pass
        counted = earlier.outcome.value if earlier.outcome is not Outcome.PASS else "ERROR"
        report.user_properties.append((OUTCOME_PROPERTY, counted + ":teardown"))
    phases["verdicts"][call.when] = verdict
    if call.when == "teardown":
        attach_result(report, _result(item, sess, phases))
        token = phases.get("token")
        if token is not None:
            current_test.reset(token)
    return report


OUTCOME_PROPERTY = "oaic_outcome"
# How pytest's progress and final line count each verdict, so its tail agrees with
# results.json: pytest counted a call-phase ERROR as "failed" and a setup-phase FAIL (a
# target failure while a fixture prepared the test) as "error". A strict XPASS stays "failed"
# (pytest's own convention), UNSUPPORTED and DISABLED stay "skipped" (their sum; -rs still
# lists their reasons) and are named in verbose output.
_STATUS = {
    "FAIL": ("failed", "F", "FAIL"),  # also in setup, which pytest would count as an error
    "ERROR": ("error", "E", "ERROR"),
    "UNSUPPORTED": ("skipped", "s", "UNSUPPORTED"),
    "DISABLED": ("skipped", "s", "DISABLED"),
}


@pytest.hookimpl(tryfirst=True)  # before pytest's skipping plugin names it "skipped"
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """The category of an oaic verdict (see ``_STATUS``); None leaves pytest's own."""
    # a CollectReport (a module that failed to import) has no user properties
    outcome = dict(getattr(report, "user_properties", ())).get(OUTCOME_PROPERTY)
    if not isinstance(outcome, str):
        return None
    if outcome.endswith(":teardown"):
        if outcome != "ERROR:teardown" or report.when != "teardown":
            return "", "", ""  # the test is already counted by its earlier verdict
        return _STATUS["ERROR"]
    return _STATUS.get(outcome)


def _requirement(item: pytest.Item, sess: OaicSession) -> Cited | None:
    """The test's cited requirement, None when the citation is broken (the setup gate
    reports that as an ERROR)."""
    try:
        return meta.requirement_of(item, sess)
    except HarnessError:
        return None


def _final(verdicts: dict[str, Verdict]) -> Verdict:
    """The test's verdict: the first phase that did not pass (setup, call, teardown)."""
    for when in ("setup", "call", "teardown"):
        v = verdicts.get(when)
        if v is not None and v.outcome is not Outcome.PASS:
            return v
    return verdicts.get("call") or Verdict(Outcome.PASS)


def _result(item: pytest.Item, sess: OaicSession, phases: dict[str, Any]) -> TestResult:
    final = _final(phases["verdicts"])
    req = _requirement(item, sess)
    operation = meta.operation_of(item)
    seqs: list[int] = []
    sse: set[str] = set()
    realtime: set[str] = set()
    webhooks: list[str] = []
    if sess.recorder is not None:
        seqs = sess.recorder.seqs_for(item.nodeid)
        webhooks = sess.recorder.webhook_types_for(item.nodeid)
        for ex in sess.recorder.exchanges_for(item.nodeid):
            if operation is None and getattr(ex, "operation", None):
                operation = str(ex.operation)
            if getattr(ex, "events", None) is not None:
                sse.update(event_types(ex))
            if getattr(ex, "websocket", None):  # server event types of the transcript
                realtime.update(transcript_event_types(ex))
        sess.recorder.forget(item.nodeid)
    expectation = phases.get("expectation")
    result = TestResult(
        id=item.nodeid,
        name=item.name,
        suite=meta.suite_of(item.nodeid),
        resource=meta.resource_of(item, sess, operation),
        operation=operation,
        requirement=Requirement(**req.to_dict()) if req is not None else None,
        outcome=final.outcome.value,
        duration_s=round(phases["duration"], 4),
        message=final.message,
        failures=[FailureDetail(**f.to_dict()) for f in final.failures],
        findings=[
            Finding(check=f.check, level=f.level, message=f.format(), pointer=f.pointer)
            for f in stamp(findings.take(), req, sess.catalogue)
        ],
        expectation=(
            Expectation(str(expectation.outcome), str(expectation.reason), expectation.link)
            if expectation is not None
            else None
        ),
        evidence=seqs,
        coverage={
            "sse_event_types": sorted(sse),
            "realtime_event_types": sorted(realtime),
            "webhook_event_types": webhooks,
        },
    )
    if sess.recorder is not None:
        payload = {"outcome": result.outcome, "message": result.message}
        if final.traceback:
            payload["traceback"] = final.traceback
        sess.recorder.record_outcome(item.nodeid, payload)
    return result


class ControllerHooks:
    """Hooks of the process that owns the results (single process or xdist controller);
    registered by ``pytest_configure`` for a conformance run only."""

    def __init__(self, sess: OaicSession) -> None:
        self.sess = sess

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.sess.seen[report.nodeid] = report.when or ""
        result = result_of(report)
        if result is not None:
            self.sess.results[report.nodeid] = result

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.failed:
            return
        self.sess.collection_errors += 1
        nodeid = report.nodeid or "<collection>"
        lines = str(report.longrepr).strip().splitlines() or ["?"]
        self.sess.results[nodeid] = TestResult(
            id=nodeid,
            name=nodeid.split("/")[-1],
            suite=meta.suite_of(nodeid + "::x"),
            resource="collection",
            outcome="ERROR",
            message="collection failed: " + lines[-1][:300],
        )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    sess = get_session(session.config)
    if sess is None:
        return
    started = time.monotonic()
    sess.finish_worker_side()
    if sess.worker:
        return
    timings = sess.phase_times  # shown by bench mode (bench.py)
    timings["session cleanup (controller)"] = time.monotonic() - started
    sess.interrupted = int(exitstatus) == int(pytest.ExitCode.INTERRUPTED)
    try:
        started = time.monotonic()
        status = finish(sess)
        timings["evidence merge + reports"] = time.monotonic() - started
    finally:
        started = time.monotonic()
        sess.stop_server()
        timings["reference server stop"] = time.monotonic() - started
    if int(exitstatus) in (0, 1) or (int(exitstatus) == 2 and sess.collection_errors):
        session.exitstatus = status if not sess.collection_errors else max(status, 3)
