"""SSRF-guarded HTTP GET for user-supplied URLs, built on aiohttp.

Every hop (the first request and each redirect) goes through the same steps:

1. refuse anything that is not a plain ``http``/``https`` URL on an allowed
   port, with no userinfo, no backslashes and no legacy numeric host
   (``2130706433``, ``0x7f.1``: parser differentials are the classic bypass);
2. resolve the host ONCE (all A/AAAA answers) and refuse the host when ANY
   answer is not a public address (Synapse style: a mixed answer is hostile);
3. pin the checked answers in a per-fetch resolver handed to aiohttp's
   connector, so the socket goes to exactly the addresses that were checked
   (no second lookup that DNS rebinding could change); TLS SNI and the Host
   header still carry the host name.

Redirects are never followed by aiohttp (``allow_redirects=False``); we loop
ourselves so each ``Location`` is re-parsed and re-checked.  The environment
proxy settings are ignored (``trust_env=False``: a proxy would bypass the
address check), cookies are dropped, bodies are read in chunks and cut at a
byte cap counted after decompression, and one deadline covers the whole
fetch including redirects and slow-drip bodies.

Failures surface as :class:`FetchRefused` (our policy said no) or
:class:`FetchFailed` (the network or the server failed); both carry a short
reason that is safe to show to a chat user.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import logging
import re
import socket
from dataclasses import dataclass
from typing import Literal

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.netguard import FetchPolicy, IPAddress, denial_reason, private_name_suffix

log = logging.getLogger(__name__)

USER_AGENT = "YuntaiBot/0.1 (+link preview)"

Accept = Literal["html", "json"]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ALLOWED_SCHEMES = frozenset({"http", "https"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_JSON_TYPES = frozenset({"application/json", "text/json", "application/json+oembed"})
_ACCEPT_HEADERS = {
    "html": "text/html,application/xhtml+xml;q=0.9",
    "json": "application/json,text/json;q=0.9",
}
#: Names that must never be fetched whatever DNS says (cloud metadata, local names).
# A label inet_aton() would read as a number: decimal, octal (leading 0) or hex.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# User-facing reasons (kept in one place so callers and tests can match them).
REASON_SCHEME = "only http and https links can be previewed"
REASON_USERINFO = "links with a user name or password are not allowed"
REASON_PORT = "that port is not allowed"
REASON_ADDRESS = "that address is not a public web host"
REASON_BAD_URL = "that link is not a valid web address"
REASON_DNS = "the host name could not be found"
REASON_TOO_LARGE = "page too large"
REASON_TIMEOUT = "the page took too long to answer"
REASON_CONNECT = "could not connect to the page"
REASON_TOO_MANY_REDIRECTS = "the page redirects too many times"
REASON_REDIRECT_LOOP = "the page redirects in a loop"


class FetchError(Exception):
    """Base class; ``reason`` is a short, user-safe explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchRefused(FetchError):
    """Our policy refused the URL, an address, a redirect, the type or the size."""


class FetchFailed(FetchError):
    """The network or the remote server failed (DNS, connect, HTTP error, timeout)."""


@dataclass(frozen=True)
class FetchedPage:
    """A successfully fetched (2xx, right type, under the cap) response body."""

    status: int
    final_url: str
    content_type: str
    text: str


async def system_resolver(host: str) -> list[str]:
    """Resolve ``host`` with ``getaddrinfo`` and return every A/AAAA answer."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0])
        if addr not in seen:
            seen.append(addr)
    return seen


class _PinnedResolver(AbstractResolver):
    """aiohttp resolver that only returns addresses we already checked.

    The fetcher fills ``pins`` right before each hop; aiohttp then asks this
    resolver when it opens the connection.  Unknown hosts raise, so nothing
    can reach the network through a lookup we did not vet.
    """

    def __init__(self) -> None:
        self.pins: dict[str, list[IPAddress]] = {}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addrs = self.pins.get(_pin_key(host))
        if not addrs:
            raise OSError(f"host {host!r} was not vetted")
        results: list[ResolveResult] = []
        for ip in addrs:
            results.append(
                {
                    "hostname": host,
                    "host": str(ip),
                    "port": port,
                    "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        return results

    async def close(self) -> None:
        self.pins.clear()


def _pin_key(host: str) -> str:
    return host.rstrip(".").lower()


def _is_legacy_numeric(host: str) -> bool:
    """True for hosts like ``2130706433``, ``0177.0.0.1``, ``127.1``, ``0x7f.1``.

    ``getaddrinfo``/``inet_aton`` read these as IPv4 addresses while
    ``ipaddress`` refuses them; we refuse them outright so no resolver ever
    gets a chance to interpret them.
    """
    labels = host.rstrip(".").split(".")
    if not 1 <= len(labels) <= 4 or not all(_NUMERIC_LABEL.match(label) for label in labels):
        return False
    try:
        ipaddress.IPv4Address(host.rstrip("."))
    except ValueError:
        return True
    return False


def _parse_ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _raw_authority(text: str) -> str:
    """The authority part of a URL string as RFC 3986 splits it ("" when absent)."""
    _scheme, sep, rest = text.partition("://")
    if not sep:
        return ""
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def validate_url(raw: str | URL, policy: FetchPolicy) -> URL:
    """Parse ``raw`` once and apply the static URL rules; return the parsed URL.

    Raises :class:`FetchRefused`.  Does not touch the network.
    """
    if isinstance(raw, URL):
        url = raw
        text = str(raw)
    else:
        text = raw.strip()
        if "\\" in text or any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
            # Backslashes and control characters are read differently by
            # different URL parsers (http://a\@b/): never guess.
            raise FetchRefused(REASON_BAD_URL)
        if "@" in _raw_authority(text):
            # Checked on the raw text too: yarl drops an empty userinfo ("http://@host/").
            raise FetchRefused(REASON_USERINFO)
        try:
            url = URL(text)
        except (ValueError, TypeError):
            raise FetchRefused(REASON_BAD_URL) from None
    if url.scheme not in _ALLOWED_SCHEMES:
        raise FetchRefused(REASON_SCHEME)
    if not url.is_absolute() or not url.raw_host:
        raise FetchRefused(REASON_BAD_URL)
    if url.user is not None or url.password is not None or "@" in (url.raw_authority or ""):
        raise FetchRefused(REASON_USERINFO)
    try:
        port = url.port
    except ValueError:
        raise FetchRefused(REASON_BAD_URL) from None
    if port is None or port not in policy.allowed_ports:
        raise FetchRefused(REASON_PORT)
    host = url.raw_host.lower()
    if _is_legacy_numeric(host):
        raise FetchRefused(REASON_ADDRESS)
    if (":" in host or "%" in host) and not _is_ip_literal(host):
        # aiohttp treats any host with ':' as an IP literal and would skip the pinned resolver.
        raise FetchRefused(REASON_BAD_URL)
    name = host.rstrip(".")
    if private_name_suffix(name) is not None:
        raise FetchRefused(REASON_ADDRESS)
    return url.with_fragment(None)


def _media_type(header: str | None) -> tuple[str, str | None]:
    """Split a Content-Type header into (lower-case media type, charset)."""
    if not header:
        return "", None
    parts = header.split(";")
    mtype = parts[0].strip().lower()
    charset = None
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mtype, charset


def _type_ok(mtype: str, accept: Accept) -> bool:
    if accept == "html":
        return mtype in _HTML_TYPES
    return mtype in _JSON_TYPES or mtype.endswith("+json")


# Charsets web pages really use. Anything else (punycode, idna, utf-7, *_escape...) is refused: some of
# those decoders take quadratic time, and a page must not be able to pick one to stall the event loop.
_WEB_CHARSETS = frozenset(
    codecs.lookup(name).name
    for name in (
        "utf-8", "utf-16", "utf-16-le", "utf-16-be", "ascii", "latin-1", "iso-8859-2", "iso-8859-3",
        "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-9", "iso-8859-10",
        "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "cp1250", "cp1251", "cp1252", "cp1253",
        "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "koi8-r", "koi8-u", "mac-roman", "shift_jis",
        "euc-jp", "iso-2022-jp", "euc-kr", "gbk", "gb2312", "gb18030", "big5", "big5hkscs", "cp874", "tis-620",
    )
)


def _web_charset(name: str) -> str | None:
    try:
        canonical = codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):
        return None
    return canonical if canonical in _WEB_CHARSETS else None


def _decode(body: bytes, charset: str | None, accept: Accept) -> str:
    """Decode with the declared charset, else a ``<meta charset>``, else UTF-8."""
    candidates: list[str] = []
    if charset:
        candidates.append(charset)
    if accept == "html":
        m = _CHARSET_META.search(body[:2048])
        if m:
            candidates.append(m.group(1).decode("ascii", "replace"))
    candidates.append("utf-8")
    for name in candidates:
        codec = _web_charset(name)
        if codec is None:
            continue
        try:
            return body.decode(codec, errors="replace")
        except (LookupError, ValueError):
            continue
    return body.decode("utf-8", errors="replace")  # pragma: no cover - utf-8 always works


class GuardedFetcher:
    """Fetch user-supplied URLs without letting them reach private networks.

    Stateless between calls: each :meth:`get` uses its own short-lived
    aiohttp session whose connector can only connect to addresses vetted for
    that fetch, so no pin or pooled connection leaks between fetches.
    """

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._resolve = self.policy.resolver or system_resolver

    async def get(self, url: str, *, accept: Accept = "html", max_redirects: int | None = None) -> FetchedPage:
        """GET ``url`` following at most ``max_redirects`` vetted redirects (default: the policy's).

        Raises :class:`FetchRefused` or :class:`FetchFailed`; any other
        exception would be a bug.
        """
        if accept not in ("html", "json"):
            raise ValueError(f"accept must be 'html' or 'json', not {accept!r}")
        current = validate_url(url, self.policy)
        try:
            async with asyncio.timeout(self.policy.total_timeout):
                limit = self.policy.max_redirects if max_redirects is None else min(max_redirects,
                                                                                    self.policy.max_redirects)
                return await self._get(current, accept, limit)
        except TimeoutError:
            raise FetchFailed(REASON_TIMEOUT) from None

    async def _get(self, current: URL, accept: Accept, max_redirects: int) -> FetchedPage:
        policy = self.policy
        pinned = _PinnedResolver()
        connector = aiohttp.TCPConnector(
            resolver=pinned, use_dns_cache=False, force_close=True, limit=1, happy_eyeballs_delay=None
        )
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=policy.connect_timeout)
        headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT_HEADERS[accept]}
        cap = policy.max_bytes if accept == "html" else policy.max_json_bytes
        visited: set[str] = set()
        async with aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers=headers,
            auto_decompress=True,
        ) as session:
            for hop in range(max_redirects + 1):
                visited.add(str(current))
                await self._vet_host(current, pinned)
                try:
                    async with session.get(current, allow_redirects=False, proxy=None) as resp:
                        if resp.status in _REDIRECT_STATUSES:
                            location = resp.headers.get("Location")
                            if not location:
                                raise FetchFailed(f"the page redirects nowhere (HTTP {resp.status})")
                            current = self._next_hop(current, location)
                            if str(current) in visited:
                                raise FetchRefused(REASON_REDIRECT_LOOP)
                            if hop == max_redirects:
                                break
                            continue
                        return await self._read(resp, accept, cap)
                except aiohttp.ServerTimeoutError:
                    raise FetchFailed(REASON_TIMEOUT) from None
                except aiohttp.ClientConnectorError:
                    raise FetchFailed(REASON_CONNECT) from None
                except aiohttp.ClientPayloadError:
                    raise FetchFailed("the page sent a broken response") from None
                except (aiohttp.ClientError, ValueError) as exc:
                    # Type only: the message can embed megabytes of the hostile response.
                    log.info("fetch of %s failed: %s", current.host, type(exc).__name__)
                    raise FetchFailed("the page could not be fetched") from None
            raise FetchRefused(REASON_TOO_MANY_REDIRECTS)

    def _next_hop(self, current: URL, location: str) -> URL:
        """Resolve a ``Location`` against the current URL and re-validate it."""
        location = location.strip()
        if "\\" in location or any(ord(c) < 0x20 or ord(c) == 0x7F for c in location):
            raise FetchRefused(REASON_BAD_URL)
        try:
            target = current.join(URL(location))
        except (ValueError, TypeError):
            raise FetchRefused(REASON_BAD_URL) from None
        return validate_url(target, self.policy)

    async def _vet_host(self, url: URL, pinned: _PinnedResolver) -> None:
        """Resolve the hop's host once, check every answer and pin the result."""
        host = url.raw_host
        assert host is not None
        literal = _parse_ip_literal(host)
        if literal is not None:
            addrs = [literal]
        else:
            try:
                answers = await self._resolve(host)
            except (OSError, UnicodeError):
                raise FetchFailed(REASON_DNS) from None
            addrs = []
            for answer in answers:
                ip = _parse_ip_literal(str(answer))
                if ip is None:
                    log.warning("resolver returned a non-address %r for %s", answer, host)
                    raise FetchRefused(REASON_ADDRESS)
                addrs.append(ip)
            if not addrs:
                raise FetchFailed(REASON_DNS)
        for ip in addrs:
            if not self.policy.permits(ip):
                log.info("refusing %s: %s", host, denial_reason(ip))
                raise FetchRefused(REASON_ADDRESS)
        pinned.pins[_pin_key(host)] = addrs

    async def _read(self, resp: aiohttp.ClientResponse, accept: Accept, cap: int) -> FetchedPage:
        """Check status and type, then read at most ``cap`` decompressed bytes."""
        if not 200 <= resp.status < 300:
            raise FetchFailed(f"the page answered with an error (HTTP {resp.status})")
        mtype, charset = _media_type(resp.headers.get("Content-Type"))
        if not _type_ok(mtype, accept):
            what = "a web page" if accept == "html" else "JSON"
            raise FetchRefused(f"the page is not {what} ({mtype or 'no content type'})")
        declared = resp.content_length
        if declared is not None and declared > cap:
            raise FetchRefused(REASON_TOO_LARGE)
        chunks: list[bytes] = []
        total = 0
        async for chunk in resp.content.iter_chunked(16_384):
            total += len(chunk)
            if total > cap:
                raise FetchRefused(REASON_TOO_LARGE)
            chunks.append(chunk)
        body = b"".join(chunks)
        return FetchedPage(
            status=resp.status,
            final_url=str(resp.url),
            content_type=mtype,
            text=_decode(body, charset, accept),
        )
