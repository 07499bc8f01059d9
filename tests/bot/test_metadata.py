"""MetadataFetcher: oEmbed allow-list, OpenGraph/<title> fallback, cleaning, no-raise errors.

All network traffic goes to a loopback server reached as "video.example.net"
through an injected resolver; oEmbed endpoints are overridden to point there.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import unicodedata
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.fetcher import GuardedFetcher
from bot.metadata import (
    DEFAULT_OEMBED_ENDPOINTS,
    DESCRIPTION_MAX,
    TITLE_MAX,
    FetchOutcome,
    MetadataFetcher,
    PageMetadata,
    clean_text,
    metadata_from_html,
    tweet_text_from_oembed_html,
)
from bot.netguard import FetchPolicy
from helpers.loopback import Handler, LoopbackServer, drip, redirect, respond

PLATFORMS = ("youtube", "vimeo", "tiktok", "x", "reddit")

OG_PAGE = """<!doctype html><html><head>
<meta property="og:title" content="Kling 2.1 demo &amp; the &#39;cat&#39; caf&eacute;">
<meta property="og:description" content="A   cat
 walks.">
<meta property="og:site_name" content="VideoSite">
<meta name="author" content="Jane Doe">
<title>fallback title</title>
<link rel="alternate" type="application/json+oembed" href="/evil-oembed">
</head><body><p>hello</p></body></html>"""

TITLE_ONLY = """<html><head><title>  Just a   title &mdash; here </title>
<meta name="description" content="plain description"></head><body></body></html>"""

MALFORMED = """<html><head><title>Broken <b>bold</title>
<meta property=og:title content=Unquoted&amp;Fine>
<meta name="twitter:description" content='single &quot;quoted&quot;'
</div></span><body><p><<<>>> <a href="x>bad</a><script>var x = "</title>";</script>"""

X_OEMBED_HTML = (
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">This video is 100% AI &amp; real-time'
    '<br>wow <a href="https://t.co/abc">pic.twitter.com/abc</a></p>&mdash; Some One (@someone) '
    '<a href="https://twitter.com/someone/status/1">May 1, 2026</a></blockquote>\n'
)


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


class Resolver:
    def __init__(self, answers: Mapping[str, list[str]]) -> None:
        self.answers = answers

    async def __call__(self, host: str) -> list[str]:
        if host not in self.answers:
            raise OSError("NXDOMAIN")
        return self.answers[host]


def make_fetcher(srv: LoopbackServer, *, total_timeout: float = 8.0, endpoints: bool = True) -> MetadataFetcher:
    policy = FetchPolicy(
        allowed_ports=frozenset({80, 443, srv.port}),
        extra_allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        resolver=Resolver({"video.example.net": ["127.0.0.1"], "private.example.net": ["10.0.0.5"]}),
        total_timeout=total_timeout,
    )
    overrides = None
    if endpoints:
        overrides = {p: f"http://video.example.net:{srv.port}/oembed/{p}?url={{url}}&x=1" for p in PLATFORMS}
    return MetadataFetcher(GuardedFetcher(policy), oembed_endpoints=overrides)


def oembed_json(data: object, content_type: str = "application/json") -> Handler:
    return respond(200, json.dumps(data), content_type)


async def fetch(
    routes: dict[str, Handler], path: str, platform: str, **kw: object
) -> tuple[FetchOutcome, LoopbackServer]:
    async with LoopbackServer(routes) as srv:
        mf = make_fetcher(srv, **kw)  # type: ignore[arg-type]
        outcome = await mf.fetch(srv.url(path, host="video.example.net"), platform)
        return outcome, srv


# --------------------------------------------------------------------------- oEmbed


@pytest.mark.parametrize("platform", ["youtube", "vimeo", "tiktok", "reddit"])
def test_oembed_per_platform(platform: str) -> None:
    data = {"type": "video", "title": f"{platform} title", "author_name": "Creator", "html": "<iframe></iframe>"}
    if platform == "vimeo":
        data["description"] = "vimeo has descriptions"
    routes = {f"/oembed/{platform}": oembed_json(data), "/watch": respond(200, OG_PAGE)}
    outcome, srv = run(fetch(routes, "/watch?v=abc&t=1", platform))  # type: ignore[misc]
    assert outcome == FetchOutcome(
        fetched=True,
        metadata=PageMetadata(
            title=f"{platform} title",
            description="vimeo has descriptions" if platform == "vimeo" else None,
            author="Creator",
            source="oembed",
            video=True,
        ),
        error=None,
    )
    assert srv.hits("/watch") == 0  # the page itself is not fetched
    req = srv.requests[0]
    query = parse_qs(urlsplit(req.path).query)
    assert query["url"] == [f"http://video.example.net:{srv.port}/watch?v=abc&t=1"]
    assert query["x"] == ["1"]  # the user URL cannot inject extra parameters
    assert "&t=1" not in req.path.split("?", 1)[1].split("&x=")[0]


def test_x_oembed_extracts_tweet_text() -> None:
    data = {"author_name": "Some One", "html": X_OEMBED_HTML, "type": "rich"}
    outcome, _ = run(fetch({"/oembed/x": oembed_json(data)}, "/status/1", "x"))  # type: ignore[misc]
    assert outcome.fetched and outcome.metadata is not None
    assert outcome.metadata.title == "This video is 100% AI & real-time wow pic.twitter.com/abc"
    assert outcome.metadata.author == "Some One"
    assert outcome.metadata.source == "oembed"
    assert "May 1" not in outcome.metadata.title


def test_tweet_text_without_paragraph_drops_byline() -> None:
    html = "<blockquote>Just text &mdash; Some One (@someone) May 1, 2026</blockquote>"
    assert tweet_text_from_oembed_html(html) == "Just text"
    assert tweet_text_from_oembed_html("<div>no quote</div>") is None
    assert tweet_text_from_oembed_html("<blockquote><p>unclosed <b>tags") == "unclosed tags"


def test_long_tweet_keeps_full_text_in_description() -> None:
    html = f"<blockquote><p>{'word ' * 200}</p></blockquote>"
    data = {"author_name": "A", "html": html}
    outcome, _ = run(fetch({"/oembed/x": oembed_json(data)}, "/s", "x"))  # type: ignore[misc]
    meta = outcome.metadata
    assert meta is not None and meta.title is not None and meta.description is not None
    assert len(meta.title) <= TITLE_MAX and meta.title.endswith("…")
    assert meta.description.startswith("word word") and len(meta.description) > TITLE_MAX


@pytest.mark.parametrize(
    "bad_oembed",
    [
        respond(200, "{not json", "application/json"),
        respond(200, "[1, 2]", "application/json"),
        respond(200, '{"type": "video"}', "application/json"),  # nothing usable
        respond(200, '{"title": "x"}', "text/html"),  # HTML at the oEmbed URL
        respond(404, "nope", "application/json"),
        respond(200, json.dumps({"title": "x" * 300_000}), "application/json"),  # over the JSON cap
        respond(200, b"\xff\xfe\x00garbage", "application/json"),
    ],
)
def test_bad_oembed_falls_back_to_page(bad_oembed: Handler) -> None:
    routes = {"/oembed/youtube": bad_oembed, "/watch": respond(200, OG_PAGE)}
    outcome, srv = run(fetch(routes, "/watch", "youtube"))  # type: ignore[misc]
    assert outcome.fetched and outcome.metadata is not None
    assert outcome.metadata.source == "opengraph"
    assert srv.hits("/watch") == 1


def test_unknown_platform_skips_oembed() -> None:
    routes = {"/oembed/youtube": oembed_json({"title": "wrong"}), "/v": respond(200, OG_PAGE)}
    outcome, srv = run(fetch(routes, "/v", "sora"))  # type: ignore[misc]
    assert outcome.metadata is not None and outcome.metadata.source == "opengraph"
    assert all(not r.path.startswith("/oembed") for r in srv.requests)


def test_oembed_discovery_link_is_never_followed() -> None:
    routes = {"/v": respond(200, OG_PAGE), "/evil-oembed": oembed_json({"title": "evil"})}
    outcome, srv = run(fetch(routes, "/v", "runway"))  # type: ignore[misc]
    assert outcome.metadata is not None and outcome.metadata.title != "evil"
    assert srv.hits("/evil-oembed") == 0


def test_default_endpoints_are_a_fixed_https_allow_list() -> None:
    hosts = {p: urlsplit(t).netloc for p, t in DEFAULT_OEMBED_ENDPOINTS.items()}
    assert hosts == {
        "youtube": "www.youtube.com",
        "vimeo": "vimeo.com",
        "tiktok": "www.tiktok.com",
        "x": "publish.twitter.com",
        "reddit": "www.reddit.com",
    }
    assert all(t.startswith("https://") and "{url}" in t for t in DEFAULT_OEMBED_ENDPOINTS.values())
    assert DEFAULT_OEMBED_ENDPOINTS["youtube"].endswith("&format=json")
    assert DEFAULT_OEMBED_ENDPOINTS["x"].endswith("&omit_script=true")
    mf = MetadataFetcher(oembed_endpoints={"vimeo": "http://x/{url}"})
    assert mf.oembed_endpoints["vimeo"] == "http://x/{url}"
    assert mf.oembed_endpoints["youtube"] == DEFAULT_OEMBED_ENDPOINTS["youtube"]


# --------------------------------------------------------------------------- page parsing


def test_opengraph_page_with_entities() -> None:
    outcome, _ = run(fetch({"/v": respond(200, OG_PAGE)}, "/v", "kling"))  # type: ignore[misc]
    assert outcome == FetchOutcome(
        fetched=True,
        metadata=PageMetadata(
            title="Kling 2.1 demo & the 'cat' café",
            description="A cat walks.",
            author="Jane Doe",
            source="opengraph",
            video=False,
        ),
        error=None,
    )


def test_title_only_page() -> None:
    outcome, _ = run(fetch({"/v": respond(200, TITLE_ONLY)}, "/v", "other"))  # type: ignore[misc]
    assert outcome.metadata == PageMetadata(
        title="Just a title — here", description="plain description", author=None, source="html_title", video=False
    )


def test_malformed_html_does_not_crash() -> None:
    outcome, _ = run(fetch({"/v": respond(200, MALFORMED)}, "/v", "other"))  # type: ignore[misc]
    meta = outcome.metadata
    assert outcome.fetched and meta is not None
    assert meta.title == "Unquoted&Fine"
    assert meta.description == 'single "quoted"'
    assert meta.source == "opengraph"


@pytest.mark.parametrize(
    ("html", "title", "description", "source"),
    [
        ('<meta name="twitter:title" content="TW"><title>T</title>', "TW", None, "opengraph"),
        ('<meta property="og:description" content="only desc"><title>T</title>', "T", "only desc", "opengraph"),
        ('<META PROPERTY="OG:TITLE" CONTENT="upper">', "upper", None, "opengraph"),
        ('<meta property="og:title" content="   "><title>T</title>', "T", None, "html_title"),
        ("<title>first</title><title>second</title>", "first", None, "html_title"),
        ("<svg><title>icon</title></svg><title>page</title>", "page", None, "html_title"),
        ("<title>unterminated", "unterminated", None, "html_title"),
        (
            "<title>a</title><body>" + "<p>x</p>" * 20000 + '<meta property="og:title" content="late">',
            "a",
            None,
            "html_title",
        ),
    ],
)
def test_metadata_from_html_variants(html: str, title: str | None, description: str | None, source: str) -> None:
    meta = metadata_from_html(html)
    assert (meta.title, meta.description, meta.source) == (title, description, source)


def test_article_author_and_site_name_fallback() -> None:
    assert metadata_from_html('<meta property="article:author" content="Ann">').author == "Ann"
    assert metadata_from_html('<meta property="og:site_name" content="Site">').author == "Site"


def test_page_without_metadata_is_fetched_with_empty_fields() -> None:
    outcome, _ = run(fetch({"/v": respond(200, "<html><body>nothing</body></html>")}, "/v", "x9"))  # type: ignore[misc]
    assert outcome.fetched and outcome.error is None
    assert outcome.metadata is not None
    assert (outcome.metadata.title, outcome.metadata.description, outcome.metadata.author) == (None, None, None)


def test_hostile_metadata_cleaned_but_mentions_kept() -> None:
    hostile = "@everyone <@&123> [x](javascript:alert(1)) \u202egnp.exe\u202c \u200bzero\u2066iso\u2069 \x00\x07bell"
    long_title = hostile + " " + "A" * 10_000
    page = (
        f'<meta property="og:title" content="{long_title.replace("<", "&lt;")}">'
        f'<meta property="og:description" content="{"B" * 10_000}">'
    )
    outcome, _ = run(fetch({"/v": respond(200, page)}, "/v", "other"))  # type: ignore[misc]
    meta = outcome.metadata
    assert meta is not None and meta.title is not None and meta.description is not None
    assert meta.title.startswith("@everyone <@&123> [x](javascript:alert(1)) gnp.exe zeroiso bell AAAA")
    assert "\u202e" not in meta.title and "\u200b" not in meta.title and "\x00" not in meta.title
    assert len(meta.title) == TITLE_MAX
    assert len(meta.description) == DESCRIPTION_MAX


def test_hostile_oembed_strings_cleaned() -> None:
    data = {"title": "\u202eevil\u202c title\n\n\tX" + "Y" * 1000, "author_name": "\u200b@here\x1b[31m"}
    outcome, _ = run(fetch({"/oembed/youtube": oembed_json(data)}, "/w", "youtube"))  # type: ignore[misc]
    meta = outcome.metadata
    assert meta is not None and meta.title is not None
    assert meta.title.startswith("evil title XYYY") and len(meta.title) == TITLE_MAX
    assert meta.author == "@here[31m"


# --------------------------------------------------------------------------- errors never raise


@pytest.mark.parametrize(
    ("routes", "url", "error"),
    [
        ({}, "http://private.example.net:{port}/", "that address is not a public web host"),
        ({}, "http://127.0.0.2:{port}/", "that address is not a public web host"),
        ({}, "http://169.254.169.254/latest/meta-data/", "that address is not a public web host"),
        ({}, "file:///etc/passwd", "only http and https links can be previewed"),
        (
            {"/m": respond(200, b"\0\0", "video/mp4")},
            "http://video.example.net:{port}/m",
            "the page is not a web page (video/mp4)",
        ),
        ({"/d": drip(0.05)}, "http://video.example.net:{port}/d", "the page took too long to answer"),
        ({"/404": respond(404, "x")}, "http://video.example.net:{port}/404",
         "the page answered with an error (HTTP 404)"),
        ({}, "http://nx.example.net:{port}/", "the host name could not be found"),
    ],
)
def test_failures_return_outcome_with_reason(routes: dict[str, Handler], url: str, error: str) -> None:
    async def main() -> tuple[FetchOutcome, LoopbackServer]:
        async with LoopbackServer(routes) as srv:
            mf = make_fetcher(srv, total_timeout=0.5, endpoints=False)
            return await mf.fetch(url.format(port=srv.port), "unknown"), srv

    outcome, srv = run(main())  # type: ignore[misc]
    assert outcome == FetchOutcome(fetched=False, metadata=None, error=error)
    if not routes:
        assert srv.connections == 0


def test_oembed_for_ssrf_target_only_sends_url_as_parameter() -> None:
    async def main() -> tuple[FetchOutcome, LoopbackServer]:
        async with LoopbackServer({}) as srv:
            mf = make_fetcher(srv)
            return await mf.fetch("http://10.0.0.1/admin", "youtube"), srv

    outcome, srv = run(main())  # type: ignore[misc]
    assert outcome.error == "that address is not a public web host"
    assert [r.path.split("?")[0] for r in srv.requests] == ["/oembed/youtube"]


# --------------------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("e\u0301", "\u00e9"),
        ("e\u200b\u0301", "\u00e9"),
        ("  a \t\n b\u2028c\u00a0d ", "a b c d"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("\u202eright-to-left\u202c", "right-to-left"),
        ("\u2066iso\u2069\u200e\u200f", "iso"),
        ("ctl\x00\x01\x7f\x9b", "ctl"),
        ("\x00\u200b ", None),
        ("", None),
        (None, None),
        (42, None),
        ("<b>kept</b> &amp;", "<b>kept</b> &amp;"),
    ],
)
def test_clean_text(raw: object, expected: str | None) -> None:
    assert clean_text(raw, 100) == expected


def test_clean_text_truncates_with_ellipsis() -> None:
    out = clean_text("x" * 500, TITLE_MAX)
    assert out is not None and len(out) == TITLE_MAX and out.endswith("…")
    assert clean_text("x" * TITLE_MAX, TITLE_MAX) == "x" * TITLE_MAX


@given(st.text(), st.integers(min_value=2, max_value=400))
def test_clean_text_properties(raw: str, limit: int) -> None:
    out = clean_text(raw, limit)
    if out is None:
        return
    assert 0 < len(out) <= limit
    assert out == out.strip() and "  " not in out
    assert all(unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in out)
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize(
    ("html", "video"),
    [
        ('<head><meta property="og:type" content="video.other"><title>t</title></head>', True),
        ('<head><meta property="og:video" content="https://cdn.example.net/v.mp4"><title>t</title></head>', True),
        ('<head><meta name="twitter:card" content="player"><title>t</title></head>', True),
        ("<head><title>t</title></head><body><video src=a.mp4></video></body>", True),
        ('<head><meta property="og:type" content="article"><title>About us</title></head>', False),
        ("<head><title>Pricing</title></head><body><p>plans</p></body>", False),
    ],
)
def test_page_declares_video_or_not(html: str, video: bool) -> None:
    assert metadata_from_html(html).video is video


def test_the_parser_only_sees_the_head_of_a_page() -> None:
    """Pathological markup after the head (or a huge head) is never handed to html.parser whole."""
    from bot.metadata import HEAD_LIMIT, _head_of

    page = "<head><title>Real title</title></head><body>" + "<a " * 500_000
    assert _head_of(page) == "<head><title>Real title</title>"
    assert metadata_from_html(page).title == "Real title"
    assert len(_head_of("<a " * 500_000)) == HEAD_LIMIT
    assert metadata_from_html("<title>unfinished " + "<!--" * 300_000).title == "unfinished"


def test_a_redirect_from_an_oembed_endpoint_is_not_followed() -> None:
    routes = {
        "/oembed/youtube": redirect("/elsewhere"),
        "/elsewhere": oembed_json({"type": "video", "title": "should not be read"}),
        "/watch": respond(200, OG_PAGE),
    }
    outcome, srv = run(fetch(routes, "/watch?v=abc", "youtube"))  # type: ignore[misc]
    assert srv.hits("/elsewhere") == 0
    assert outcome.metadata is not None and outcome.metadata.source == "opengraph"  # fell back to the page
