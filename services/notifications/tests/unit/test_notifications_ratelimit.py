"""The token buckets of the public link pages, on a clock the test moves."""

from __future__ import annotations

import pytest

from notifications.ratelimit import Decision, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def buckets(clock: Clock, **overrides: float) -> TokenBuckets:
    values = {"rate_per_s": 0.5, "burst": 10, "max_keys": 100}  # 30 a minute, burst 10
    values.update(overrides)
    return TokenBuckets(**values, clock=clock)  # type: ignore[arg-type]


def test_a_burst_is_allowed_then_refused_with_the_wait(clock):
    limiter = buckets(clock)
    assert all(limiter.hit("203.0.113.7").allowed for _ in range(10))
    refused = limiter.hit("203.0.113.7")
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(2.0)  # one token every 2 s
    assert refused.retry_after_header == "2"


def test_refused_hits_take_nothing_and_the_bucket_recovers(clock):
    limiter = buckets(clock)
    for _ in range(10):
        limiter.hit("a")
    for _ in range(50):  # hammering does not push the next allowed request further away
        assert not limiter.hit("a").allowed
    clock.now += 1.9
    assert limiter.hit("a").retry_after_s == pytest.approx(0.1)
    clock.now += 0.1
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    clock.now += 60  # refilled to the burst, not beyond
    assert sum(limiter.hit("a").allowed for _ in range(15)) == 10


def test_clients_are_counted_apart(clock):
    limiter = buckets(clock, burst=2)
    assert limiter.hit("a").allowed and limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed


def test_check_does_not_take_a_token(clock):
    limiter = buckets(clock, burst=1)
    assert limiter.check("a").allowed
    assert len(limiter) == 0  # a client never hit has nothing stored
    assert limiter.hit("a").allowed
    assert limiter.check("a") == Decision(False, pytest.approx(2.0))  # type: ignore[arg-type]
    assert not limiter.hit("a").allowed


def test_idle_clients_are_forgotten_once_their_bucket_is_full_again(clock):
    limiter = buckets(clock)  # empty → full in 10 / 0.5 = 20 s
    for key in ("a", "b", "c"):
        limiter.hit(key)
    clock.now += 19.9
    limiter.hit("d")
    assert len(limiter) == 4
    clock.now += 0.1
    limiter.hit("d")
    assert len(limiter) == 1  # a, b, c dropped: they would have been full anyway
    assert limiter.hit("a").allowed


def test_memory_is_bounded_by_max_keys_least_recently_used_first(clock):
    limiter = buckets(clock, burst=1, max_keys=3)
    for key in ("a", "b", "c"):
        limiter.hit(key)
    limiter.hit("a")  # a is now the most recent
    for n in range(1000):
        limiter.hit(f"attacker-{n}")
        assert len(limiter) <= 3
    assert not limiter.hit("attacker-999").allowed  # the newest are still remembered
    assert limiter.hit("b").allowed  # the oldest were forgiven


def test_a_clock_going_back_gives_no_tokens(clock):
    limiter = buckets(clock, burst=1)
    limiter.hit("a")
    clock.now -= 100
    assert not limiter.hit("a").allowed


def test_retry_after_header_is_a_whole_number_of_seconds_at_least_one():
    assert Decision(False, 0.01).retry_after_header == "1"
    assert Decision(False, 179.2).retry_after_header == "180"


def test_nonsense_settings_are_refused():
    with pytest.raises(ValueError):
        TokenBuckets(rate_per_s=0, burst=1)
    with pytest.raises(ValueError):
        TokenBuckets(rate_per_s=1, burst=0)
