"""Address policy for outbound fetches of user-supplied URLs (SSRF guard).

The bot fetches metadata for links that users paste, so a hostile user can
point it at anything the bot's host can reach: cloud metadata endpoints
(169.254.169.254), the database on localhost, services on the private LAN.
This module decides which IP addresses the bot may connect to.  It is pure
(no I/O) so it can be unit-tested exhaustively; :mod:`bot.fetcher` applies it
to every resolved address of every hop.

Why both ``is_global`` and an explicit CIDR list: the stdlib predicates
changed between Python versions and miss several translation prefixes
(6to4 ``2002::/16`` and site-local ``fec0::/10`` are "global" on 3.11, and
multicast ``224.0.0.1`` is "global" too).  The CIDR list below is Mastodon's
``PrivateAddressCheck`` list plus Synapse's recommended blacklist; the tests
in ``tests/bot/test_netguard.py`` pin the behaviour.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

#: Async callable ``host -> list of IP address strings`` (all A and AAAA answers).
Resolver = Callable[[str], Awaitable[list[str]]]


class BlockedAddress(Exception):
    """Raised by :func:`check_address` when an address must not be contacted.

    ``reason`` is for logs and tests (e.g. "loopback"); it is not meant for
    chat users, who only get a generic "not a public web host".
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _nets(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


#: IPv4 ranges that are never a public web host (IANA special-purpose registry).
DENIED_V4: tuple[IPNetwork, ...] = _nets(
    "0.0.0.0/8",  # "this network", includes 0.0.0.0
    "10.0.0.0/8",
    "100.64.0.0/10",  # CGNAT; is_private is False for it, so it must be listed
    "127.0.0.0/8",
    "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
    "172.16.0.0/12",
    "192.0.0.0/24",  # IETF protocol assignments (192.0.0.8 passes is_global)
    "192.0.2.0/24",  # TEST-NET-1
    "192.88.99.0/24",  # 6to4 relay anycast
    "192.168.0.0/16",
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # TEST-NET-2
    "203.0.113.0/24",  # TEST-NET-3
    "224.0.0.0/4",  # multicast; 224.0.0.1 passes is_global
    "240.0.0.0/4",  # reserved
    "255.255.255.255/32",
)

#: IPv6 ranges that are never a public web host, including every prefix that
#: embeds or translates to an IPv4 address (those are refused even when the
#: embedded address would be public: we never need them for a link preview).
DENIED_V6: tuple[IPNetwork, ...] = _nets(
    "::/96",  # unspecified, loopback ::1 and IPv4-compatible ::a.b.c.d
    "::ffff:0:0/96",  # IPv4-mapped
    "::ffff:0:0:0/96",  # IPv4-translated (RFC 2765)
    "64:ff9b::/96",  # NAT64 well-known prefix
    "64:ff9b:1::/48",  # NAT64 local-use
    "100::/64",  # discard-only
    "2001::/32",  # Teredo
    "2001:10::/28",  # ORCHID
    "2001:20::/28",  # ORCHIDv2
    "2001:db8::/32",  # documentation
    "2002::/16",  # 6to4 (2002:7f00:1:: embeds 127.0.0.1 and passes is_global)
    "3fff::/20",  # documentation (RFC 9637)
    "5f00::/16",  # SRv6 SIDs
    "fc00::/7",  # unique local
    "fe80::/10",  # link-local
    "fec0::/10",  # deprecated site-local; passes is_global on 3.11
    "ff00::/8",  # multicast
)


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """Return the IPv4 address carried inside an IPv6 address, if any.

    Covers IPv4-mapped (``::ffff:a.b.c.d``), IPv4-compatible (``::a.b.c.d``),
    6to4 (``2002:AABB:CCDD::``) and NAT64 (``64:ff9b::a.b.c.d``).  Used so that
    the refusal reason names what the address really points at.
    """
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    packed = int(ip)
    if ip in ipaddress.ip_network("64:ff9b::/96") or (packed >> 32 == 0 and packed > 1):
        return IPv4Address(packed & 0xFFFFFFFF)
    return None


def _reason_v4(ip: IPv4Address) -> str | None:
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip in ipaddress.ip_network("100.64.0.0/10"):
        return "shared address space (CGNAT)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    for net in DENIED_V4:
        if ip in net:
            return f"special-purpose range {net}"
    if not ip.is_global:
        return "not globally routable"
    return None


def denial_reason(ip: IPAddress | str) -> str | None:
    """Return why ``ip`` is refused, or ``None`` when it is a public unicast address."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, IPv4Address):
        return _reason_v4(ip)
    if ip.scope_id:
        return "scoped IPv6 address"
    inner = embedded_ipv4(ip)
    if inner is not None:
        inner_reason = _reason_v4(inner)
        for net in DENIED_V6:
            if ip in net:
                detail = f" of {inner_reason} {inner}" if inner_reason else f" of {inner}"
                return f"IPv4-embedding prefix {net}{detail}"
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_site_local:
        return "site-local"
    for net in DENIED_V6:
        if ip in net:
            return f"special-purpose range {net}"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "not globally routable"
    return None


def address_allowed(ip: IPAddress) -> bool:
    """True when the bot may open a connection to ``ip`` (a public unicast address)."""
    return denial_reason(ip) is None


def check_address(ip: IPAddress) -> None:
    """Raise :class:`BlockedAddress` unless :func:`address_allowed` holds for ``ip``."""
    reason = denial_reason(ip)
    if reason is not None:
        raise BlockedAddress(f"{ip} is {reason}")


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one guarded fetch (all hops included).

    ``extra_allowed_networks`` exists only so tests can reach a loopback
    server on the positive path; production code must leave it empty.
    ``resolver`` replaces the system resolver (``getaddrinfo``); tests use it
    to simulate private answers, mixed answers and DNS rebinding.
    """

    allowed_ports: frozenset[int] = frozenset({80, 443})
    max_redirects: int = 5
    max_bytes: int = 1_000_000
    max_json_bytes: int = 262_144
    total_timeout: float = 8.0
    connect_timeout: float = 3.0
    extra_allowed_networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver | None = field(default=None, compare=False)

    def permits(self, ip: IPAddress) -> bool:
        """Apply :func:`address_allowed`, plus the test-only extra networks."""
        if any(ip.version == net.version and ip in net for net in self.extra_allowed_networks):
            return True
        return address_allowed(ip)


# -- host names that are never public: the one list links and the fetcher both use -------------------

PRIVATE_NAME_SUFFIXES = (
    "local", "internal", "localhost", "lan", "home.arpa", "localdomain", "intranet", "corp",
    "test", "invalid", "example", "arpa",
)  # fmt: skip
DENIED_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "metadata.amazonaws.com"})


def private_name_suffix(host: str) -> str | None:
    """The private suffix a host name ends in ("internal" for "db.internal"), or None for a public-looking
    name. Names, not addresses: what a name resolves to is checked separately, on every connection."""
    name = host.lower().rstrip(".")
    if name in DENIED_NAMES:
        return name
    for suffix in PRIVATE_NAME_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            return suffix
    return None
