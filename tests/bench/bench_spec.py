"""Benchmark: spec load (cold and warm) and per-event validation.

Run by hand: ``python tests/bench/bench_spec.py``. Targets (issue 2): warm load <= 0.2 s,
median <= 0.1 ms to validate one streamed event. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from openai_conformance.contract import loader
from openai_conformance.contract.validation import SchemaValidator


def _timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)

        def cold() -> None:
            loader._memo.clear()
            loader.load_spec(cache_dir=cache, use_cache=False)

        def warm() -> None:
            loader._memo.clear()
            loader.load_spec(cache_dir=cache)

        cold_t = _timed(cold, 2)
        warm()  # write the cache
        warm_t = _timed(warm, 10)
    spec = loader.load_spec()
    validator = SchemaValidator(spec)
    event = {
        "type": "response.output_text.delta",
        "sequence_number": 3,
        "item_id": "msg_1",
        "output_index": 0,
        "content_index": 0,
        "delta": "Hel",
        "logprobs": [],
    }
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "ref-chat",
        "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}],
    }
    validator.validate(event, "ResponseStreamEvent")
    validator.validate(chunk, "CreateChatCompletionStreamResponse")
    ev_t = _timed(lambda: validator.validate(event, "ResponseStreamEvent"), 5000)
    ch_t = _timed(lambda: validator.validate(chunk, "CreateChatCompletionStreamResponse"), 5000)
    bad = {**event, "sequence_number": "3"}
    bad_t = _timed(lambda: validator.validate(bad, "ResponseStreamEvent"), 2000)
    rows = [
        ("cold load (parse, normalise, overlay, compile)", statistics.median(cold_t), "s"),
        ("warm load (hash + unpickle)", statistics.median(warm_t), "s"),
        ("validate ResponseStreamEvent (53 variants)", statistics.median(ev_t) * 1e3, "ms"),
        ("validate chat.completion.chunk", statistics.median(ch_t) * 1e3, "ms"),
        ("invalid event (fast reject + precise report)", statistics.median(bad_t) * 1e3, "ms"),
    ]
    for label, value, unit in rows:
        print(f"{label:<48} median {value:.3f} {unit}")


if __name__ == "__main__":
    main()
