"""The REST side of realtime: ephemeral client secrets for a pre-configured session."""

from __future__ import annotations

import pytest

from openai_conformance.checks import assert_conforms
from openai_conformance.checks.failures import Failure
from openai_conformance.checks.outcomes import Disabled
from openai_conformance.scenario import lifecycles as lc
from openai_conformance.target.config import RunConfig
from openai_conformance.wire.client import ConformanceClient

OP = "POST /realtime/client_secrets"


@pytest.mark.requirement("realtime/client-secret")
def test_client_secret_carries_the_requested_session(
    client: ConformanceClient, oaic_config: RunConfig
) -> None:
    if not oaic_config.claims("realtime.client-secrets"):
        raise Disabled("the profile does not claim realtime.client-secrets")
    instructions = f"oaic-{oaic_config.run_id}: be brief."
    session = {
        "type": "realtime",
        "model": lc.model_for(oaic_config, "realtime"),
        "instructions": instructions,
    }
    body = {"expires_after": {"anchor": "created_at", "seconds": 600}, "session": session}
    exchange = client.request("POST", "/realtime/client_secrets", json=body)
    secret = assert_conforms(exchange, OP)
    got = secret.get("session") or {}
    lc.fail(
        [
            Failure.of(
                "realtime_client_secret_conformance",
                f"the client secret's session does not reflect the requested {field}",
                operation=OP,
                pointer=f"/session/{field}",
                expected=repr(want),
                actual=got.get(field),
                exchange=exchange,
            )
            for field, want in (("type", "realtime"), ("instructions", instructions))
            if got.get(field) != want
        ]
    )
