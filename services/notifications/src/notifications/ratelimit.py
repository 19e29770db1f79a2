"""Token buckets per key (a client address), in memory, with a clock the caller injects.

Each key has a bucket of ``burst`` tokens that refills at ``rate_per_s``; a request takes
one token or is refused, and the refusal says how long until a token is back (the
``Retry-After`` of an HTTP 429). Refused requests take nothing, so a client that keeps
hammering gets one request through every ``1 / rate_per_s`` seconds, no more.

The limit is **per process**: each replica of the service keeps its own buckets, so with
N replicas behind a load balancer a client gets up to N times the limit, and a restart
forgets everything. That is acceptable here because the limiter only damps abuse (a
script hammering a link, someone trying forged tokens); what protects the links is their
signature, their expiry and their binding to one lead and one contact (``links.py``).
A shared store (Redis…) would buy exactness at the price of a dependency on every click.

Memory stays bounded: a bucket left alone long enough to be full again is
indistinguishable from a new one, so it is dropped (no behaviour changes); and there are
never more than ``max_keys`` buckets — past that, the least recently used goes first,
which forgives that client early (only an attacker holding more addresses than
``max_keys`` can make that happen, and they could spread their requests anyway).

Why not the ``limits`` library: its in-memory storage reads the wall clock itself (no
clock to inject in tests), expires keys from a background timer thread and has no upper
bound on the number of keys; a token bucket is the few lines below.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MonotonicClock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # Seconds until the next request of this key would be allowed (0 when it is now).
    retry_after_s: float = 0.0

    @property
    def retry_after_header(self) -> str:
        """Whole seconds, rounded up and at least 1: ``Retry-After`` takes an integer."""
        return str(max(1, math.ceil(self.retry_after_s)))


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(self, *, rate_per_s: float, burst: int, max_keys: int = 10_000,
                 clock: MonotonicClock = time.monotonic) -> None:
        if rate_per_s <= 0 or burst < 1 or max_keys < 1:
            raise ValueError("rate_per_s > 0, burst >= 1 and max_keys >= 1 are required")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        # Least recently touched first: idle buckets are found at the front.
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        # An empty bucket is full again after this long: past it, forgetting it is exact.
        self._idle_s = burst / rate_per_s

    def __len__(self) -> int:
        return len(self._buckets)

    def hit(self, key: str) -> Decision:
        """Take one token for ``key`` if there is one."""
        return self._take(key, consume=True)

    def check(self, key: str) -> Decision:
        """Whether ``hit`` would be allowed now, without taking anything (used to refuse
        a client that already spent its failures, before doing any work for it)."""
        return self._take(key, consume=False)

    def _take(self, key: str, *, consume: bool) -> Decision:
        now = self._clock()
        self._evict_idle(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            if not consume:
                return Decision(True)  # a new key has a full bucket: nothing to store
            bucket = _Bucket(float(self.burst), now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            elapsed = max(0.0, now - bucket.updated)  # a clock must not make tokens go back
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_s)
            bucket.updated = now
            self._buckets.move_to_end(key)
        if bucket.tokens >= 1.0:
            if consume:
                bucket.tokens -= 1.0
            return Decision(True)
        return Decision(False, (1.0 - bucket.tokens) / self.rate_per_s)

    def _evict_idle(self, now: float) -> None:
        # The front is the least recently touched; stop at the first one still in use, so
        # the cost is paid once per bucket (amortised O(1) per request).
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if now - bucket.updated < self._idle_s:
                return
            del self._buckets[key]
