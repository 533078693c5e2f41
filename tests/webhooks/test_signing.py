"""Standard Webhooks signature verification against the published test vectors.

Vectors: the Standard Webhooks reference libraries' tests
(https://github.com/standard-webhooks/standard-webhooks, file
libraries/python/tests/test_webhooks.py: test_sign_function, the invalid, multi-signature,
old/new timestamp and with/without prefix cases).
"""

from __future__ import annotations

import pytest

from openai_conformance.errors import UsageError
from openai_conformance.scenario.webhooks import signing
from openai_conformance.scenario.webhooks.signing import sign, verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
PAYLOAD = '{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(signature: str = EXPECTED, **changes: str) -> dict[str, str]:
    base = {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": signature,
    }
    base.update({k.replace("_", "-"): v for k, v in changes.items()})
    return base


def test_sign_reproduces_the_published_vector() -> None:
    assert sign(SECRET, MSG_ID, TIMESTAMP, PAYLOAD) == EXPECTED


def test_published_vector_verifies_at_its_timestamp() -> None:
    result = verify(SECRET, headers(), PAYLOAD, now=TIMESTAMP)
    assert result.ok and result.webhook_id == MSG_ID and result.timestamp == TIMESTAMP


def test_secret_without_whsec_prefix_verifies_too() -> None:
    assert verify(SECRET.removeprefix("whsec_"), headers(), PAYLOAD, now=TIMESTAMP).ok


def test_header_names_are_case_insensitive() -> None:
    upper = {k.upper(): v for k, v in headers().items()}
    assert verify(SECRET, upper, PAYLOAD.encode(), now=TIMESTAMP).ok


def test_altered_signature_is_rejected() -> None:
    # The vectors' invalid signature differs from the valid one in its last base64 character.
    altered = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    result = verify(SECRET, headers(altered), PAYLOAD, now=TIMESTAMP)
    assert result.problem == signing.NO_MATCHING_SIGNATURE


def test_wrong_secret_is_rejected() -> None:
    other = signing.new_secret()
    result = verify(other, headers(), PAYLOAD, now=TIMESTAMP)
    assert result.problem == signing.NO_MATCHING_SIGNATURE


def test_altered_body_is_rejected() -> None:
    result = verify(SECRET, headers(), '{"test": 2432232315}', now=TIMESTAMP)
    assert result.problem == signing.NO_MATCHING_SIGNATURE


def test_stale_timestamp_is_rejected_beyond_300_seconds() -> None:
    assert verify(SECRET, headers(), PAYLOAD, now=TIMESTAMP + 300).ok
    result = verify(SECRET, headers(), PAYLOAD, now=TIMESTAMP + 301)
    assert result.problem == signing.STALE_TIMESTAMP
    assert "301 s old" in result.message


def test_future_timestamp_is_rejected_beyond_300_seconds() -> None:
    result = verify(SECRET, headers(), PAYLOAD, now=TIMESTAMP - 301)
    assert result.problem == signing.FUTURE_TIMESTAMP


def test_one_valid_signature_among_several_is_enough() -> None:
    junk = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
    listed = " ".join([f"v1,{junk}", f"v2,{junk}", EXPECTED, f"v1,{junk}"])
    assert verify(SECRET, headers(listed), PAYLOAD, now=TIMESTAMP).ok


def test_valid_signature_under_another_version_is_not_accepted() -> None:
    other_version = EXPECTED.replace("v1,", "v2,")
    result = verify(SECRET, headers(other_version), PAYLOAD, now=TIMESTAMP)
    assert result.problem == signing.NO_MATCHING_SIGNATURE
    assert "v2" in result.message


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_named(missing: str) -> None:
    sent = {k: v for k, v in headers().items() if k != missing}
    result = verify(SECRET, sent, PAYLOAD, now=TIMESTAMP)
    assert result.problem == signing.MISSING_HEADERS and missing in result.message


def test_non_integer_timestamp_is_rejected() -> None:
    result = verify(SECRET, headers(webhook_timestamp="hello"), PAYLOAD, now=TIMESTAMP)
    assert result.problem == signing.BAD_TIMESTAMP


@pytest.mark.parametrize("bad", ["whsec_", "whsec_not base64!", ""])
def test_malformed_secret_is_a_usage_error_without_echoing_it(bad: str) -> None:
    with pytest.raises(UsageError) as info:
        signing.secret_key(bad)
    assert "not base64!" not in str(info.value)


def test_new_secrets_round_trip() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(signing.secret_key(secret)) == 32
    sent = signing.signature_headers(secret, "wh_1", 1_700_000_000, b"{}")
    assert verify(secret, sent, b"{}", now=1_700_000_000).ok


def test_whsec_secrets_are_redacted_wherever_they_appear() -> None:
    from openai_conformance.wire.redact import REDACTED, redact_text

    secret = signing.new_secret()
    text = redact_text(f'{{"url": "http://x", "secret": "{secret}"}}')
    assert secret not in text and REDACTED in text
