"""Pin the address policy: stdlib ``ipaddress`` predicates drift between versions."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.netguard import (
    BlockedAddress,
    FetchPolicy,
    address_allowed,
    check_address,
    denial_reason,
    embedded_ipv4,
)

# (address, the reason the operator's log gives), written out: a reworded or misrouted reason fails here.
DENIED_WITH_REASONS = [
    ('127.0.0.1', 'loopback'),
    ('127.255.255.254', 'loopback'),
    ('::1', 'loopback'),
    ('169.254.169.254', 'link-local'),
    ('100.64.0.1', 'shared address space (CGNAT)'),
    ('224.0.0.1', 'multicast'),
    ('239.255.255.250', 'multicast'),
    ('240.0.0.1', 'private'),
    ('255.255.255.255', 'private'),
    ('0.0.0.0', 'unspecified'),
    ('0.1.2.3', 'private'),
    ('::', 'unspecified'),
    ('10.0.0.1', 'private'),
    ('172.16.0.1', 'private'),
    ('172.31.255.255', 'private'),
    ('192.168.1.1', 'private'),
    ('192.0.0.8', 'special-purpose range 192.0.0.0/24'),
    ('192.0.2.1', 'private'),
    ('198.51.100.7', 'private'),
    ('203.0.113.9', 'private'),
    ('192.88.99.1', 'special-purpose range 192.88.99.0/24'),
    ('198.18.0.1', 'private'),
    ('198.19.255.1', 'private'),
    ('::ffff:127.0.0.1', 'IPv4-embedding prefix ::ffff:0:0/96 of loopback 127.0.0.1'),
    ('::ffff:a9fe:a9fe', 'IPv4-embedding prefix ::ffff:0:0/96 of link-local 169.254.169.254'),
    ('::ffff:8.8.8.8', 'IPv4-embedding prefix ::ffff:0:0/96 of 8.8.8.8'),
    ('64:ff9b::a9fe:a9fe', 'IPv4-embedding prefix 64:ff9b::/96 of link-local 169.254.169.254'),
    ('64:ff9b::808:808', 'IPv4-embedding prefix 64:ff9b::/96 of 8.8.8.8'),
    ('64:ff9b:1::1', 'special-purpose range 64:ff9b:1::/48'),
    ('2002:7f00:1::', 'IPv4-embedding prefix 2002::/16 of loopback 127.0.0.1'),
    ('2002:808:808::1', 'IPv4-embedding prefix 2002::/16 of 8.8.8.8'),
    ('::127.0.0.1', 'IPv4-embedding prefix ::/96 of loopback 127.0.0.1'),
    ('fec0::1', 'site-local'),
    ('fe80::1', 'link-local'),
    ('fe80::1%eth0', 'scoped IPv6 address'),
    ('fd00:ec2::254', 'special-purpose range fc00::/7'),
    ('fc00::1', 'special-purpose range fc00::/7'),
    ('2001:db8::1', 'special-purpose range 2001:db8::/32'),
    ('2001::1', 'special-purpose range 2001::/32'),
    ('2001:10::1', 'special-purpose range 2001:10::/28'),
    ('100::1', 'special-purpose range 100::/64'),
    ('3fff::1', 'special-purpose range 3fff::/20'),
    ('ff02::1', 'multicast'),
    ('ff0e::1', 'multicast'),
    ('2001:2::1', 'private'),  # benchmarking: the stdlib calls it private
    ('::1:0:0', 'reserved'),
]
DENIED = [addr for addr, _ in DENIED_WITH_REASONS]

# The special-purpose ranges, written out here (not read from the module) so that dropping one from
# bot/netguard.py fails a test.  IANA registries:
# https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml and
# https://www.iana.org/assignments/iana-ipv6-special-registry/iana-ipv6-special-registry.xhtml (read 2026-11-27).
DENIED_RANGES = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    "::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32",
    "2001:10::/28", "2001:20::/28", "2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7",
    "fe80::/10", "fec0::/10", "ff00::/8",
]

ALLOWED = ["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "2001:4860:4860::8888"]


@pytest.mark.parametrize(("addr", "reason"), DENIED_WITH_REASONS)
def test_denied_addresses(addr: str, reason: str) -> None:
    ip = ipaddress.ip_address(addr)
    assert not address_allowed(ip)
    assert denial_reason(ip) == reason
    with pytest.raises(BlockedAddress) as info:
        check_address(ip)
    assert info.value.reason == str(info.value) == f"{ip} is {reason}"


@pytest.mark.parametrize(
    ("addr", "inner"),
    [("::1", None), ("::2", "0.0.0.2"), ("::1:0:0", None), ("::1:0:0:1", None), ("64:ff9b::1:0:0:1", None),
     ("2001:db8::1", None)],
)
def test_embedded_ipv4_edges(addr: str, inner: str | None) -> None:
    """::1 is loopback, not an embedded 0.0.0.1; anything above the low 32 bits embeds nothing."""
    found = embedded_ipv4(ipaddress.IPv6Address(addr))
    assert found == (ipaddress.IPv4Address(inner) if inner else None)


@pytest.mark.parametrize("addr", ALLOWED)
def test_public_addresses_allowed(addr: str) -> None:
    ip = ipaddress.ip_address(addr)
    assert address_allowed(ip)
    check_address(ip)  # does not raise


@pytest.mark.parametrize(
    ("addr", "inner"),
    [
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::ffff:a9fe:a9fe", "169.254.169.254"),
        ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
        ("2002:7f00:1::", "127.0.0.1"),
        ("::127.0.0.1", "127.0.0.1"),
    ],
)
def test_embedded_ipv4_unwrapped_and_named(addr: str, inner: str) -> None:
    ip = ipaddress.IPv6Address(addr)
    assert embedded_ipv4(ip) == ipaddress.IPv4Address(inner)
    reason = denial_reason(ip)
    assert reason is not None and inner in reason


def test_stdlib_gaps_are_covered() -> None:
    """The reasons the CIDR list exists (C.3): ``is_global`` alone lets these through."""
    for addr in ("2002:7f00:1::", "fec0::1", "192.0.0.8", "224.0.0.1"):
        ip = ipaddress.ip_address(addr)
        assert not address_allowed(ip), addr


def test_string_input_accepted_by_denial_reason() -> None:
    assert denial_reason("127.0.0.1") == "loopback"
    assert denial_reason("8.8.8.8") is None


@given(st.ip_addresses(v=4))
def test_mapped_form_never_allowed(ip: ipaddress.IPv4Address) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    assert not address_allowed(mapped)


@given(st.ip_addresses())
def test_allowed_implies_global_and_not_in_deny_list(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if address_allowed(ip):
        assert ip.is_global
        assert not ip.is_multicast
        assert not any(ip in ipaddress.ip_network(net) for net in DENIED_RANGES)


@given(st.sampled_from(DENIED_RANGES), st.integers(min_value=0))
def test_every_address_in_deny_list_refused(cidr: str, n: int) -> None:
    net = ipaddress.ip_network(cidr)
    ip = net[n % net.num_addresses]
    assert not address_allowed(ip)


@pytest.mark.parametrize("cidr", DENIED_RANGES)
def test_first_and_last_address_of_each_range_refused(cidr: str) -> None:
    net = ipaddress.ip_network(cidr)
    assert not address_allowed(net[0]), net[0]
    assert not address_allowed(net[-1]), net[-1]


def test_policy_defaults() -> None:
    p = FetchPolicy()
    assert p.allowed_ports == frozenset({80, 443})
    assert p.max_redirects == 5
    assert p.max_bytes == 1_000_000
    assert p.max_json_bytes == 262_144
    assert p.total_timeout == 8.0
    assert p.connect_timeout == 3.0
    assert p.extra_allowed_networks == ()
    assert p.resolver is None
    assert not p.permits(ipaddress.ip_address("127.0.0.1"))
    assert p.permits(ipaddress.ip_address("8.8.8.8"))


def test_policy_extra_networks_only_widen_what_is_listed() -> None:
    p = FetchPolicy(extra_allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    assert p.permits(ipaddress.ip_address("127.0.0.1"))
    assert not p.permits(ipaddress.ip_address("127.0.0.2"))
    assert not p.permits(ipaddress.ip_address("::1"))
    assert not p.permits(ipaddress.ip_address("10.0.0.1"))


def test_a_private_name_written_with_its_final_dot_is_still_private() -> None:
    """ "printer.local." is the same name as "printer.local" (the root's dot); a redirect may spell it either way."""
    from bot.netguard import private_name_suffix

    assert private_name_suffix("printer.local.") == "local"
    assert private_name_suffix("DB.Internal.") == "internal"
    assert private_name_suffix("example.com.") is None
