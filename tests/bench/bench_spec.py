"""Benchmark: spec load (cold and warm) and per-event validation.

Run by hand: ``python tests/bench/bench_spec.py``. Targets (issue 2): warm load <= 0.2 s,
median <= 0.1 ms to validate one streamed event. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from openai_conformance.spec import loader
from openai_conformance.validation import SchemaValidator


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
    print(f"cold load (parse+normalise+overlay+compile): median {statistics.median(cold_t):.3f} s")
    print(f"warm load (hash + unpickle):                  median {statistics.median(warm_t):.3f} s")
    print(f"validate ResponseStreamEvent (53-way union):  median {statistics.median(ev_t) * 1e3:.3f} ms")
    print(f"validate chat.completion.chunk:               median {statistics.median(ch_t) * 1e3:.3f} ms")
    print(f"invalid event (fast reject + precise report): median {statistics.median(bad_t) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
