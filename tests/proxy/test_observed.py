"""The proxy keeps the two axes apart: what the live API does against the letter of the
document (an ``observed`` overlay) is a labelled finding, not a failure."""

from __future__ import annotations

from proxy_support import client_for, findings

from openai_conformance.proxy.server import ValidatingProxy

RESPONSE = {"model": "ref-chat", "input": "Say hi."}


def test_null_optional_response_fields_are_observed_findings_not_failures(
    proxy: ValidatingProxy,
) -> None:
    assert proxy.session.letter is not None  # default mode: the letter is judged alongside
    with client_for(proxy, "observed-nulls") as c:
        answer = c.post("/responses", json=RESPONSE)
    assert answer.status_code == 200
    assert answer.json()["user"] is None  # the reference server answers as the live API does
    assert findings(proxy, "observed-nulls") == []
    group = proxy.session.snapshot()["observed-nulls"]
    labelled = {(label, f.pointer) for label, f in group.labelled}
    assert ("observed", "/user") in labelled
    result = next(t for t in proxy.session.results() if t.name == "observed-nulls")
    assert result.outcome == "PASS"
    assert any(f.label == "observed" and f.pointer == "/user" for f in result.findings)
