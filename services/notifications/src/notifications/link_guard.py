"""Rate limits of the public link pages (one-click answers, unsubscribe), per client.

Those pages need no login: whoever holds a link may use it. Two limits damp abuse:

- every request, per client address (``link_rate_per_minute``, ``link_burst``): a script
  hammering a link gets HTTP 429;
- forged tokens, per client address, much stricter (``link_failures_per_hour``,
  ``link_failure_burst``): once spent, the client is refused *before* its token is
  verified, so that guessing tokens gives no answer at all for a while. Only a bad
  signature counts: an expired link or a link for another purpose was signed by us (a
  person rereading an old message), not guessed.

The limits are per process (see ``ratelimit.py`` for why that is enough: the signed,
expiring tokens are the real protection).

The client address is the socket peer. ``X-Forwarded-For`` is read only when the peer is
one of ``link_trusted_proxies`` (default: none), walking the header from the right and
skipping the trusted proxies, so that a client cannot choose its own address by sending
the header. IPv6 clients are counted per /64, the block one host usually holds.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from fastapi import Request
from prometheus_client import Counter

from .options import NotifyOptions
from .ratelimit import Decision, MonotonicClock, TokenBuckets

Network = IPv4Network | IPv6Network

REFUSED = Counter(
    "notifications_link_requests_refused_total",
    "Public link requests refused with HTTP 429, by the limit that refused them.",
    ["limit"],
)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:203.0.113.7 is 203.0.113.7
    return address


def client_key(peer: str | None, forwarded_for: Iterable[str],
               trusted_proxies: Sequence[Network] = ()) -> str:
    """The key a client's requests are counted under.

    ``peer`` is the socket peer's host, ``forwarded_for`` the values of every
    ``X-Forwarded-For`` header of the request, in order.
    """
    address = _address(peer) if peer else None
    if address is None:
        # A Unix socket or a test client: nothing better to tell clients apart by.
        return peer or "unknown"
    if any(address in network for network in trusted_proxies):
        hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
        # The rightmost hops were appended by our proxies; the first hop from the right
        # that is not one of them is the client they saw. Further left, the client wrote
        # it: never read.
        for hop in reversed(hops):
            hop_address = _address(hop)
            if hop_address is None:
                break  # a proxy that writes garbage: keep the peer
            address = hop_address
            if not any(hop_address in network for network in trusted_proxies):
                break
    if isinstance(address, IPv6Address):
        return str(IPv6Network((address, 64), strict=False))
    return str(address)


class LinkGuard:
    """The two limits of the public link routes, for one running service."""

    def __init__(self, options: NotifyOptions, clock: MonotonicClock = time.monotonic) -> None:
        self.trusted_proxies: tuple[Network, ...] = tuple(options.link_trusted_proxies)
        self.requests = TokenBuckets(
            rate_per_s=options.link_rate_per_minute / 60, burst=options.link_burst,
            max_keys=options.link_limiter_max_clients, clock=clock)
        self.failures = TokenBuckets(
            rate_per_s=options.link_failures_per_hour / 3600,
            burst=options.link_failure_burst, max_keys=options.link_limiter_max_clients,
            clock=clock)

    def client(self, request: Request) -> str:
        peer = request.client.host if request.client else None
        return client_key(peer, request.headers.getlist("x-forwarded-for"),
                          self.trusted_proxies)

    def admit(self, client: str) -> Decision:
        """Whether to serve this request at all; counts it when it is served."""
        failures = self.failures.check(client)
        if not failures.allowed:
            REFUSED.labels(limit="failures").inc()
            return failures
        decision = self.requests.hit(client)
        if not decision.allowed:
            REFUSED.labels(limit="requests").inc()
        return decision

    def failed(self, client: str) -> None:
        """A token that does not verify (forged, cut, changed): counted against the client."""
        self.failures.hit(client)
