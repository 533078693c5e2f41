"""Read evidence.jsonl and shape records for display in report.html.

Records follow ``reports/schema/evidence.schema.json`` (kinds ``exchange`` and ``outcome``).
Reading streams the file and keeps only the records asked for, so a large evidence file costs
memory only for what the report embeds. Malformed lines are counted and skipped (a report must
render even when a worker died mid-write).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Bodies, events, frames and curl lines are clipped for display (report.html stays a page one
#: can open: bench_reports.py measures it); the full record stays in evidence.jsonl.
BODY_LIMIT = 4 * 1024
CURL_LIMIT = 2 * 1024
EVENT_LIMIT = 400
MAX_EVENTS = 60
SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "cookie", "set-cookie", "proxy-authorization"}
)


@dataclass
class EvidenceIndex:
    """Exchange records by ``seq`` and outcome records by ``test_id`` (only those asked for)."""

    exchanges: dict[int, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    malformed_lines: int = 0
    path: Path | None = None


def load_evidence(path: Path, seqs: Iterable[int], test_ids: Iterable[str] = ()) -> EvidenceIndex:
    """Load the exchanges whose ``seq`` is in ``seqs`` and the outcome records of ``test_ids``."""
    index = EvidenceIndex(path=path)
    wanted, tests = set(seqs), set(test_ids)
    if not path.is_file() or not (wanted or tests):
        return index
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                index.malformed_lines += 1
                continue
            if not isinstance(rec, dict):
                index.malformed_lines += 1
                continue
            kind = rec.get("kind")
            if kind == "exchange" and rec.get("seq") in wanted:
                index.exchanges[rec["seq"]] = rec
            elif kind == "outcome" and rec.get("test_id") in tests:
                index.outcomes.setdefault(rec["test_id"], []).append(rec)
    return index


def clip(value: Any, limit: int = BODY_LIMIT) -> str:
    """Display text of a body: pretty JSON for structures, text as is, clipped to ``limit``."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = json.dumps(value, indent=2, ensure_ascii=False)
    else:
        text = str(value)
    if len(text) > limit:
        text = text[:limit] + f"\n… [{len(text) - limit} more characters in evidence.jsonl]"
    return text


def _headers(raw: Any) -> list[tuple[str, str]]:
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [tuple(p) for p in raw if isinstance(p, list | tuple) and len(p) == 2]
    else:
        return []
    out = []
    for name, value in items:
        # Defence in depth: the recorder redacts already; never display a credential anyway.
        shown = "[REDACTED]" if str(name).lower() in SECRET_HEADERS else value
        text = ", ".join(map(str, shown)) if isinstance(shown, list) else str(shown)
        out.append((str(name), text))
    return out


def _event(ev: Any) -> dict[str, str]:
    if isinstance(ev, dict):
        name = ev.get("event") or ev.get("type")
        data = ev.get("data", ev)
        if name is None and isinstance(data, dict):
            name = data.get("type")
        if name is None and isinstance(data, str):
            try:
                parsed = json.loads(data)
                name = parsed.get("type") if isinstance(parsed, dict) else None
            except ValueError:
                name = None
        return {"type": str(name or "message"), "data": clip(data, EVENT_LIMIT)}
    return {"type": "message", "data": clip(ev, EVENT_LIMIT)}


def _frame(frame: Any) -> dict[str, str]:
    if isinstance(frame, dict):
        direction = str(frame.get("direction") or frame.get("dir") or "")
        data = frame.get("data", frame.get("message", frame))
        name = frame.get("type")
        if name is None and isinstance(data, dict):
            name = data.get("type")
        return {"direction": direction, "type": str(name or ""), "data": clip(data, EVENT_LIMIT)}
    return {"direction": "", "type": "", "data": clip(frame, EVENT_LIMIT)}


def timeline_view(raw: Any) -> list[dict[str, str]]:
    """Normalise a lifecycle timeline: items ``{at|t|time|elapsed_s, state}`` or ``[t, state]``."""
    out = []
    for item in raw or []:
        if isinstance(item, dict):
            at = next((item[k] for k in ("at", "t", "time", "elapsed_s") if k in item), "")
            out.append({"at": str(at), "state": str(item.get("state", item.get("status", "")))})
        elif isinstance(item, list | tuple) and len(item) >= 2:
            out.append({"at": str(item[0]), "state": str(item[1])})
    return out


def exchange_view(rec: dict[str, Any]) -> dict[str, Any]:
    """The fields report.html shows for one exchange record."""
    req = rec.get("request") or {}
    resp = rec.get("response")
    stream = rec.get("stream") or {}
    events = stream.get("events") or [] if isinstance(stream, dict) else []
    transcript = rec.get("transcript") or []
    view: dict[str, Any] = {
        "seq": rec.get("seq"),
        "operation": rec.get("operation"),
        "request_line": f"{req.get('method', '?')} {req.get('url', '?')}",
        "request_headers": _headers(req.get("headers")),
        "request_body": clip(req.get("body")),
        "response": None,
        "events": [_event(e) for e in events[:MAX_EVENTS]],
        "events_omitted": max(0, len(events) - MAX_EVENTS),
        "stream_findings": [clip(f, 300) for f in (stream.get("findings") or [])]
        if isinstance(stream, dict)
        else [],
        "transcript": [_frame(f) for f in transcript[:MAX_EVENTS]],
        "timeline": timeline_view(rec.get("timeline")),
        "retries": [clip(r, 300) for r in rec.get("retries") or []],
        "error": rec.get("error"),
        "curl": clip(rec.get("curl"), CURL_LIMIT) if rec.get("curl") else None,
    }
    if isinstance(resp, dict):
        elapsed = resp.get("elapsed_ms")
        view["response"] = {
            "status_line": f"HTTP {resp.get('status', '?')} {resp.get('reason') or ''}".strip(),
            "status": resp.get("status"),
            "elapsed": f"{elapsed:.0f} ms" if isinstance(elapsed, int | float) else "",
            "headers": _headers(resp.get("headers")),
            "body": clip(resp.get("body")),
        }
    return view
