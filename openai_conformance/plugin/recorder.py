"""The evidence recorder as the plugin uses it: it also remembers, per test, the ``seq`` of
every record, and stamps each ``Exchange`` with its ``seq`` so a Failure can point at it.

Sequence numbers are made unique across xdist workers by starting each worker's counter at
``worker index * 10**7`` (gw0: 1.., gw1: 10000001..); results.json and the report refer to
exchanges by ``seq`` after the per-worker files are merged.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..wire.evidence import EvidenceRecorder, current_test

SEQ_STRIDE = 10**7


class TrackingRecorder(EvidenceRecorder):
    def __init__(self, directory: Path | str, worker_id: str = "main") -> None:
        super().__init__(directory, worker_id)
        match = re.fullmatch(r"gw(\d+)", worker_id)
        if match:
            self._seq = int(match.group(1)) * SEQ_STRIDE
        self._seqs: dict[str, list[int]] = defaultdict(list)
        self._webhook_types: dict[str, set[str]] = defaultdict(set)
        self._seq_lock = threading.Lock()

    def record(self, payload: dict[str, Any]) -> dict[str, Any]:
        rec = super().record(payload)
        test_id = rec.get("test_id") or current_test.get()
        if test_id and rec.get("kind") != "outcome":
            with self._seq_lock:
                self._seqs[test_id].append(int(rec["seq"]))
                # verified webhook deliveries feed the report's webhook event coverage
                if (
                    rec.get("kind") == "webhook"
                    and rec.get("event_type")
                    and rec.get("verdict") in ("accepted", "replay", "refused")
                ):
                    self._webhook_types[test_id].add(str(rec["event_type"]))
        return rec

    def record_exchange(self, exchange: Any) -> dict[str, Any]:
        rec = super().record_exchange(exchange)
        # read by checks.exchange.view for Failure.evidence_seq; a frozen or slotted exchange
        # cannot take it, and the per-test seq list still has it
        with contextlib.suppress(AttributeError):
            exchange.seq = rec["seq"]
        return rec

    def seqs_for(self, test_id: str) -> list[int]:
        with self._seq_lock:
            return list(self._seqs.pop(test_id, []))

    def webhook_types_for(self, test_id: str) -> list[str]:
        """Event types of the verified webhook deliveries recorded under ``test_id``."""
        with self._seq_lock:
            return sorted(self._webhook_types.pop(test_id, set()))
