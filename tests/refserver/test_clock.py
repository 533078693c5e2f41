"""The server clock: accelerated, advanceable, and frozen within one request."""

from __future__ import annotations

import time

from openai_conformance.refserver.clock import Clock


def test_clock_runs_at_its_speed_and_advances_forward() -> None:
    clock = Clock(speed=1000.0)
    start = clock.now()
    time.sleep(0.01)
    assert clock.now() - start >= 5
    clock.advance(100)
    assert clock.now() - start >= 100


def test_frozen_block_sees_one_instant_and_other_clocks_are_unaffected() -> None:
    clock, other = Clock(speed=1000.0), Clock(speed=1000.0)
    with clock.frozen() as instant:
        time.sleep(0.01)
        assert clock.now() == instant
        before = other.now()
        time.sleep(0.01)
        assert other.now() > before
    time.sleep(0.01)
    assert clock.now() > instant
