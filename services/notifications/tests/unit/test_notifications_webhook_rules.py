"""Webhook rules without network: topic patterns, signatures, back-off, what may leave."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from notifications.webhooks.domain import (
    InvalidSubscription,
    backoff_s,
    public_routing_keys,
    sign,
    topic_matches,
    validate_pattern,
    validate_secret,
    validate_url,
    verify,
)


@pytest.mark.parametrize(("pattern", "key", "expected"), [
    ("#", "matching.lead.scored", True),
    ("matching.lead.*", "matching.lead.scored", True),
    ("matching.lead.*", "matching.lead", False),
    ("matching.*", "matching.lead.scored", False),
    ("matching.#", "matching.lead.scored", True),
    ("matching.#", "matching", True),
    ("*.lead.*", "matching.lead.withdrawn", True),
    ("#.scored", "matching.lead.scored", True),
    ("#.scored", "matching.lead.updated", False),
    ("prospects.tender.#.x", "prospects.tender.published", False),
    ("notifications.alert.sent", "notifications.alert.sent", True),
    ("notifications.alert.sent", "notifications.alert.sentx", False),
])
def test_patterns_follow_rabbitmq_topic_rules(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected


def test_personal_data_never_matches_a_public_key() -> None:
    keys = public_routing_keys()
    assert "matching.lead.scored" in keys and "notifications.feedback.recorded" in keys
    assert not [k for k in keys if ".contact." in k]
    with pytest.raises(InvalidSubscription, match="never sent"):
        validate_pattern("structures.contact.*")
    assert validate_pattern("structures.#") == "structures.#"  # structures, activities


@pytest.mark.parametrize("bad", ["", "matching..lead", "matching.lead.*x", "a b", "matching.é"])
def test_malformed_patterns_are_refused(bad: str) -> None:
    with pytest.raises(InvalidSubscription):
        validate_pattern(bad)


def test_urls_and_secrets_are_checked() -> None:
    assert validate_url("https://crm.example.org/hooks") == "https://crm.example.org/hooks"
    for bad in ("ftp://x.org/a", "javascript:alert(1)", "https://", "/relative"):
        with pytest.raises(InvalidSubscription):
            validate_url(bad)
    with pytest.raises(InvalidSubscription, match="16"):
        validate_secret("too-short")


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"id":"e1","type":"lead.scored"}'
    expected = hmac.new(b"a-long-enough-secret", body, hashlib.sha256).hexdigest()
    assert sign("a-long-enough-secret", body) == f"sha256={expected}"
    assert verify("a-long-enough-secret", body, f"sha256={expected}")
    assert not verify("a-long-enough-secret", body + b" ", f"sha256={expected}")
    assert not verify("another-secret-of-16", body, f"sha256={expected}")


def test_back_off_doubles_up_to_its_ceiling() -> None:
    assert [backoff_s(n, 5, 3600) for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert backoff_s(20, 5, 3600) == 3600
    # With the defaults (12 failures, 5 s doubling, 1 h ceiling) a receiver has about
    # two and a half hours to come back before its subscription is paused.
    waited = sum(backoff_s(n, 5, 3600) for n in range(1, 12))
    assert 2 * 3600 < waited < 3 * 3600
