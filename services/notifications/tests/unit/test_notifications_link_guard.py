"""Who a request is counted as (socket peer, trusted proxies) and the two limits of the
link pages: requests, and links that do not verify."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from notifications.link_guard import LinkGuard, client_key
from notifications.options import NotifyOptions

PROXY = [ip_network("10.0.0.0/24")]


def test_the_socket_peer_is_the_client_by_default():
    # No trusted proxy: whatever the client writes in X-Forwarded-For is ignored.
    assert client_key("203.0.113.7", ["198.51.100.1"]) == "203.0.113.7"
    assert client_key("10.0.0.2", ["198.51.100.1"]) == "10.0.0.2"


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client():
    assert client_key("10.0.0.2", ["203.0.113.7"], PROXY) == "203.0.113.7"
    # The client may send its own header: only the hop our proxy appended is believed.
    assert client_key("10.0.0.2", ["1.2.3.4, 203.0.113.7"], PROXY) == "203.0.113.7"
    # Two proxies of ours in a row, headers split over several lines.
    assert client_key("10.0.0.2", ["1.2.3.4, 203.0.113.7", "10.0.0.9"], PROXY) == "203.0.113.7"
    # A request from the proxy itself, with no header.
    assert client_key("10.0.0.2", [], PROXY) == "10.0.0.2"
    # A proxy writing garbage: the last address we can trust.
    assert client_key("10.0.0.2", ["203.0.113.7, not-an-ip"], PROXY) == "10.0.0.2"
    # Not from the proxy: the header is not read.
    assert client_key("192.0.2.1", ["203.0.113.7"], PROXY) == "192.0.2.1"


def test_ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4():
    assert client_key("2001:db8:1:2::1", []) == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:2:ffff::9", []) == "2001:db8:1:2::/64"
    assert client_key("::ffff:203.0.113.7", []) == "203.0.113.7"


def test_a_peer_that_is_not_an_address_is_used_as_is():
    assert client_key("testclient", []) == "testclient"
    assert client_key(None, ["203.0.113.7"]) == "unknown"


def test_trusted_proxies_from_the_environment(monkeypatch):
    monkeypatch.setenv("CHANTIERS_NOTIFY_LINK_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16,::1")
    assert [str(n) for n in NotifyOptions().link_trusted_proxies] == [
        "10.0.0.5/32", "10.1.0.0/16", "::1/128"]
    monkeypatch.delenv("CHANTIERS_NOTIFY_LINK_TRUSTED_PROXIES")
    assert NotifyOptions().link_trusted_proxies == []


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_bad_links_are_limited_more_strictly_than_requests(clock):
    guard = LinkGuard(NotifyOptions(link_burst=20, link_failure_burst=3,
                                    link_failures_per_hour=20), clock)
    for _ in range(3):
        assert guard.admit("203.0.113.7").allowed
        guard.failed("203.0.113.7")
    refused = guard.admit("203.0.113.7")
    assert not refused.allowed
    assert refused.retry_after_header == "180"  # 20 an hour: one every 3 minutes
    assert guard.admit("198.51.100.1").allowed  # another client is not concerned
    clock.now += 180
    assert guard.admit("203.0.113.7").allowed


def test_requests_are_limited_even_with_good_links(clock):
    guard = LinkGuard(NotifyOptions(link_rate_per_minute=30, link_burst=5), clock)
    assert all(guard.admit("a").allowed for _ in range(5))
    refused = guard.admit("a")
    assert not refused.allowed and refused.retry_after_header == "2"
