"""Shared machinery of the chat and responses fault self-tests.

Each suite has a table ``fault -> tests that must fail with it``. Running one pytest run per
fault would cost ~8 s each (~40 faults), so ``batches(table, solo)`` packs faults into runs of
at most ``size`` faults whose expected sets are pairwise disjoint; a fault in ``solo`` (one
that changes what other faults can show, or a slow one) always runs alone. In a batched run
the failing tests must be exactly the union of the batch's expected sets, and each fault's
expected tests must be among them: as the sets are disjoint, every failure is attributable to
the one fault that claims it, and a fault that misses its test, or breaks another, is caught.
"""

from __future__ import annotations

from lifecycle_runner import failing, prefetch, run_suite

Env = tuple[tuple[str, str], ...]


def batches(
    table: dict[str, set[str]],
    solo: frozenset[str] = frozenset(),
    apart: frozenset[frozenset[str]] = frozenset(),
    size: int = 8,
) -> list[tuple[str, ...]]:
    """Disjoint packing (see module doc); ``apart`` holds pairs that mask each other."""
    out: list[list[str]] = []
    for fault in sorted(table):
        if fault in solo:
            out.append([fault])
            continue
        for batch in out:
            if (
                len(batch) < size
                and not any(f in solo for f in batch)
                and all(not (table[fault] & table[f]) for f in batch)
                and all(frozenset((fault, f)) not in apart for f in batch)
            ):
                batch.append(fault)
                break
        else:
            out.append([fault])
    return [tuple(b) for b in out]


def run(feature: str, faults: tuple[str, ...], clock: float, env: Env) -> dict[str, str]:
    return run_suite(feature, faults, clock, env)


def prefetch_all(jobs: list[tuple[str, tuple[str, ...], float, Env]]) -> None:
    prefetch(jobs)  # type: ignore[arg-type]


def check_batch(
    feature: str,
    fault: str,
    table: dict[str, set[str]],
    batch: tuple[str, ...],
    clock: float,
    env: Env,
) -> None:
    outcomes = run(feature, batch, clock, env)
    assert outcomes, f"suites/{feature} collected no tests"
    got = {name.split("[")[0] for name in failing(outcomes)}
    union = set().union(*(table[f] for f in batch))
    bad = {n: o for n, o in outcomes.items() if o not in ("PASS", "FAIL")}
    assert not bad, f"faults {batch}: tests neither PASS nor FAIL: {bad}"
    missing = table[fault] - got
    assert not missing, f"fault {fault} (run with {batch}): expected to fail but did not: {missing}"
    assert got == union, (
        f"faults {batch}: expected exactly {sorted(union)} to fail, got {sorted(got)}"
    )
