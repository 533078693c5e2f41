"""report.html: self-contained, escaped, filterable, fast, and rendered by headless Chromium."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sample import _schema_failure, make_run, make_tests, many_tests, write_evidence

from openai_conformance.reports import html as html_module
from openai_conformance.reports.html import render_html
from openai_conformance.reports.model import Results
from openai_conformance.reports.text import anchor
from openai_conformance.reports.writer import write_reports

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


class _ResourceLoads(HTMLParser):
    """Collects every URL the page could load by itself (not <a href> links, not text)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.in_code = ""
        self.code: dict[str, str] = {"style": "", "script": ""}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.in_code = tag
        for name, value in attrs:
            if tag == "a" and name == "href":
                continue
            if value and ("http:" in value or "https:" in value or "//" in value):
                self.loads.append(f"<{tag} {name}={value}>")
            if tag in ("script", "link", "img", "iframe", "embed", "object") and name in (
                "src",
                "href",
                "data",
                "srcset",
            ):
                self.loads.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == self.in_code:
            self.in_code = ""

    def handle_data(self, data: str) -> None:
        if self.in_code:
            self.code[self.in_code] += data


def test_html_is_self_contained(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text("utf-8")
    parser = _ResourceLoads()
    parser.feed(html)
    assert parser.loads == []
    assert "<script src" not in html and "<link " not in html
    for code in parser.code.values():
        assert "http://" not in code and "https://" not in code
        assert "url(" not in code and "@import" not in code and "fetch(" not in code


def test_html_escapes_hostile_strings(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text("utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "&amp;lt;img src=x onerror" in html  # already-escaped text is escaped again
    assert "onerror=alert(1)>" not in html
    assert html.count("<script>") == 1  # only the report's own filter script
    assert "\x00" not in html and "\x1b" not in html


def test_html_has_header_scores_matrix_operations_and_coverage(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text("utf-8")
    for needle in (
        "http://127.0.0.1:50123/v1",
        "reference",
        "2.3.0",
        "abababababab",
        "1m23s",
        "60.9%",
        'id="matrix"',
        'id="operations"',
        "chat.completion.chunk",
        "session.updated",
        "error-convention",
        "Not conformant",
    ):
        assert needle in html, needle
    assert html.count('class="res-row"') == 5


def test_html_embeds_evidence_of_failures(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text("utf-8")
    assert "GET http://127.0.0.1:50123/v1/batches/batch_1" in html  # the exchange by seq
    assert "State timeline" in html and "in_progress" in html
    assert "Server-sent events" in html  # the XFAIL test's stream evidence
    assert "Bearer $OPENAI_API_KEY" in html  # the failure's reproduction curl
    assert "[REDACTED]" in html


def test_html_makes_every_test_addressable_and_filterable(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text("utf-8")
    assert (
        f'id="{anchor("suites/batches/test_lifecycle.py::test_retrieve_unknown_is_404")}"' in html
    )
    assert '<form id="filters" class="filters" hidden>' in html  # shown only by JS
    # The filters read a test's outcome from its class and its resource from its .tres cell.
    assert '<details class="test o-XPASS"' in html and '<span class="tres">realtime</span>' in html


def test_html_renders_one_details_block_per_test_for_five_thousand_tests() -> None:
    # Rendering time is measured in tests/bench/bench_reports.py, not asserted here.
    html = render_html(Results(run=make_run(), tests=many_tests(5000)))
    assert html.count('<details class="test') == 5000


@pytest.fixture(scope="module")
def lazy_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crafted run rendered with no inline budget: every test's details go compressed."""
    d = tmp_path_factory.mktemp("lazy-run")
    write_evidence(d)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(html_module, "INLINE_BODY_BYTES", 0)
        write_reports(d, make_run(), make_tests())
    return d


def _lazy_blob(html: str) -> dict[str, str]:
    found = re.search(r'<script type="application/gzip" id="lazy-bodies">([^<]*)</script>', html)
    assert found is not None
    data: dict[str, str] = json.loads(gzip.decompress(base64.b64decode(found.group(1))))
    return data


def _lazy_bodies(html: str) -> dict[str, str]:
    """The compressed test details (the blob also holds the overlays' details, ``ov-``)."""
    return {k: v for k, v in _lazy_blob(html).items() if k.startswith("t-")}


def test_html_stores_details_past_the_inline_budget_compressed_and_escaped(
    lazy_run_dir: Path,
) -> None:
    html = (lazy_run_dir / "report.html").read_text("utf-8")
    bodies = _lazy_bodies(html)
    overlays = len(make_run().spec.overlays)
    assert len(bodies) == len(make_tests())
    # only the overlays carry a placeholder; a lazy test's body is made by the page's script
    assert html.count('<div class="tbody" data-lazy></div>') == overlays
    assert html.count('<div class="tbody">') + len(bodies) == len(make_tests())
    assert "<noscript>" in html  # without JavaScript the reader is told where the details are
    assert len(_lazy_blob(html)) == len(bodies) + overlays
    assert "GET http://127.0.0.1:50123/v1/batches/batch_1" not in html  # only in the blob
    text = "".join(bodies.values())
    assert "GET http://127.0.0.1:50123/v1/batches/batch_1" in text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in text  # escaped like inline
    assert "<script>alert" not in text and "onerror=alert(1)>" not in text
    assert html.count("<script>") == 1  # the blob is data (type application/gzip), not a script


def test_html_of_a_passing_run_keeps_the_first_details_inline() -> None:
    tests = many_tests(2000)
    html = render_html(Results(run=make_run(), tests=tests))
    inline = html.count('<div class="tbody">')
    assert 0 < inline < len(tests)
    assert inline + len(_lazy_bodies(html)) == len(tests)


def _chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_renders_tables_and_runs_the_filter_script(run_dir: Path, tmp_path: Path) -> None:
    target = anchor(
        "suites/batches/test_lifecycle.py::test_cancel_moves_in_progress_batch_to_cancelling"
    )
    url = (run_dir / "report.html").as_uri() + f"#{target}"
    proc = _chromium(tmp_path, url, "--dump-dom")
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'data-ready="1"' in dom  # the filter script ran to the end
    assert '<form id="filters" class="filters">' in dom  # the script revealed the filters
    assert "11 of 11 tests shown" in dom
    assert dom.count('class="res-row"') == 5
    assert "<script>alert" not in dom
    # the anchor opened the failure it points at
    assert re.search(rf'<details [^>]*id="{target}"[^>]*open=""', dom)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_takes_a_screenshot(run_dir: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = _chromium(
        tmp_path,
        (run_dir / "report.html").as_uri(),
        f"--screenshot={shot}",
        "--window-size=1400,2000",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a blank page is a few KiB


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_fills_compressed_details_when_a_test_opens(
    lazy_run_dir: Path, tmp_path: Path
) -> None:
    target = anchor(
        "suites/batches/test_lifecycle.py::test_cancel_moves_in_progress_batch_to_cancelling"
    )
    url = (lazy_run_dir / "report.html").as_uri() + f"#{target}"
    # virtual time lets the asynchronous decompression finish before the DOM is dumped
    proc = _chromium(tmp_path, url, "--virtual-time-budget=10000", "--dump-dom")
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'data-lazy-ready="1"' in dom  # DecompressionStream decoded the blob
    opened = re.search(rf'<details [^>]*id="{target}"[^>]*open="".*?</details>', dom, re.S)
    assert opened is not None
    assert "GET http://127.0.0.1:50123/v1/batches/batch_1" in opened.group(0)
    assert "data-lazy" not in opened.group(0)  # its details were filled in
    # the script made the placeholder of every lazy test; closed ones stay unfilled
    assert dom.count('<div class="tbody" data-lazy="">') >= len(make_tests()) - 1
    assert "<script>alert" not in dom


def test_html_shows_the_observed_axis_apart_from_fail() -> None:
    from openai_conformance.reports.model import Finding, TestResult

    def finding(label: str | None) -> Finding:
        return Finding("response_schema_conformance", "MUST", "null for /user", "/user", label)

    tests = [
        TestResult(
            id="traffic/a.yaml#0",
            name="a.yaml#0",
            suite="traffic",
            resource="responses",
            outcome="PASS",
            findings=[finding("observed"), finding("observed"), finding(None)],
        ),
        TestResult(
            id="traffic/b.yaml#0",
            name="b.yaml#0",
            suite="traffic",
            resource="chat",
            outcome="PASS",
            findings=[finding("rejected")],
        ),
        TestResult(id="traffic/c.yaml#0", name="c.yaml#0", suite="traffic", resource="chat",
                   outcome="FAIL"),
    ]  # fmt: skip
    run = make_run(command=["oaic", "check-traffic", "recordings/"])
    html = render_html(Results(run=run, tests=tests))
    text = re.sub(r"<[^>]+>", " ", html)
    # the summary counts both axes: FAIL (scored) apart from labelled findings (not scored)
    assert re.search(r"FAIL\s+1\s+test\(s\) breaking the contract", text)
    assert re.search(r"observed\s+2\s+finding\(s\) in 1 test\(s\)", text)
    assert re.search(r"rejected\s+1\s+request violation\(s\) in 1 test\(s\)", text)
    # each test's summary line carries a visible badge, each finding its label
    assert html.count('data-labels="observed"') == 1 and 'data-labels="rejected"' in html
    assert ">observed \u00d72</span>" in html and ">rejected \u00d71</span>" in html
    assert html.count('<span class="pill lbl lbl-observed">observed</span>') == 2
    assert '<option value="observed">labelled observed (1)</option>' in html


def test_html_of_a_plain_run_says_the_observed_axis_was_not_judged() -> None:
    text = re.sub(r"<[^>]+>", " ", render_html(Results(run=make_run(), tests=make_tests())))
    assert re.search(r"observed\s+n/a\s+this run judged one contract", text)
    assert "finding(s) in" not in text


def test_html_keeps_overlay_titles_in_the_page_and_their_reasons_compressed(
    lazy_run_dir: Path,
) -> None:
    html = (lazy_run_dir / "report.html").read_text("utf-8")
    blob = _lazy_blob(html)
    for overlay in make_run().spec.overlays:
        key = html_module.overlay_anchor(overlay.name)
        assert f'<details class="overlay" id="{key}">' in html
        assert (overlay.title or overlay.name) in html
        plain = overlay.reason.split(";")[0].split(".")[0]  # before any hostile text
        assert plain not in html  # only in the blob
        assert plain in blob[key]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_fills_an_overlays_compressed_reason_when_it_opens(
    lazy_run_dir: Path, tmp_path: Path
) -> None:
    overlay = make_run().spec.overlays[0]
    target = html_module.overlay_anchor(overlay.name)
    url = (lazy_run_dir / "report.html").as_uri() + f"#{target}"
    proc = _chromium(tmp_path, url, "--virtual-time-budget=10000", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    opened = re.search(rf'<details [^>]*id="{target}"[^>]*open="".*?</details>', proc.stdout, re.S)
    assert opened is not None
    assert overlay.reason in opened.group(0) and "data-lazy" not in opened.group(0)


def test_html_shows_a_tests_first_failures_and_counts_the_rest() -> None:
    test = make_tests()[0]
    many = [replace(_schema_failure(1), pointer=f"/choices/{i}/finish_reason") for i in range(20)]
    html = render_html(Results(run=make_run(), tests=[replace(test, failures=many)]))
    shown = html_module.MAX_FAILURES_PER_TEST
    assert html.count('<div class="failure">') == shown
    assert f"/choices/{shown - 1}/finish_reason" in html
    assert f"/choices/{shown}/finish_reason" not in html
    assert f"{20 - shown} more failure(s) of this test are not shown here" in html
