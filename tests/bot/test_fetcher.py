"""GuardedFetcher against loopback servers: refusals must never reach the target.

Every refusal test runs a real server the URL points at and asserts it saw no
TCP connection, so a check that fires after connecting would fail the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import time
from collections.abc import Callable, Sequence

import pytest

from bot.fetcher import (
    REASON_ADDRESS,
    REASON_BAD_URL,
    REASON_CONNECT,
    REASON_DNS,
    REASON_PORT,
    REASON_REDIRECT_LOOP,
    REASON_SCHEME,
    REASON_TIMEOUT,
    REASON_TOO_LARGE,
    REASON_TOO_MANY_REDIRECTS,
    REASON_USERINFO,
    USER_AGENT,
    FetchedPage,
    FetchFailed,
    FetchRefused,
    GuardedFetcher,
    system_resolver,
    validate_url,
)
from bot.netguard import FetchPolicy
from helpers.loopback import LoopbackServer, drip, endless, gzip_bomb, redirect, respond, response_bytes

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)
HTML = "<html><head><title>Hello</title></head><body>hi</body></html>"


class StubResolver:
    """Injectable resolver: ``answers[host]`` is a list, or a list of lists consumed per call."""

    def __init__(self, answers: dict[str, Sequence[str] | Callable[[int], list[str]]] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        answer = self.answers.get(host)
        if answer is None:
            raise OSError("NXDOMAIN")
        if callable(answer):
            return answer(self.calls.count(host))
        return list(answer)


class SystemRecorder(StubResolver):
    """Delegates to getaddrinfo but records calls (to prove numeric hosts never get there)."""

    async def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        return await system_resolver(host)


def policy(*ports: int, resolver: StubResolver | None = None, loopback: bool = True, **kw: object) -> FetchPolicy:
    """Test policy: "video.example.net" -> 127.0.0.1, optionally allowing 127.0.0.1/32."""
    return FetchPolicy(
        allowed_ports=frozenset({80, 443, *ports}),
        extra_allowed_networks=LOOPBACK_ONLY if loopback else (),
        resolver=resolver or StubResolver({"video.example.net": ["127.0.0.1"]}),
        **kw,  # type: ignore[arg-type]
    )


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def get(pol: FetchPolicy, url: str, accept: str = "html") -> FetchedPage:
    return await GuardedFetcher(pol).get(url, accept=accept)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- positive path


def test_positive_path_host_header_user_agent_and_pinned_address() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as srv:
            resolver = StubResolver({"video.example.net": ["127.0.0.1"]})
            page = await get(policy(srv.port, resolver=resolver), srv.url("/", host="video.example.net"))
            assert page.status == 200
            assert page.content_type == "text/html"
            assert "<title>Hello</title>" in page.text
            assert page.final_url == srv.url("/", host="video.example.net")
            assert resolver.calls == ["video.example.net"]
            assert srv.connections == 1
            req = srv.requests[0]
            assert req.headers["host"] == f"video.example.net:{srv.port}"
            assert req.headers["user-agent"] == USER_AGENT
            assert "cookie" not in req.headers

    run(main())


def test_fragment_is_not_sent() -> None:
    async def main() -> None:
        async with LoopbackServer({"/p": respond(200, HTML)}) as srv:
            await get(policy(srv.port), srv.url("/p#frag", host="video.example.net"))
            assert srv.requests[0].path == "/p"

    run(main())


def test_charset_from_header_and_meta() -> None:
    latin = "<title>caf\xe9</title>".encode("latin-1")
    meta = b'<meta charset="iso-8859-1"><title>caf\xe9</title>'

    async def main() -> None:
        routes = {
            "/h": respond(200, latin, "text/html; charset=ISO-8859-1"),
            "/m": respond(200, meta, "text/html"),
            "/x": respond(200, HTML, "application/xhtml+xml"),
        }
        async with LoopbackServer(routes) as srv:
            p = policy(srv.port)
            assert "café" in (await get(p, srv.url("/h", host="video.example.net"))).text
            assert "café" in (await get(p, srv.url("/m", host="video.example.net"))).text
            assert (await get(p, srv.url("/x", host="video.example.net"))).content_type == "application/xhtml+xml"
            for charset in ("rot13", "base64", "zlib_codec", "no-such-charset"):
                srv.routes = {"/c": respond(200, "<title>ok</title>", f"text/html; charset={charset}")}
                assert (await get(p, srv.url("/c", host="video.example.net"))).text == "<title>ok</title>"

    run(main())


# --------------------------------------------------------------------------- address refusals

REFUSED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST.",
    "[::1]",
    "169.254.169.254",
    "metadata.google.internal",
    "[fd00:ec2::254]",
    "100.64.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "0.0.0.0",
    "[::]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "198.18.0.1",
    "[::ffff:127.0.0.1]",
    "[::ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]",
    "[2002:7f00:1::]",
    "[::127.0.0.1]",
    "[fec0::1]",
    "2130706433",
    "0x7f000001",
    "017700000001",
    "0177.0.0.1",
    "127.1",
    "0x7f.1",
    "0X7F.0.0.1",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_refused_hosts_never_connect(host: str) -> None:
    async def main() -> None:
        async with LoopbackServer(routes={"/": respond(200, HTML)}) as srv:
            resolver = SystemRecorder()
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port, resolver=resolver, loopback=False), f"http://{host}:{srv.port}/")
            assert info.value.reason == REASON_ADDRESS
            assert srv.connections == 0
            # IP literals, legacy numeric forms and denied names never reach a resolver.
            assert resolver.calls == []

    run(main())


def test_refused_ipv6_loopback_server_sees_nothing() -> None:
    async def main() -> None:
        try:
            srv6 = await LoopbackServer({"/": respond(200, HTML)}, host="::1").__aenter__()
        except OSError:
            pytest.skip("no IPv6 loopback")
        try:
            with pytest.raises(FetchRefused):
                await get(policy(srv6.port, loopback=False), srv6.url("/"))
            assert srv6.connections == 0
        finally:
            await srv6.__aexit__(None, None, None)

    run(main())


def test_control_same_server_reachable_through_allowed_name() -> None:
    """Guards the refusal tests: the same server IS reachable when policy allows it."""

    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as srv:
            await get(policy(srv.port), f"http://video.example.net:{srv.port}/")
            assert srv.connections == 1

    run(main())


@pytest.mark.parametrize(
    "answers",
    [
        ["10.0.0.5"],
        ["127.0.0.1"],  # loopback via DNS, not in the extra networks
        ["93.184.216.34", "127.0.0.1"],  # mixed: Synapse style, refuse the host
        ["127.0.0.1", "::1"],
        ["169.254.169.254"],
        ["::ffff:127.0.0.1"],
    ],
)
def test_private_dns_answers_refused(answers: list[str]) -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as srv:
            resolver = StubResolver({"video.example.net": answers})
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port, resolver=resolver, loopback=False), srv.url("/", host="video.example.net"))
            assert info.value.reason == REASON_ADDRESS
            assert srv.connections == 0

    run(main())


def test_mixed_answers_refused_even_when_one_is_permitted() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as srv:
            resolver = StubResolver({"video.example.net": ["127.0.0.1", "10.0.0.5"]})
            with pytest.raises(FetchRefused):
                await get(policy(srv.port, resolver=resolver), srv.url("/", host="video.example.net"))
            assert srv.connections == 0

    run(main())


@pytest.mark.parametrize("bad", [["not-an-ip"], ["127.0.0.1 "], ["2130706433"]])
def test_resolver_garbage_refused(bad: list[str]) -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as srv:
            with pytest.raises(FetchRefused):
                await get(
                    policy(srv.port, resolver=StubResolver({"video.example.net": bad})),
                    srv.url("/", host="video.example.net"),
                )
            assert srv.connections == 0

    run(main())


def test_dns_failure_and_empty_answer() -> None:
    async def main() -> None:
        res = StubResolver({"empty.example.net": []})
        with pytest.raises(FetchFailed) as info:
            await get(policy(resolver=res), "http://nx.example.net/")
        assert info.value.reason == REASON_DNS
        with pytest.raises(FetchFailed) as info:
            await get(policy(resolver=res), "http://empty.example.net/")
        assert info.value.reason == REASON_DNS

    run(main())


async def _start_pair(routes_a: dict, routes_b: dict) -> tuple[LoopbackServer, LoopbackServer]:
    """Server A on 127.0.0.1 and server B on 127.0.0.2, same port (so only the IP differs)."""
    for _ in range(20):
        a = await LoopbackServer(routes_a).__aenter__()
        try:
            b = await LoopbackServer(routes_b, host="127.0.0.2", port=a.port).__aenter__()
        except OSError:
            await a.__aexit__(None, None, None)
            continue
        return a, b
    pytest.skip("could not bind 127.0.0.2")


def test_dns_rebinding_one_resolution_per_hop_and_socket_to_checked_ip() -> None:
    async def main() -> None:
        a, b = await _start_pair({"/": respond(200, HTML)}, {"/": respond(200, "<title>evil</title>")})
        try:
            # 1st answer: allowed 127.0.0.1; every later answer: 127.0.0.2 (not allowed).
            resolver = StubResolver({"video.example.net": lambda n: ["127.0.0.1"] if n == 1 else ["127.0.0.2"]})
            page = await get(policy(a.port, resolver=resolver), a.url("/", host="video.example.net"))
            assert "Hello" in page.text
            assert resolver.calls == ["video.example.net"]
            assert a.connections == 1 and b.connections == 0
            assert a.requests[0].local[0] == "127.0.0.1"
        finally:
            await a.__aexit__(None, None, None)
            await b.__aexit__(None, None, None)

    run(main())


def test_dns_rebinding_on_redirect_hop_is_rechecked() -> None:
    async def main() -> None:
        a, b = await _start_pair({"/": redirect("/next"), "/next": respond(200, HTML)}, {"/next": respond(200, HTML)})
        try:
            resolver = StubResolver({"video.example.net": lambda n: ["127.0.0.1"] if n == 1 else ["127.0.0.2"]})
            with pytest.raises(FetchRefused) as info:
                await get(policy(a.port, resolver=resolver), a.url("/", host="video.example.net"))
            assert info.value.reason == REASON_ADDRESS
            assert resolver.calls == ["video.example.net", "video.example.net"]
            assert a.hits("/") == 1 and a.hits("/next") == 0
            assert b.connections == 0
        finally:
            await a.__aexit__(None, None, None)
            await b.__aexit__(None, None, None)

    run(main())


# --------------------------------------------------------------------------- URL shape refusals


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("http://youtube.com@127.0.0.1:{port}/", REASON_USERINFO),
        ("http://youtube.com@video.example.net:{port}/", REASON_USERINFO),
        ("http://user:pass@video.example.net:{port}/", REASON_USERINFO),
        ("http://@video.example.net:{port}/", REASON_USERINFO),
        ("http://:@video.example.net:{port}/", REASON_USERINFO),
        ("http://youtube.com\\@127.0.0.1:{port}/", REASON_BAD_URL),
        ("http://127.0.0.1:{port}\\@youtube.com/", REASON_BAD_URL),
        ("http://video.example.net:{port}\\@youtube.com/", REASON_BAD_URL),
        ("http://video.example.net:{port}/a\\b", REASON_BAD_URL),
        ("http://video.example.net:{port}/\x00", REASON_BAD_URL),
        ("http://video.exa mple:{port}/", REASON_BAD_URL),
        ("//video.example.net:{port}/", REASON_SCHEME),
        ("video.example.net:{port}/", REASON_SCHEME),
    ],
)
def test_parser_confusion_refused(template: str, reason: str) -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as srv:
            resolver = StubResolver({"video.example.net": ["127.0.0.1"], "youtube.com": ["127.0.0.1"]})
            # Even with 127.0.0.1 permitted, these shapes are refused outright.
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port, resolver=resolver), template.format(port=srv.port))
            assert info.value.reason == reason
            assert srv.connections == 0 and resolver.calls == []

    run(main())


def test_fragment_at_sign_does_not_hide_real_host() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as srv:
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port, loopback=False), f"http://127.0.0.1:{srv.port}#@youtube.com/")
            assert info.value.reason == REASON_ADDRESS
            assert srv.connections == 0

    run(main())


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://video.example.net/x",
        "gopher://video.example.net:70/_x",
        "dict://video.example.net:11211/stat",
        "data:text/html,<title>x</title>",
        "javascript:alert(1)",
        "ws://video.example.net/",
        "HTTP+unix://x/",
    ],
)
def test_non_web_schemes_refused(url: str) -> None:
    async def main() -> None:
        resolver = StubResolver({"video.example.net": ["127.0.0.1"]})
        with pytest.raises(FetchRefused) as info:
            await get(policy(resolver=resolver), url)
        assert info.value.reason == REASON_SCHEME
        assert resolver.calls == []

    run(main())


@pytest.mark.parametrize("port", [22, 6379, 8080, 11211, 2375, 0, 65535])
def test_non_web_ports_refused_by_default(port: int) -> None:
    async def main() -> None:
        resolver = StubResolver({"example.com": ["93.184.216.34"]})
        pol = FetchPolicy(resolver=resolver)
        with pytest.raises(FetchRefused) as info:
            await GuardedFetcher(pol).get(f"http://example.com:{port}/")
        assert info.value.reason == REASON_PORT
        assert resolver.calls == []

    run(main())


def test_validate_url_accepts_plain_https_and_drops_fragment() -> None:
    url = validate_url("https://www.youtube.com/watch?v=x#t=1", FetchPolicy())
    assert str(url) == "https://www.youtube.com/watch?v=x"


# --------------------------------------------------------------------------- redirects


async def _pair_redirect_case(
    location: Callable[[LoopbackServer], str],
) -> tuple[LoopbackServer, LoopbackServer, Exception]:
    a, b = await _start_pair({}, {"/secret": respond(200, "secret"), "/": respond(200, "secret")})
    a.routes = {"/": redirect(location(b))}  # type: ignore[misc]
    resolver = StubResolver({"video.example.net": ["127.0.0.1"], "evil.example.net": ["127.0.0.2"]})
    try:
        with pytest.raises((FetchRefused, FetchFailed)) as info:
            await get(policy(a.port, resolver=resolver), a.url("/", host="video.example.net"))
        return a, b, info.value
    finally:
        await a.__aexit__(None, None, None)
        await b.__aexit__(None, None, None)


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        (lambda b: f"http://127.0.0.2:{b.port}/secret", REASON_ADDRESS),
        (lambda b: f"http://evil.example.net:{b.port}/secret", REASON_ADDRESS),
        (lambda b: f"//evil.example.net:{b.port}/secret", REASON_ADDRESS),
        (lambda b: f"http://localhost:{b.port}/secret", REASON_ADDRESS),
        (lambda b: f"http://[::ffff:127.0.0.2]:{b.port}/secret", REASON_ADDRESS),
        (lambda b: f"http://2130706434:{b.port}/secret", REASON_ADDRESS),
        (lambda b: "http://169.254.169.254/latest/meta-data/", REASON_ADDRESS),
        (lambda b: "file:///etc/passwd", REASON_SCHEME),
        (lambda b: f"gopher://127.0.0.2:{b.port}/_secret", REASON_SCHEME),
        (lambda b: "javascript:alert(1)", REASON_SCHEME),
        (lambda b: f"http://evil.example.net:{b.port}@127.0.0.2:{b.port}/", REASON_USERINFO),
        (lambda b: f"http://127.0.0.2:{b.port}\\@video.example.net/", REASON_BAD_URL),
        (lambda b: "http://video.example.net:6379/", REASON_PORT),
    ],
)
def test_redirect_to_forbidden_target_refused(location: Callable[[LoopbackServer], str], reason: str) -> None:
    a, b, exc = run(_pair_redirect_case(location))  # type: ignore[misc]
    assert isinstance(exc, FetchRefused)
    assert exc.reason == reason
    assert a.hits("/") == 1
    assert b.connections == 0


def test_redirect_chain_within_limit_followed_with_relative_locations() -> None:
    async def main() -> None:
        routes = {f"/s{i}": redirect(f"/s{i + 1}") for i in range(1, 5)}
        routes["/s5"] = redirect("ok", status=301)
        routes["/ok"] = respond(200, HTML, headers={"Set-Cookie": "sid=1"})
        async with LoopbackServer(routes) as srv:
            resolver = StubResolver({"video.example.net": ["127.0.0.1"]})
            page = await get(policy(srv.port, resolver=resolver), srv.url("/s1", host="video.example.net"))
            assert page.final_url == srv.url("/ok", host="video.example.net")
            assert len(resolver.calls) == 6  # one resolution per hop
            assert srv.connections == 6

    run(main())


def test_six_redirects_refused_without_reaching_final_target() -> None:
    async def main() -> None:
        routes = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(1, 7)}
        routes["/r7"] = respond(200, HTML)
        async with LoopbackServer(routes) as srv:
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port), srv.url("/r1", host="video.example.net"))
            assert info.value.reason == REASON_TOO_MANY_REDIRECTS
            assert srv.hits("/r6") == 1
            assert srv.hits("/r7") == 0

    run(main())


@pytest.mark.parametrize("routes", [{"/a": "/b", "/b": "/a"}, {"/a": "/a"}, {"/a": "/a?x", "/a?x": "/a"}])
def test_redirect_loop_ends_in_error(routes: dict[str, str]) -> None:
    async def main() -> None:
        handlers = {path.split("?")[0]: redirect(target) for path, target in routes.items()}
        async with LoopbackServer(handlers) as srv:
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port), srv.url("/a", host="video.example.net"))
            assert info.value.reason == REASON_REDIRECT_LOOP  # seen before the limit of five is reached
            assert srv.connections <= 2

    run(main())


def test_cookies_not_kept_across_redirects() -> None:
    async def main() -> None:
        routes = {
            "/": respond(302, b"", None, headers={"Location": "/next", "Set-Cookie": "sid=secret; Path=/"}),
            "/next": respond(200, HTML),
        }
        async with LoopbackServer(routes) as srv:
            await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert "cookie" not in srv.requests[1].headers

    run(main())


def test_redirect_without_location_fails() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(302, b"", None)}) as srv:
            with pytest.raises(FetchFailed):
                await get(policy(srv.port), srv.url("/", host="video.example.net"))

    run(main())


# --------------------------------------------------------------------------- resource abuse


def test_gzip_bomb_stopped_at_decompressed_cap() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": gzip_bomb(30_000_000)}) as srv:
            start = time.monotonic()
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert info.value.reason == REASON_TOO_LARGE
            assert time.monotonic() - start < 3

    run(main())


def test_endless_body_stopped_at_cap() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": endless()}) as srv:
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert info.value.reason == REASON_TOO_LARGE

    run(main())


def test_declared_oversize_content_length_refused_before_reading() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML, content_length=50_000_000)}) as srv:
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert info.value.reason == REASON_TOO_LARGE

    run(main())


def test_understated_content_length_reads_no_more_than_declared() -> None:
    """The extra bytes arrive after the declared body: the page is the declared 17 bytes, nothing more."""

    async def understated(request: object, writer: asyncio.StreamWriter) -> None:
        writer.write(response_bytes(200, b"<title>ok</title>", content_length=17))
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.write(b"X" * 5_000_000)
        await writer.drain()

    async def main() -> None:
        async with LoopbackServer({"/": understated}) as srv:
            page = await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert page.text == "<title>ok</title>"

    run(main())


def test_data_beyond_the_declared_length_in_one_burst_fails_the_fetch() -> None:
    """Sent together with the body, the surplus is a malformed response: refused, never returned."""

    async def main() -> None:
        body = b"<title>ok</title>" + b"X" * 5_000_000
        async with LoopbackServer({"/": respond(200, body, content_length=17)}) as srv:
            with pytest.raises(FetchFailed) as info:
                await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert info.value.reason == "the page could not be fetched"

    run(main())


def test_cap_boundary_exact() -> None:
    async def main() -> None:
        routes = {"/ok": respond(200, b"a" * 1000), "/big": respond(200, b"a" * 1001)}
        async with LoopbackServer(routes) as srv:
            p = policy(srv.port, max_bytes=1000)
            assert len((await get(p, srv.url("/ok", host="video.example.net"))).text) == 1000
            with pytest.raises(FetchRefused):
                await get(p, srv.url("/big", host="video.example.net"))

    run(main())


def test_json_cap_is_smaller() -> None:
    async def main() -> None:
        big = json.dumps({"title": "x" * 300_000})
        async with LoopbackServer({"/j": respond(200, big, "application/json")}) as srv:
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port), srv.url("/j", host="video.example.net"), accept="json")
            assert info.value.reason == REASON_TOO_LARGE

    run(main())


def test_slow_drip_stopped_at_total_deadline() -> None:
    async def main() -> None:
        async with LoopbackServer({"/": drip(0.05)}) as srv:
            start = time.monotonic()
            with pytest.raises(FetchFailed) as info:
                await get(policy(srv.port, total_timeout=0.5), srv.url("/", host="video.example.net"))
            elapsed = time.monotonic() - start
            assert info.value.reason == REASON_TIMEOUT
            assert 0.4 < elapsed < 2.0

    run(main())


def test_deadline_covers_redirect_chain() -> None:
    """Six 0.2 s hops ending in a page: only a deadline over the whole chain (not per hop) stops it at 0.5 s."""

    def slow_redirect(target: str) -> object:
        async def handler(request: object, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(0.2)
            await redirect(target)(request, writer)  # type: ignore[arg-type]

        return handler

    async def slow_page(request: object, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.2)
        await respond(200, HTML)(request, writer)  # type: ignore[arg-type]

    routes = {f"/{n}": slow_redirect(f"/{n + 1}") for n in range(5)} | {"/5": slow_page}

    async def main() -> None:
        async with LoopbackServer(routes) as srv:  # type: ignore[arg-type]
            unhurried = await get(policy(srv.port, total_timeout=30.0), srv.url("/0", host="video.example.net"))
            assert "<title>Hello</title>" in unhurried.text
            start = time.monotonic()
            with pytest.raises(FetchFailed) as info:
                await get(policy(srv.port, total_timeout=0.5), srv.url("/0", host="video.example.net"))
            assert info.value.reason == REASON_TIMEOUT
            assert time.monotonic() - start < 1.0

    run(main())


def test_silent_server_stopped_at_total_deadline() -> None:
    async def silent(request: object, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async def main() -> None:
        async with LoopbackServer({"/": silent}) as srv:
            start = time.monotonic()
            with pytest.raises(FetchFailed) as info:
                await get(policy(srv.port, total_timeout=0.5), srv.url("/", host="video.example.net"))
            assert info.value.reason == REASON_TIMEOUT
            assert time.monotonic() - start < 2.0

    run(main())


# --------------------------------------------------------------------------- types and statuses


@pytest.mark.parametrize(
    ("ctype", "accept", "shown"),
    [
        ("video/mp4", "html", "video/mp4"),
        ("application/octet-stream", "html", "application/octet-stream"),
        ("text/plain", "html", "text/plain"),
        ("application/json", "html", "application/json"),
        (None, "html", "no content type"),
        ("text/html", "json", "text/html"),
        ("application/javascript", "json", "application/javascript"),
    ],
)
def test_wrong_content_type_refused(ctype: str | None, accept: str, shown: str) -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, b"{}", ctype)}) as srv:
            with pytest.raises(FetchRefused) as info:
                await get(policy(srv.port), srv.url("/", host="video.example.net"), accept=accept)
            assert shown in info.value.reason
            if accept == "html":
                assert info.value.reason == f"the page is not a web page ({shown})"

    run(main())


@pytest.mark.parametrize(
    "ctype", ["application/json", "application/json; charset=utf-8", "text/json", "application/ld+json"]
)
def test_json_content_types_accepted(ctype: str) -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, b'{"a": 1}', ctype)}) as srv:
            page = await get(policy(srv.port), srv.url("/", host="video.example.net"), accept="json")
            assert json.loads(page.text) == {"a": 1}

    run(main())


@pytest.mark.parametrize("status", [404, 500, 403, 503])
def test_http_errors_fail(status: int) -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(status, HTML)}) as srv:
            with pytest.raises(FetchFailed) as info:
                await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert str(status) in info.value.reason

    run(main())


def test_connection_refused_fails_cleanly() -> None:
    async def main() -> None:
        async with LoopbackServer() as srv:
            port = srv.port
        with pytest.raises(FetchFailed) as info:
            await get(policy(port), f"http://video.example.net:{port}/")
        assert info.value.reason == REASON_CONNECT

    run(main())


# --------------------------------------------------------------------------- environment


def test_environment_proxies_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        async with LoopbackServer({"/": respond(200, HTML)}) as proxy, LoopbackServer({"/": respond(200, HTML)}) as srv:
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
                monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
            for name in ("NO_PROXY", "no_proxy"):
                monkeypatch.delenv(name, raising=False)
            page = await get(policy(srv.port), srv.url("/", host="video.example.net"))
            assert "Hello" in page.text
            assert proxy.connections == 0
            assert srv.connections == 1

    run(main())


def test_invalid_accept_argument() -> None:
    with pytest.raises(ValueError):
        run(GuardedFetcher(FetchPolicy()).get("http://example.com/", accept="xml"))  # type: ignore[arg-type]


def test_tls_keeps_hostname_for_sni_while_connecting_to_pinned_ip() -> None:
    """The ClientHello must carry "video.example.net" although the socket goes to 127.0.0.1."""
    seen: list[bytes] = []

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            seen.append(await asyncio.wait_for(reader.read(4096), 2))
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(on_client, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(FetchFailed):
                await get(policy(port), f"https://video.example.net:{port}/")
        finally:
            server.close()
            await server.wait_closed()

    run(main())
    assert len(seen) == 1
    assert seen[0][:1] == b"\x16"  # TLS handshake record
    assert b"video.example.net" in seen[0]


def test_ipv6_answer_is_pinned_and_used() -> None:
    async def main() -> None:
        try:
            srv = await LoopbackServer({"/": respond(200, HTML)}, host="::1").__aenter__()
        except OSError:
            pytest.skip("no IPv6 loopback")
        try:
            pol = FetchPolicy(
                allowed_ports=frozenset({srv.port}),
                extra_allowed_networks=(ipaddress.ip_network("::1/128"),),
                resolver=StubResolver({"video.example.net": ["::1"]}),
            )
            page = await get(pol, f"http://video.example.net:{srv.port}/")
            assert "Hello" in page.text
            assert srv.connections == 1
        finally:
            await srv.__aexit__(None, None, None)

    run(main())


@pytest.mark.parametrize("charset", ["punycode", "idna", "utf-7", "unicode_escape", "rot13", "base64", "bogus"])
def test_pages_cannot_choose_an_exotic_decoder(charset: str) -> None:
    """Some codecs are quadratic (punycode) or not charsets at all: the page falls back to UTF-8."""
    from bot.fetcher import _decode

    body = b"a-" + b"9" * 200_000
    assert _decode(body, charset, "html") == body.decode("utf-8")
    assert _decode(b"<meta charset=" + charset.encode() + b">" + body, None, "html").endswith("9" * 10)
    assert _decode("caf\u00e9".encode("cp1252"), "windows-1252", "html") == "caf\u00e9"


def test_bracketed_host_that_is_not_an_ip_is_refused() -> None:
    from bot.fetcher import validate_url

    with pytest.raises(FetchRefused):
        validate_url("http://[x:evil.test]/", FetchPolicy())
