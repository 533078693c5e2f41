"""The catalogue of named faults the reference server can inject.

A fault is a deliberate, named contract violation. Self-tests switch one on and assert that
the check which claims to catch it fails (and passes with the fault off). Faults are enabled
for the whole server (``oaic serve --fault NAME``, repeatable) or per request with the header
``x-oaic-fault: NAME[,NAME]`` (only honoured when the server runs with ``allow_fault_header``,
which the self-tests set and ``oaic serve`` does not by default).

Every module that implements a fault declares it here with ``declare``, so
``oaic serve --list-faults`` lists them all with the check each one targets.

``breaks`` names the scenario requirements (ids of spec/requirements/*.yaml) the fault
violates, knock-on effects included: with the fault on, every scenario test citing one of them
must FAIL and every other test of those features must PASS. ``"<id>[<param>]"`` narrows a
requirement to the parametrized cases whose id is ``<param>`` (a fault in one response format
of several). The generic self-test (tests/suites/test_faults_break_their_requirements.py)
derives its expectations from these declarations; a fault without ``breaks`` is checked by
its own self-test (generated or core checks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    targets: str  # the check(s) or requirement id(s) that must catch it
    breaks: tuple[str, ...] = ()  # scenario requirement ids whose tests must fail (see above)


CATALOGUE: dict[str, Fault] = {}


def declare(name: str, description: str, targets: str, breaks: Iterable[str] = ()) -> str:
    """Register a fault; returns the name so modules can keep it as a constant."""
    if name in CATALOGUE and CATALOGUE[name].description != description:
        raise ValueError(f"fault {name!r} declared twice with different descriptions")
    CATALOGUE[name] = Fault(name, description, targets, tuple(sorted(set(breaks))))
    return name


def known(name: str) -> bool:
    return name in CATALOGUE
