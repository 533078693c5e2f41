"""``oaic``: dispatch, exit codes and clean one-paragraph errors (never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from openai_conformance.commands import cli
from openai_conformance.commands import run as run_command

REPORT_SAMPLE = Path(__file__).resolve().parents[1] / "reports"
sys.path.insert(0, str(REPORT_SAMPLE))

from sample import make_run, make_tests, write_evidence  # noqa: E402

from openai_conformance.reports.writer import write_reports  # noqa: E402


def oaic(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openai_conformance", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def crafted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("run")
    write_evidence(d)
    write_reports(d, make_run(), make_tests())
    return d


def test_version_prints_the_suite_version() -> None:
    proc = oaic("--version")
    assert proc.returncode == 0 and "openai-conformance" in proc.stdout


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        ((), 2, "the following arguments are required"),
        (("frobnicate",), 2, "invalid choice"),
        (("run", "--profile", "no-such-profile"), 2, "unknown profile 'no-such-profile'"),
        (("run", "--target", "ftp://example"), 2, "expected an http(s) base URL"),
        (("run", "--target", "http://127.0.0.1:9/v1"), 1, "cannot connect to the target"),
        (("run", "--target", "http://127.0.0.1:99999/v1"), 2, "expected an http(s) base URL"),
        (("run", "--allow", "everything"), 2, "unknown value(s) everything"),
        (("run", "--max-requests", "0"), 2, "expected a positive integer or 'unlimited'"),
        (("run", "-n", "many"), 2, "expected a number of workers"),
        (("run", "--hypothesis-profile", "deep"), 2, "invalid choice"),
        (("run", "--spec", "/nonexistent/openapi.yaml"), 2, "error:"),
        (("report", "/nonexistent/run"), 2, "has no results.json"),
    ],
)
def test_bad_input_gives_one_clean_paragraph(args: tuple[str, ...], code: int, needle: str) -> None:
    proc = oaic(*args)
    output = proc.stdout + proc.stderr
    assert proc.returncode == code, output
    assert needle in output
    assert "Traceback" not in output


def test_report_rejects_a_corrupt_results_json(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text("{not json", "utf-8")
    proc = oaic("report", str(tmp_path))
    assert proc.returncode == 2 and "cannot be read" in proc.stderr
    assert "Traceback" not in proc.stderr
    (tmp_path / "results.json").write_text(
        json.dumps({"format": "openai-conformance/results", "format_version": 1, "run": {}})
    )
    proc = oaic("report", str(tmp_path))
    assert proc.returncode == 2 and "not a valid results document" in proc.stderr


def test_report_rerenders_every_format(crafted_run: Path) -> None:
    (crafted_run / "report.html").unlink()
    proc = oaic("report", str(crafted_run / "results.json"))
    assert proc.returncode == 0, proc.stderr
    assert (crafted_run / "report.html").is_file()
    assert "NOT CONFORMANT: score 60.9%" in proc.stdout
    assert "batches" in proc.stdout and "report.html" in proc.stdout


def test_serve_dispatches_to_the_reference_server_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    class FakeModule:
        @staticmethod
        def serve_main(argv: list[str]) -> int:
            seen.append(argv)
            return 0

    monkeypatch.setitem(sys.modules, "openai_conformance.refserver.cli", FakeModule)
    assert cli.main(["serve", "--port", "0", "--fault", "wrong-type"]) == 0
    assert seen == [["--port", "0", "--fault", "wrong-type"]]


def test_unwritable_report_dir_is_a_usage_error_without_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = oaic("run", "--target", "http://127.0.0.1:9/v1", "--report-dir", str(blocker / "x"))
    output = proc.stdout + proc.stderr
    # The report dir is checked before the target: no connection needed to learn it.
    assert proc.returncode == 2, output
    assert "is not writable" in output
    assert "Traceback" not in output and "INTERNALERROR" not in output


def test_run_writes_no_caches_into_the_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    import pytest as pytest_module

    seen: dict[str, object] = {}

    def fake_main(args: list[str], plugins: object = None) -> int:
        seen["args"] = list(args)
        seen["storage"] = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
        return 5

    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", "unset")  # restored after the test
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY")
    monkeypatch.setattr(run_command, "_preflight", lambda args, report_dir: None)
    monkeypatch.setattr(pytest_module, "main", fake_main)
    cli.main(["run", "--report-dir", str(tmp_path)])
    assert "no:cacheprovider" in " ".join(seen["args"])  # type: ignore[arg-type]
    assert str(seen["storage"]).startswith(str(tmp_path.resolve()))


def test_run_caches_bytecode_under_the_report_dir_when_writing_is_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    import pytest as pytest_module

    seen: dict[str, object] = {}

    def fake_main(args: list[str], plugins: object = None) -> int:
        seen["write_off"] = sys.dont_write_bytecode
        seen["prefix"] = sys.pycache_prefix
        seen["env"] = (
            os.environ.get("PYTHONDONTWRITEBYTECODE"),
            os.environ.get("PYTHONPYCACHEPREFIX"),
        )
        return 5

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    monkeypatch.setattr(run_command, "_preflight", lambda args, report_dir: None)
    monkeypatch.setattr(pytest_module, "main", fake_main)
    cli.main(["run", "--report-dir", str(tmp_path)])
    cache = str((tmp_path / ".pycache").resolve())
    # During the run: writing on, into the report dir only, and so for the workers it starts.
    assert seen == {"write_off": False, "prefix": cache, "env": (None, cache)}
    # After it: the process is as it was.
    assert sys.dont_write_bytecode is True and sys.pycache_prefix is None
    assert os.environ.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert "PYTHONPYCACHEPREFIX" not in os.environ


def test_bytecode_cache_changes_nothing_when_writing_is_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from openai_conformance.commands.bytecode import cache_bytecode

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    restore = cache_bytecode(tmp_path / ".pycache")
    assert sys.pycache_prefix is None and not (tmp_path / ".pycache").exists()
    restore()
    assert sys.dont_write_bytecode is False


def test_run_builds_pytest_arguments_for_the_plugin(tmp_path: Path) -> None:
    args = cli.build_parser().parse_args(
        [
            "run",
            "--target",
            "http://h:1/v1/",
            "--profile",
            "openai",
            "-k",
            "files",
            "-n",
            "2",
            "--allow",
            "costly,admin",
            "--max-requests",
            "50",
            "--seed",
            "7",
            "--certify",
            "--resources",
            "files, batches",
        ]
    )
    argv = run_command.pytest_args(args, tmp_path, ["-x"])
    assert argv[0] == str(run_command.suites_dir())
    joined = " ".join(argv)
    for part in (
        "--target http://h:1/v1 ",
        "--profile openai",
        "-k files",
        "-n 2 --dist loadgroup",
        "--allow costly,admin",
        "--max-requests 50",
        "--seed 7",
        "--certify",
        "--resources files,batches",
        f"--report-dir {tmp_path}",
    ):
        assert part in joined, part
    assert argv[-1] == "-x"


@pytest.mark.parametrize(("pytest_code", "oaic_code"), [(0, 0), (1, 1), (3, 3), (4, 2), (5, 2)])
def test_run_maps_pytest_exit_codes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pytest_code: int, oaic_code: int
) -> None:
    import pytest as pytest_module

    monkeypatch.setattr(run_command, "_preflight", lambda args, report_dir: None)
    monkeypatch.setattr(pytest_module, "main", lambda args, plugins=None: pytest_code)
    if pytest_code in (0, 1):  # the run wrote its reports: the exit code comes from results
        run = tmp_path / "runs" / "r1"
        tests = [t for t in make_tests() if t.outcome == "PASS" or pytest_code == 1]
        write_reports(run, make_run(), tests)
    assert cli.main(["run", "--report-dir", str(tmp_path)]) == oaic_code


def test_run_exit_code_follows_results_when_only_harness_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pytest as pytest_module

    monkeypatch.setattr(run_command, "_preflight", lambda args, report_dir: None)
    monkeypatch.setattr(pytest_module, "main", lambda args, plugins=None: 1)
    tests = [t for t in make_tests() if t.outcome in ("PASS", "ERROR", "DISABLED")]
    write_reports(tmp_path / "runs" / "r1", make_run(), tests)
    assert cli.main(["run", "--report-dir", str(tmp_path)]) == 3
    out = capsys.readouterr().out
    assert "NOT CONFORMANT" in out and "report: " in out


def test_unexpected_exception_is_one_paragraph(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(args: object, extra: object) -> int:
        raise RuntimeError("kaput")

    monkeypatch.delenv("OAIC_DEBUG", raising=False)
    monkeypatch.setattr(run_command, "cmd_run", boom)
    assert cli.main(["run"]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaput" in err and "Traceback" not in err


def test_whole_embedded_run_uses_two_workers_and_a_selection_one_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(run_command.os, "cpu_count", lambda: 2)
    for var in ("OAIC_TARGET", "OPENAI_BASE_URL", "OAIC_PROFILE"):
        monkeypatch.delenv(var, raising=False)

    def argv(*given: str, extra: tuple[str, ...] = ()) -> str:
        args = cli.build_parser().parse_args(["run", *given])
        return " ".join(run_command.pytest_args(args, tmp_path, list(extra)))

    assert "-n 2 --dist loadgroup" in argv()  # the default run: embedded server, every test
    for one_process in (
        argv("-n", "0"),  # asked for
        argv("-k", "files"),  # a selection
        argv("--resources", "files"),
        argv(extra=("suites/files",)),
        argv("--target", "http://127.0.0.1:9/v1"),  # a remote target spreads its own load
    ):
        assert " -n " not in f"{one_process} ", one_process
    assert "-n 3 --dist loadgroup" in argv("-n", "3")
    monkeypatch.setattr(run_command.os, "cpu_count", lambda: 1)
    assert " -n " not in argv()
