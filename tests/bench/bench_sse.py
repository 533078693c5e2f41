"""Benchmark the SSE parser: 10,000 chat-completion-sized events, fed in network-sized chunks.

Run: ``/tmp/probe/bin/python tests/bench/bench_sse.py`` (prints events/s; not a timed test).
"""

from __future__ import annotations

import json
import time

from openai_conformance.wire.sse import SSEParser

N = 10_000


def build_stream() -> bytes:
    chunk = {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "ref-chat",
        "choices": [{"index": 0, "delta": {"content": "hello wörld "}, "finish_reason": None}],
    }
    body = "".join(f"data: {json.dumps(chunk)}\n\n" for _ in range(N)) + "data: [DONE]\n\n"
    return body.encode()


def run(chunk_size: int) -> float:
    raw = build_stream()
    start = time.perf_counter()
    parser = SSEParser()
    count = 0
    for i in range(0, len(raw), chunk_size):
        count += len(parser.feed(raw[i : i + chunk_size]))
    count += len(parser.close())
    elapsed = time.perf_counter() - start
    assert count == N + 1, count
    return (N + 1) / elapsed


def main() -> None:
    for size in (64, 1024, 16384):
        best = max(run(size) for _ in range(3))
        print(f"SSE parse, {N} events, {size:>5}-byte chunks: {best:>10,.0f} events/s")


if __name__ == "__main__":
    main()
