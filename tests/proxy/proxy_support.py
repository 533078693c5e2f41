"""Helpers of the proxy self-tests: labelled clients and the findings filed under a label."""

from __future__ import annotations

import httpx

from openai_conformance.checks.failures import Failure
from openai_conformance.proxy.server import ValidatingProxy

KEY = "sk-oaic-canary-proxy-0123456789abcdef"


def client_for(p: ValidatingProxy, label: str, **headers: str) -> httpx.Client:
    """A client of ``p`` whose requests the proxy files under ``label`` (empty: per operation)."""
    base = {"Authorization": f"Bearer {KEY}", **headers}
    if label:
        base["x-oaic-exercise"] = label
    return httpx.Client(base_url=p.base_url, headers=base, timeout=15.0)


def findings(p: ValidatingProxy, label: str) -> list[Failure]:
    assert p.session.settle(10.0), "the proxy did not judge every request within 10 s"
    group = p.session.snapshot().get(label)
    assert group is not None, f"the proxy filed nothing under {label!r}"
    return list(group.failures)


def titles(failures: list[Failure]) -> list[str]:
    return [f"{f.check} {f.pointer} {f.title}" for f in failures]
