"""Evidence: one JSON line per exchange and per test outcome, one file per worker, merged.

``EvidenceRecorder(directory, worker_id)`` appends to ``<directory>/evidence-<worker>.jsonl``
(worker ``main`` without xdist, ``gw0``... under xdist). Writing is thread-safe and flushed per
record, so a crash loses at most the line being written. Records are redacted before they
reach the recorder (``Exchange.to_record``); the recorder adds ``seq`` and ``worker`` and, for
exchanges, the ``test_id`` of the test running in this context (``current_test``, set by the
pytest plugin with ``recorder.test(test_id)`` or ``set_current_test``).

Record kinds: ``exchange`` (docs/architecture.md), ``outcome`` (``record_outcome``), and
whatever other harness parts add through ``record()`` (``cleanup``, ``timeline``, ``note``).

``merge_evidence(directory)`` merges the per-worker files into ``evidence.jsonl`` ordered by
time (stable: ties keep worker file order, then ``seq``) and removes the parts.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .exchange import utc_now

if TYPE_CHECKING:
    from .exchange import Exchange

current_test: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "oaic_current_test", default=None
)
MERGED_NAME = "evidence.jsonl"
PART_GLOB = "evidence-*.jsonl"
KEEP_PER_TEST = 50  # exchanges kept in memory per test for failure messages (most recent)
KEEP_TESTS = 64  # tests kept in memory (least recently recorded dropped first)


def set_current_test(test_id: str | None) -> contextvars.Token[str | None]:
    return current_test.set(test_id)


class EvidenceRecorder:
    """Append-only JSONL writer for one worker; see module doc."""

    def __init__(self, directory: Path | str, worker_id: str = "main") -> None:
        self.directory = Path(directory)
        self.worker_id = worker_id
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"evidence-{worker_id}.jsonl"
        self._lock = threading.Lock()
        self._seq = 0
        self._fh = self.path.open("a", encoding="utf-8")
        self._by_test: OrderedDict[str, deque[Exchange]] = OrderedDict()

    @contextlib.contextmanager
    def test(self, test_id: str) -> Iterator[None]:
        """Attribute every record written inside the block to ``test_id``."""
        token = current_test.set(test_id)
        try:
            yield
        finally:
            current_test.reset(token)

    def record(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Write one record (a JSON object); returns it with ``seq``/``worker`` added."""
        with self._lock:
            self._seq += 1
            rec = {**payload, "seq": self._seq, "worker": self.worker_id}
            if "started_at" not in rec and "recorded_at" not in rec:
                rec["recorded_at"] = utc_now()
            line = json.dumps(rec, ensure_ascii=False, default=str)
            if self._fh.closed:
                self._fh = self.path.open("a", encoding="utf-8")
            self._fh.write(line + "\n")
            self._fh.flush()
        return rec

    def record_exchange(self, exchange: Exchange) -> dict[str, Any]:
        """Record an exchange under the current test and keep it for ``exchanges_for``."""
        if exchange.test_id is None:
            exchange.test_id = current_test.get()
        if exchange.test_id is not None:
            with self._lock:
                kept = self._by_test.get(exchange.test_id)
                if kept is None:
                    kept = self._by_test[exchange.test_id] = deque(maxlen=KEEP_PER_TEST)
                    while len(self._by_test) > KEEP_TESTS:
                        self._by_test.popitem(last=False)
                kept.append(exchange)
        return self.record(exchange.to_record())

    def record_outcome(self, test_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Write the outcome record of a test (written by the plugin)."""
        return self.record({"kind": "outcome", "test_id": test_id, **payload})

    def exchanges_for(self, test_id: str) -> list[Exchange]:
        """The most recent exchanges (up to 50) recorded while ``test_id`` ran."""
        with self._lock:
            return list(self._by_test.get(test_id, ()))

    def forget(self, test_id: str) -> None:
        with self._lock:
            self._by_test.pop(test_id, None)

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.close()

    def __enter__(self) -> EvidenceRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sort_time(rec: dict[str, Any]) -> str:
    return str(rec.get("started_at") or rec.get("recorded_at") or "")


def read_evidence(path: Path | str) -> list[dict[str, Any]]:
    """All records of a JSONL file; malformed lines (a crash mid-write) are skipped."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
    return out


def merge_evidence(directory: Path | str) -> Path:
    """Merge ``evidence-*.jsonl`` (and an existing ``evidence.jsonl``) into ``evidence.jsonl``.

    Order: by timestamp, ties broken by source file order (existing merged file first, then
    parts sorted by name) and ``seq``. Malformed lines are counted in a ``note`` record. The
    result is written atomically; the parts are removed only after it is in place.
    """
    directory = Path(directory)
    target = directory / MERGED_NAME
    sources = ([target] if target.exists() else []) + sorted(directory.glob(PART_GLOB))
    keyed: list[tuple[str, int, int, dict[str, Any]]] = []
    skipped = 0
    for index, src in enumerate(sources):
        with src.open(encoding="utf-8") as fh_in:
            total = sum(1 for line in fh_in if line.strip())
        records = read_evidence(src)
        skipped += total - len(records)
        for rec in records:
            keyed.append((_sort_time(rec), index, int(rec.get("seq") or 0), rec))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    tmp = directory / f".{MERGED_NAME}.tmp-{os.getpid()}"
    with tmp.open("w", encoding="utf-8") as fh:
        for *_, rec in keyed:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if skipped:
            note = {"kind": "note", "recorded_at": utc_now(), "message": ""}
            note["message"] = f"merge skipped {skipped} malformed evidence line(s)"
            fh.write(json.dumps(note) + "\n")
    os.replace(tmp, target)
    for src in sources:
        if src != target:
            src.unlink(missing_ok=True)
    return target
