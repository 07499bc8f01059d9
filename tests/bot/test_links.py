"""Tests for bot.links: every platform shape, every refusal, chat extraction and properties.

The property tests matter most: links come from untrusted chat, so parsing must never raise
anything but `LinkError`, and canonical forms must be stable so one clip maps to one record.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.links import ClipLink, LinkError, canonicalize, find_links, parse_link

YT = "dQw4w9WgXcQ"
YT_CANON = f"https://www.youtube.com/watch?v={YT}"

# (input, canonical, platform, video_id)
PLATFORM_CASES = [
    # YouTube
    (f"https://www.youtube.com/watch?v={YT}", YT_CANON, "youtube", YT),
    (f"https://youtube.com/watch?v={YT}&list=PL123&index=4&t=42s&pp=ygU", YT_CANON, "youtube", YT),
    (f"https://m.youtube.com/watch?feature=share&v={YT}", YT_CANON, "youtube", YT),
    (f"https://music.youtube.com/watch?v={YT}&si=abc", YT_CANON, "youtube", YT),
    (f"https://youtu.be/{YT}", YT_CANON, "youtube", YT),
    (f"https://youtu.be/{YT}?si=Xy12&t=10", YT_CANON, "youtube", YT),
    (f"https://www.youtube.com/shorts/{YT}?feature=share", YT_CANON, "youtube", YT),
    (f"https://www.youtube.com/embed/{YT}?start=3", YT_CANON, "youtube", YT),
    (f"https://www.youtube.com/live/{YT}?si=q", YT_CANON, "youtube", YT),
    (f"https://www.youtube-nocookie.com/embed/{YT}", YT_CANON, "youtube", YT),
    (f"youtu.be/{YT}", YT_CANON, "youtube", YT),
    (f"www.youtube.com/watch?v={YT}", YT_CANON, "youtube", YT),
    (f"HTTPS://WWW.YouTube.COM/watch?v={YT}#t=3", YT_CANON, "youtube", YT),
    # X / Twitter
    ("https://x.com/OpenAI/status/1234567890123456789", "https://twitter.com/OpenAI/status/1234567890123456789",
     "x", "1234567890123456789"),
    ("https://twitter.com/OpenAI/status/123?s=20&t=abc", "https://twitter.com/OpenAI/status/123", "x", "123"),
    ("https://mobile.twitter.com/a_b/status/5", "https://twitter.com/a_b/status/5", "x", "5"),
    ("https://mobile.x.com/a_b/status/5", "https://twitter.com/a_b/status/5", "x", "5"),
    ("https://www.x.com/a_b/status/5?ref_src=twsrc", "https://twitter.com/a_b/status/5", "x", "5"),
    ("https://fxtwitter.com/a/status/7", "https://twitter.com/a/status/7", "x", "7"),
    ("https://vxtwitter.com/a/status/7", "https://twitter.com/a/status/7", "x", "7"),
    ("https://fixupx.com/a/status/7", "https://twitter.com/a/status/7", "x", "7"),
    ("https://fixvx.com/a/status/7", "https://twitter.com/a/status/7", "x", "7"),
    ("https://twitter.com/a/statuses/7", "https://twitter.com/a/status/7", "x", "7"),
    ("https://x.com/i/web/status/7", "https://twitter.com/i/status/7", "x", "7"),
    ("https://x.com/Someone/status/7/video/1", "https://twitter.com/Someone/status/7", "x", "7"),
    ("https://x.com/Someone/status/7/photo/1", "https://twitter.com/Someone/status/7", "x", "7"),
    # TikTok
    ("https://www.tiktok.com/@user.name/video/7301234567890123456?is_from_webapp=1&sender_device=pc",
     "https://www.tiktok.com/@user.name/video/7301234567890123456", "tiktok", "7301234567890123456"),
    ("https://m.tiktok.com/@u/video/1", "https://www.tiktok.com/@u/video/1", "tiktok", "1"),
    ("https://tiktok.com/@u/video/1", "https://www.tiktok.com/@u/video/1", "tiktok", "1"),
    ("https://vm.tiktok.com/ZMh1abcD/", "https://vm.tiktok.com/ZMh1abcD/", "tiktok", None),
    ("https://vt.tiktok.com/ZSabc123", "https://vm.tiktok.com/ZSabc123/", "tiktok", None),
    ("https://www.tiktok.com/t/ZTabc/", "https://vm.tiktok.com/ZTabc/", "tiktok", None),
    # Instagram
    ("https://www.instagram.com/reel/C1a2B3c-_d/?igsh=MWQ1", "https://www.instagram.com/reel/C1a2B3c-_d/",
     "instagram", "C1a2B3c-_d"),
    ("https://instagram.com/reels/Cxyz/", "https://www.instagram.com/reel/Cxyz/", "instagram", "Cxyz"),
    ("https://www.instagram.com/tv/Cxyz", "https://www.instagram.com/reel/Cxyz/", "instagram", "Cxyz"),
    ("https://www.instagram.com/p/Cxyz/?utm_source=ig_web_copy_link&igshid=1",
     "https://www.instagram.com/p/Cxyz/", "instagram", "Cxyz"),
    # Vimeo
    ("https://vimeo.com/123456789", "https://vimeo.com/123456789", "vimeo", "123456789"),
    ("https://vimeo.com/123456789/abcdef1234?share=copy", "https://vimeo.com/123456789/abcdef1234",
     "vimeo", "123456789"),
    ("https://player.vimeo.com/video/123456789?h=abcdef1234&badge=0",
     "https://vimeo.com/123456789/abcdef1234", "vimeo", "123456789"),
    ("https://player.vimeo.com/video/42", "https://vimeo.com/42", "vimeo", "42"),
    ("https://vimeo.com/channels/staffpicks/42", "https://vimeo.com/42", "vimeo", "42"),
    # Reddit
    ("https://www.reddit.com/r/aivideo/comments/1abc2d/some_slug/", "https://www.reddit.com/comments/1abc2d",
     "reddit", "1abc2d"),
    ("https://old.reddit.com/r/aivideo/comments/1abc2d/", "https://www.reddit.com/comments/1abc2d",
     "reddit", "1abc2d"),
    ("https://new.reddit.com/r/x/comments/1abc2d", "https://www.reddit.com/comments/1abc2d", "reddit", "1abc2d"),
    ("https://np.reddit.com/r/x/comments/1abc2d", "https://www.reddit.com/comments/1abc2d", "reddit", "1abc2d"),
    ("https://m.reddit.com/r/x/comments/1abc2d", "https://www.reddit.com/comments/1abc2d", "reddit", "1abc2d"),
    ("https://redd.it/1abc2d", "https://www.reddit.com/comments/1abc2d", "reddit", "1abc2d"),
    ("https://v.redd.it/abc123xyz", "https://v.redd.it/abc123xyz", "reddit", "abc123xyz"),
    ("https://www.reddit.com/r/aivideo/s/AbC123", "https://www.reddit.com/r/aivideo/s/AbC123", "reddit", None),
    # Bilibili
    ("https://www.bilibili.com/video/BV1GJ411x7h7/?spm_id_from=333&vd_source=abc",
     "https://www.bilibili.com/video/BV1GJ411x7h7", "bilibili", "BV1GJ411x7h7"),
    ("https://m.bilibili.com/video/BV1GJ411x7h7", "https://www.bilibili.com/video/BV1GJ411x7h7",
     "bilibili", "BV1GJ411x7h7"),
    ("https://b23.tv/AbC12x", "https://b23.tv/AbC12x", "bilibili", None),
    # Discord
    ("https://cdn.discordapp.com/attachments/111/222/clip.mp4?ex=65a&is=659&hm=deadbeef&",
     "https://cdn.discordapp.com/attachments/111/222/clip.mp4?ex=65a&is=659&hm=deadbeef", "discord", "222"),
    ("https://media.discordapp.net/attachments/111/222/clip.mp4?ex=65a&is=659&hm=beef&width=640&height=360",
     "https://cdn.discordapp.com/attachments/111/222/clip.mp4?ex=65a&is=659&hm=beef", "discord", "222"),
    # Vendors
    ("https://sora.com/g/gen_01abc?utm_source=x", "https://sora.com/g/gen_01abc", "sora", None),
    ("https://sora.chatgpt.com/p/s_68abc", "https://sora.chatgpt.com/p/s_68abc", "sora", None),
    ("https://openai.com/sora/", "https://openai.com/sora/", "sora", None),
    ("https://openai.com/index/sora-2/#fragment", "https://openai.com/index/sora-2/", "sora", None),
    ("https://app.klingai.com/global/video/123?fbclid=1", "https://app.klingai.com/global/video/123", "kling", None),
    ("https://kling.kuaishou.com/", "https://kling.kuaishou.com/", "kling", None),
    ("https://runwayml.com/research/introducing-gen-3-alpha",
     "https://runwayml.com/research/introducing-gen-3-alpha", "runway", None),
    ("https://app.runwayml.com/video-tools", "https://app.runwayml.com/video-tools", "runway", None),
    ("https://lumalabs.ai/dream-machine", "https://lumalabs.ai/dream-machine", "luma", None),
    ("https://dream-machine.lumalabs.ai/share/abc", "https://dream-machine.lumalabs.ai/share/abc", "luma", None),
    ("https://pika.art/video/abc", "https://pika.art/video/abc", "pika", None),
    ("https://hailuoai.video/share/abc", "https://hailuoai.video/share/abc", "hailuo", None),
    ("https://www.hailuoai.com/video", "https://www.hailuoai.com/video", "hailuo", None),
    ("https://www.vidu.com/x", "https://www.vidu.com/x", "vidu", None),
    ("https://www.vidu.studio/x", "https://www.vidu.studio/x", "vidu", None),
    ("https://deepmind.google/models/veo/", "https://deepmind.google/models/veo/", "veo", None),
    ("https://deepmind.google/technologies/veo/veo-2/", "https://deepmind.google/technologies/veo/veo-2/",
     "veo", None),
    ("https://wan.video/explore", "https://wan.video/explore", "wan", None),
    ("https://aivideo.hunyuan.tencent.com/", "https://aivideo.hunyuan.tencent.com/", "hunyuan", None),
    ("https://hunyuan.tencent.com/video", "https://hunyuan.tencent.com/video", "hunyuan", None),
    ("https://ltx.studio/", "https://ltx.studio/", "ltx", None),
    ("https://www.lightricks.com/ltxv", "https://www.lightricks.com/ltxv", "ltx", None),
    ("https://www.genmo.ai/play", "https://www.genmo.ai/play", "genmo", None),
    ("https://haiper.ai/x", "https://haiper.ai/x", "haiper", None),
    ("https://higgsfield.ai/x", "https://higgsfield.ai/x", "higgsfield", None),
    ("https://www.midjourney.com/jobs/abc?index=0", "https://www.midjourney.com/jobs/abc?index=0",
     "midjourney", None),
    ("http://PIKA.ART:443/x?b=2&a=1&utm_medium=s", "https://pika.art/x?a=1&b=2", "pika", None),
    # Generic web
    ("https://Example.COM/Path?b=2&a=1&utm_source=x&fbclid=y#frag", "https://example.com/Path?a=1&b=2", "web", None),
    ("HTTP://www.Example.com:80/", "http://www.example.com/", "web", None),
    ("https://example.com:443", "https://example.com/", "web", None),
    ("https://example.com:80/x", "https://example.com:80/x", "web", None),
    ("https://openai.com/research", "https://openai.com/research", "web", None),
    ("https://deepmind.google/about/", "https://deepmind.google/about/", "web", None),
    ("https://en.wikipedia.org/wiki/Sora_(text-to-video_model)",
     "https://en.wikipedia.org/wiki/Sora_(text-to-video_model)", "web", None),
    ("https://bücher.de/ä", "https://xn--bcher-kva.de/%C3%A4", "web", None),
    ("https://example.com/?gclid=1&msclkid=2&mc_cid=3&mc_eid=4&_hsenc=5&mkt_tok=6&yclid=7&spm=8&from=9&vero_id=0",
     "https://example.com/", "web", None),
    ("https://example.com./x", "https://example.com/x", "web", None),
    ("https://example.com/x?z=1&a=2&z=0", "https://example.com/x?a=2&z=1&z=0", "web", None),
    # Chat decoration
    (f"<https://youtu.be/{YT}>", YT_CANON, "youtube", YT),
    (f"<https://youtu.be/{YT}|my clip>", YT_CANON, "youtube", YT),
    (f"  https://youtu.be/{YT}).  ", YT_CANON, "youtube", YT),
    (f"(https://youtu.be/{YT})", YT_CANON, "youtube", YT),
    (f"https://youtu.be/{YT}!?", YT_CANON, "youtube", YT),
    (f'"https://youtu.be/{YT}"', YT_CANON, "youtube", YT),
    (f"[clip](https://youtu.be/{YT})", YT_CANON, "youtube", YT),
]  # fmt: skip


@pytest.mark.parametrize(("text", "canonical", "platform", "video_id"), PLATFORM_CASES)
def test_platform_forms(text: str, canonical: str, platform: str, video_id: str | None) -> None:
    link = parse_link(text)
    assert isinstance(link, ClipLink)
    assert (link.canonical_url, link.platform, link.video_id) == (canonical, platform, video_id)
    assert canonicalize(text) == canonical
    assert canonicalize(canonical) == canonical
    assert link.host == link.host.lower() and not link.host.startswith("www.")


def test_link_fields() -> None:
    link = parse_link(f"  <https://m.youtube.com/watch?v={YT}&t=1>  ")
    assert link.url == f"https://m.youtube.com/watch?v={YT}&t=1"
    assert link.host == "youtube.com"
    assert parse_link("https://x.com/a/status/1").host == "twitter.com"
    assert parse_link("https://vm.tiktok.com/ZM1/").host == "vm.tiktok.com"
    assert parse_link("https://www.Example.com/").host == "example.com"
    assert parse_link("https://www.Example.com/").canonical_url == "https://www.example.com/"


# (input, a word the message must contain)
REFUSALS = [
    ("", "empty"),
    ("   \t\n ", "empty"),
    ("hello", "link"),
    ("not a url at all", "spaces"),
    (f"check this https://youtu.be/{YT}", "spaces"),
    ("https://example.com/" + "a" * 2048, "too long"),
    ("file:///etc/passwd", "'file:'"),
    ("javascript:alert(1)", "'javascript:'"),
    ("JavaScript:alert(document.cookie)", "'javascript:'"),
    ("data:text/html;base64,PHNjcmlwdD4=", "'data:'"),
    ("ftp://example.com/x", "'ftp:'"),
    ("gopher://example.com/", "'gopher:'"),
    ("mailto:someone@example.com", "'mailto:'"),
    ("http://youtube.com@evil.com/", "@"),
    ("https://user:pass@example.com/", "@"),
    ("http://a.com\\@b.com", "backslash"),
    ("https://example.com\\evil.com", "backslash"),
    ("https://exa\u200bmple.com/", "invisible"),
    ("https://example.com/\u202ecod.exe", "invisible"),
    ("http://127.0.0.1/", "IP address"),
    ("http://2130706433/", "IP address"),
    ("http://0x7f000001/", "IP address"),
    ("http://0177.0.0.1/", "IP address"),
    ("http://127.1/", "IP address"),
    ("http://[::1]/", "IP address"),
    ("http://[2001:db8::1]:443/", "IP address"),
    ("http://8.8.8.8", "IP address"),
    ("http://localhost/", "localhost"),
    ("http://LOCALHOST:80/x", "localhost"),
    ("http://foo.localhost/", "localhost"),
    ("http://intranet/", "domain ending"),
    ("http://printer.local/", ".local"),
    ("http://db.internal/", ".internal"),
    ("http://nas.lan/", ".lan"),
    ("http://router.home.arpa/", ".home.arpa"),
    ("https://xn--zz.com/", "international"),
    ("https://a..com/", "site name"),
    ("https://-bad-.com/", "site name"),
    ("https://example.com:8080/", "port (8080)"),
    ("https://example.com:22/", "port (22)"),
    ("https://example.com:99999/", "malformed"),
    ("https:///example.com", "site name"),
    ("http:example.com", "malformed"),
    ("https://www.youtube.com/feed/subscriptions", "YouTube link, but not to a video"),
    ("https://www.youtube.com/@SomeChannel", "YouTube link, but not to a video"),
    ("https://www.youtube.com/watch?v=short", "malformed"),
    ("https://youtu.be/", "YouTube"),
    ("https://x.com/home", "X (Twitter) link, but not to a post"),
    ("https://twitter.com/OpenAI", "X (Twitter)"),
    ("https://x.com/a/status/notanumber", "malformed"),
    ("https://www.tiktok.com/foryou", "TikTok link, but not to a video"),
    ("https://www.instagram.com/someone/", "Instagram link, but not to a post"),
    ("https://vimeo.com/about", "Vimeo link, but not to a video"),
    ("https://www.reddit.com/r/aivideo/", "Reddit link, but not to a post"),
    ("https://www.bilibili.com/anime/", "Bilibili link, but not to a video"),
    ("https://www.bilibili.com/video/notanid", "malformed"),
    ("https://cdn.discordapp.com/avatars/1/abc.png", "Discord link, but not to a file attachment"),
]


@pytest.mark.parametrize(("text", "needle"), REFUSALS)
def test_refusals(text: str, needle: str) -> None:
    with pytest.raises(LinkError) as info:
        parse_link(text)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert message.endswith(".")
    assert needle.lower() in message.lower(), message
    with pytest.raises(LinkError):
        canonicalize(text)


def test_idna_2008_hosts() -> None:
    """With the idna package (an aiohttp dependency) "ß" is kept, as browsers do, not mapped to "ss"."""
    pytest.importorskip("idna")
    assert canonicalize("https://faß.de/x") == "https://xn--fa-hia.de/x"
    assert canonicalize("https://xn--fa-hia.de/x") == "https://xn--fa-hia.de/x"
    with pytest.raises(LinkError, match="international"):
        parse_link("https://\u2603.com/")  # a snowman: fine in IDNA 2003, not in 2008


def test_canonical_form_survives_trailing_punctuation_trimming() -> None:
    """Dropping a tracker can leave "." last; the canonical form must still be a fixed point."""
    canonical = canonicalize("https://example.com/?a=1.&utm_source=x")
    assert canonical == "https://example.com/?a=1%2E"
    assert canonicalize(canonical) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ftp://example.com/a", "I can only open web links (http or https), not 'ftp:' links."),
        ("", "Please paste a link: that message was empty."),
    ],
)
def test_link_error_says_what_is_wrong_in_one_polite_line(text: str, message: str) -> None:
    with pytest.raises(LinkError) as info:
        parse_link(text)
    assert str(info.value) == message


def test_no_user_text_echoed_into_message() -> None:
    with pytest.raises(LinkError) as info:
        parse_link("evil\u2028scheme:payload")
    assert "\u2028" not in str(info.value)


# (chat message, expected raw links)
FIND_CASES = [
    ("no links here, just words.", []),
    (f"look at this https://youtu.be/{YT}!", [f"https://youtu.be/{YT}"]),
    (f"Slack: <https://youtu.be/{YT}|the clip> cc <@U123ABC> in <#C0123|general> <!everyone>",
     [f"https://youtu.be/{YT}"]),
    ("Discord embed off: <https://x.com/a/status/1> lol", ["https://x.com/a/status/1"]),
    ("markdown [the demo](https://openai.com/sora/) here", ["https://openai.com/sora/"]),
    ("wiki [Sora](https://en.wikipedia.org/wiki/Sora_(text-to-video_model)).",
     ["https://en.wikipedia.org/wiki/Sora_(text-to-video_model)"]),
    (f"(see https://youtu.be/{YT}), and then (https://en.wikipedia.org/wiki/Foo_(bar)).",
     [f"https://youtu.be/{YT}", "https://en.wikipedia.org/wiki/Foo_(bar)"]),
    (f"bare youtu.be/{YT} and www.example.com/page. done", [f"youtu.be/{YT}", "www.example.com/page"]),
    (f"dupes: https://youtu.be/{YT}?si=a https://www.youtube.com/watch?v={YT}&t=3 youtu.be/{YT}",
     [f"https://youtu.be/{YT}?si=a"]),
    ("mail me: mailto:bob@example.com or <mailto:bob@example.com|bob@example.com> or bob@youtube.com/x", []),
    ("two: https://a.example.com/1; https://b.example.com/2: fine?",
     ["https://a.example.com/1", "https://b.example.com/2"]),
    ("quoted 'https://example.com/q' and \"https://example.com/r\"",
     ["https://example.com/q", "https://example.com/r"]),
    ("中文 https://www.bilibili.com/video/BV1GJ411x7h7。很好", ["https://www.bilibili.com/video/BV1GJ411x7h7"]),
    ("HTTPS://EXAMPLE.COM/A and https://example.com/A", ["HTTPS://EXAMPLE.COM/A"]),
    ("not links: notyoutube.com/x box.com/y http:// https://.", []),
    ("reddit https://www.reddit.com/r/aivideo/comments/1abc2d/x/ and x.com/someone/status/99",
     ["https://www.reddit.com/r/aivideo/comments/1abc2d/x/", "x.com/someone/status/99"]),
    ("refused ones are still reported: http://localhost/x", ["http://localhost/x"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), FIND_CASES)
def test_find_links(text: str, expected: list[str]) -> None:
    assert find_links(text) == expected


def test_find_links_caps_at_twenty() -> None:
    text = " ".join(f"https://example.com/{i}" for i in range(50))
    found = find_links(text)
    assert found == [f"https://example.com/{i}" for i in range(20)]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

ALNUM = string.ascii_letters + string.digits
YT_IDS = st.text(ALNUM + "_-", min_size=11, max_size=11).filter(lambda s: s != "videoseries")  # a playlist marker
DIGITS = st.text(string.digits, min_size=1, max_size=19)
CODES = st.text(ALNUM, min_size=1, max_size=12)
TRACKERS = st.sampled_from(["utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid", "si", "igsh",
                            "igshid", "ref", "ref_src", "spm", "from", "share_id", "mc_cid", "yclid"])  # fmt: skip
EXTRA_KEYS = st.text(string.ascii_lowercase, min_size=1, max_size=6).map(lambda k: "x" + k)
VALUES = st.text(ALNUM + "-._~%+", max_size=10)


def random_case(s: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(s), max_size=len(s)).map(
        lambda flips: "".join(c.upper() if f else c for c, f in zip(s, flips, strict=True))
    )


@st.composite
def query_tail(draw: st.DrawFn, first: str = "") -> str:
    """A random mix of tracking and extra parameters, optionally after a required one."""
    params = [f"{first}"] if first else []
    keys = draw(st.lists(st.one_of(TRACKERS, EXTRA_KEYS), max_size=4))
    params += [f"{k}={draw(VALUES)}" for k in keys]
    params = draw(st.permutations(params))
    return ("?" + "&".join(params)) if params else ""


@st.composite
def platform_links(draw: st.DrawFn) -> tuple[str, str, str | None]:
    """(link, platform, expected video id) built from the platform shapes with random parts."""
    kind = draw(st.sampled_from(["yt", "ytshort", "x", "tt", "ttshort", "ig", "vimeo", "reddit", "vreddit",
                                 "bili", "discord", "vendor", "web"]))  # fmt: skip
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", ""]))
    if kind == "yt":
        vid = draw(YT_IDS)
        host = draw(random_case(draw(st.sampled_from(["www.youtube.com", "m.youtube.com", "music.youtube.com"]))))
        return f"{scheme}{host}/watch" + draw(query_tail(f"v={vid}")), "youtube", vid
    if kind == "ytshort":
        vid = draw(YT_IDS)
        path = draw(st.sampled_from(["youtu.be/", "www.youtube.com/shorts/", "youtube.com/embed/",
                                     "www.youtube.com/live/", "www.youtube-nocookie.com/embed/"]))  # fmt: skip
        return (
            scheme + draw(random_case(path.split("/")[0])) + path[path.index("/") :] + vid + draw(query_tail()),
            "youtube",
            vid,
        )
    if kind == "x":
        tid, user = draw(DIGITS), draw(st.text(ALNUM + "_", min_size=1, max_size=15))
        host = draw(random_case(draw(st.sampled_from(["x.com", "twitter.com", "mobile.twitter.com",
                                                      "fxtwitter.com", "vxtwitter.com", "fixupx.com"]))))  # fmt: skip
        tail = draw(st.sampled_from(["", "/", "/video/1", "/photo/1"]))
        return f"{scheme}{host}/{user}/status/{tid}{tail}" + draw(query_tail()), "x", tid
    if kind == "tt":
        vid, user = draw(DIGITS), draw(st.text(ALNUM + "_.", min_size=1, max_size=20))
        host = draw(random_case(draw(st.sampled_from(["www.tiktok.com", "m.tiktok.com", "tiktok.com"]))))
        return f"{scheme}{host}/@{user}/video/{vid}" + draw(query_tail()), "tiktok", vid
    if kind == "ttshort":
        host = draw(st.sampled_from(["vm.tiktok.com/", "vt.tiktok.com/", "www.tiktok.com/t/"]))
        return f"{scheme}{host}{draw(CODES)}/" + draw(query_tail()), "tiktok", None
    if kind == "ig":
        code = draw(st.text(ALNUM + "_-", min_size=1, max_size=12))
        kind_path = draw(st.sampled_from(["reel", "reels", "p", "tv"]))
        return f"{scheme}www.instagram.com/{kind_path}/{code}/" + draw(query_tail()), "instagram", code
    if kind == "vimeo":
        vid = draw(DIGITS)
        form = draw(st.sampled_from([f"vimeo.com/{vid}", f"vimeo.com/{vid}/abcdef1234",
                                     f"player.vimeo.com/video/{vid}", f"vimeo.com/channels/staff/{vid}"]))  # fmt: skip
        return scheme + form + draw(query_tail()), "vimeo", vid
    if kind == "reddit":
        post = draw(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8))
        host = draw(st.sampled_from(["www.reddit.com", "old.reddit.com", "np.reddit.com"]))
        return f"{scheme}{host}/r/{draw(CODES)}/comments/{post}/slug/" + draw(query_tail()), "reddit", post
    if kind == "vreddit":
        vid = draw(CODES)
        return f"{scheme}v.redd.it/{vid}", "reddit", vid
    if kind == "bili":
        vid = "BV" + draw(st.text(ALNUM, min_size=10, max_size=10))
        return f"{scheme}www.bilibili.com/video/{vid}/" + draw(query_tail()), "bilibili", vid
    if kind == "discord":
        ch, att = draw(DIGITS), draw(DIGITS)
        host = draw(st.sampled_from(["cdn.discordapp.com", "media.discordapp.net"]))
        sig = f"ex={draw(CODES)}&is={draw(CODES)}&hm={draw(CODES)}"
        return f"{scheme}{host}/attachments/{ch}/{att}/clip.mp4" + draw(query_tail(sig)), "discord", att
    if kind == "vendor":
        host, platform = draw(st.sampled_from([("sora.chatgpt.com", "sora"), ("app.klingai.com", "kling"),
                                               ("pika.art", "pika"), ("www.genmo.ai", "genmo")]))  # fmt: skip
        path = draw(st.text(ALNUM + "-_/", max_size=20))
        return f"{scheme}{draw(random_case(host))}/{path}" + draw(query_tail()), platform, None
    host = draw(random_case(draw(st.sampled_from(["example.com", "www.example.org", "news.example.co.uk"]))))
    path = draw(st.text(ALNUM + "-_/.%~é()", max_size=20))
    return f"{scheme}{host}/{path}" + draw(query_tail()) + draw(st.sampled_from(["", "#frag"])), "web", None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(platform_links())
def test_canonicalize_is_idempotent_and_preserves_identity(case: tuple[str, str, str | None]) -> None:
    url, platform, video_id = case
    first = parse_link(url)
    again = parse_link(first.canonical_url)
    assert canonicalize(first.canonical_url) == first.canonical_url
    assert first.canonical_url.isascii()  # ids are ASCII patterns, paths and queries quoted, hosts punycode
    assert (first.platform, first.video_id) == (platform, video_id)
    assert (again.platform, again.video_id, again.host) == (first.platform, first.video_id, first.host)
    query = first.canonical_url.partition("?")[2]
    for tracker in ("utm_", "fbclid=", "gclid=", "igsh="):
        assert not any(pair.startswith(tracker) for pair in query.split("&"))


URLISH = st.from_regex(
    r"\A(<|\(|\[x\]\()?((https?|HTTP|javascript|file|ftp)?:?/{0,3})?"
    r"([a-zA-Z0-9@:.\[\]\\%_\-]|\u00e9|\u3002|\uff0e|xn--){0,30}(/[^\s]{0,30})?(\?[a-z=&%+]{0,20})?(#.{0,5})?"
    r"[).,>|]?\Z"
)
JUNK = st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
LONG = st.text(min_size=1500, max_size=3000) | st.builds(lambda n: "https://a.com/" + "x" * n,
                                                          st.integers(2000, 2100))  # fmt: skip
ANY_TEXT = st.one_of(st.text(), URLISH, JUNK, LONG, platform_links().map(lambda c: c[0] + "\x00"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_parse_link_raises_only_link_error(text: str) -> None:
    try:
        link = parse_link(text)
    except LinkError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(link, ClipLink)
        assert canonicalize(link.canonical_url) == link.canonical_url
        assert link.canonical_url.isascii()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(max_size=20), URLISH, platform_links().map(lambda c: c[0])), max_size=6))
def test_find_links_never_raises_and_returns_substrings(pieces: list[str]) -> None:
    text = " ".join(pieces)
    found = find_links(text)
    assert len(found) <= 20
    assert all(item in text for item in found)
    assert len(set(found)) == len(found)


def test_long_runs_of_closers_are_trimmed_in_one_pass() -> None:
    from bot.links import _trim_trailing

    assert _trim_trailing("https://a.com/(x)" + ")" * 100_000) == "https://a.com/(x)"
    assert find_links("see https://a.com/" + ")" * 200_000) == []  # longer than any link: skipped
    assert find_links("see https://a.com/x)).") == ["https://a.com/x"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://www.youtube.com/feed/trending",
         "That is a YouTube link, but not to a video; please paste the link of the video itself."),
        ("https://www.youtube.com/watch?feature=share",  # a watch page without its video
         "That is a YouTube link, but not to a video; please paste the link of the video itself."),
        ("https://player.vimeo.com/video",
         "That is a Vimeo link, but not to a video; please paste the link of the video itself."),
        ("https://player.vimeo.com/api/player.js",  # the embed script, not a video
         "That is a Vimeo link, but not to a video; please paste the link of the video itself."),
        ("https://x.com/openai",
         "That is an X (Twitter) link, but not to a post; please paste the link of the post itself."),
        ("https://www.instagram.com/openai/",
         "That is an Instagram link, but not to a post; please paste the link of the post itself."),
        ("https://www.reddit.com/r/aivideo/",
         "That is a Reddit link, but not to a post; please paste the link of the post itself."),
        ("https://redd.it/", "That is a Reddit link, but not to a post; please paste the link of the post itself."),
        ("https://v.redd.it/", "That is a Reddit link, but not to a video; please paste the link of the video itself."),
        ("https://v.redd.it/a.b", "That Reddit link has a malformed id; please copy the link again."),
        ("https://b23.tv/", "That is a Bilibili link, but not to a video; please paste the link of the video itself."),
        ("https://www.bilibili.com/",
         "That is a Bilibili link, but not to a video; please paste the link of the video itself."),
        ("https://www.bilibili.com/video/xyz", "That Bilibili link has a malformed id; please copy the link again."),
    ],
)
def test_a_platform_link_that_is_not_a_clip_says_so_with_the_right_article(url: str, message: str) -> None:
    with pytest.raises(LinkError) as info:
        parse_link(url)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "url",
    [
        "https://www.reddit.com/u/someone/comments/abc123/title/",
        "https://www.reddit.com/user/someone/comments/abc123/title/",
        "https://www.reddit.com/gallery/abc123",
    ],
)
def test_reddit_user_and_gallery_posts_map_to_the_one_post(url: str) -> None:
    link = parse_link(url)
    assert (link.platform, link.canonical_url) == ("reddit", "https://www.reddit.com/comments/abc123")


# ---------------------------------------------------------------------------------------------
# Shapes and refusals that only a mutation run showed to be unpinned (`make mutation`)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "canonical", "video_id"),
    [
        # the mobile site's "/s/video/<id>" and old numeric "av" ids (any case) are the same video page
        ("https://m.bilibili.com/s/video/BV1GJ411x7h7", "https://www.bilibili.com/video/BV1GJ411x7h7",
         "BV1GJ411x7h7"),
        ("https://www.bilibili.com/video/av170001/", "https://www.bilibili.com/video/av170001", "av170001"),
        ("https://www.bilibili.com/video/AV170001", "https://www.bilibili.com/video/av170001", "av170001"),
        # Instagram's newer "/<user>/reel/<code>/": the code is the post, whoever shared it
        ("https://www.instagram.com/someone/reel/C1a2B3c4/", "https://www.instagram.com/reel/C1a2B3c4/", "C1a2B3c4"),
        # Discord: an ephemeral attachment is a file too; a link without its signature gets no bare "?"
        ("https://cdn.discordapp.com/ephemeral-attachments/111/222/clip.mp4",
         "https://cdn.discordapp.com/ephemeral-attachments/111/222/clip.mp4", "222"),
        ("https://cdn.discordapp.com/attachments/111/222/clip.mp4?ex=65a",
         "https://cdn.discordapp.com/attachments/111/222/clip.mp4?ex=65a", "222"),
        # the file name is kept as sent: escapes and sub-reserved characters are not re-encoded
        ("https://cdn.discordapp.com/attachments/111/222/my%20clip(1)'s.mp4",
         "https://cdn.discordapp.com/attachments/111/222/my%20clip(1)'s.mp4", "222"),
        ("https://cdn.discordapp.com/attachments/111/222/take/2.mp4",
         "https://cdn.discordapp.com/attachments/111/222/take/2.mp4", "222"),
        # TikTok's embed player page is the video too
        ("https://www.tiktok.com/embed/v2/7212345678901234567", "https://www.tiktok.com/embed/v2/7212345678901234567",
         "7212345678901234567"),
        ("https://www.tiktok.com/Embed/V2/7212345678901234567?lang=en",
         "https://www.tiktok.com/embed/v2/7212345678901234567", "7212345678901234567"),
        # an international host typed with capitals or full-width letters is the same site (UTS 46, as browsers do)
        ("https://BÜCHER.de/x", "https://xn--bcher-kva.de/x", None),
        ("https://ｂücher.de/x", "https://xn--bcher-kva.de/x", None),
        # YouTube's older player paths and the path form of watch
        (f"https://www.youtube.com/v/{YT}", YT_CANON, YT),
        (f"https://www.youtube.com/e/{YT}", YT_CANON, YT),
        (f"https://www.youtube.com/watch/{YT}", YT_CANON, YT),
        # Vimeo's unlisted hash given as "?h=" on the video page is the same unlisted video
        ("https://vimeo.com/123456789?h=abcdef1234", "https://vimeo.com/123456789/abcdef1234", "123456789"),
        # a tracker whose value is base64 with its "=" padding (Instagram's share id) is still a tracker
        ("https://sora.chatgpt.com/g/gen_01abc?igshid=MzRlODBiNWFlZA==", "https://sora.chatgpt.com/g/gen_01abc", None),
        ("https://example.com/clip?id=7&igshid=MzRlODBiNWFlZA==", "https://example.com/clip?id=7", None),
    ],
)
def test_less_common_shapes_of_a_clip_link(text: str, canonical: str, video_id: str | None) -> None:
    link = parse_link(text)
    assert (link.canonical_url, link.video_id) == (canonical, video_id)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://b23.tv/a.b", "That Bilibili link has a malformed id; please copy the link again."),
        ("https://www.instagram.com/reel/a.b/", "That Instagram link has a malformed id; please copy the link again."),
        ("https://vm.tiktok.com/",
         "That is a TikTok link, but not to a video; please paste the link of the video itself."),
        ("https://www.tiktok.com/foryou",
         "That is a TikTok link, but not to a video; please paste the link of the video itself."),
        ("https://www.tiktok.com/explore/trending/today",
         "That is a TikTok link, but not to a video; please paste the link of the video itself."),
        ("https://vm.tiktok.com/a.b/", "That TikTok link has a malformed id; please copy the link again."),
        ("https://www.tiktok.com/@someone/video/abc",
         "That TikTok link has a malformed id; please copy the link again."),
        ("https://www.tiktok.com/embed/v2/abc", "That TikTok link has a malformed id; please copy the link again."),
        ("https://www.reddit.com/r/a.b/s/abc123", "That Reddit link has a malformed id; please copy the link again."),
        ("https://x.com/a/status/notanumber", "That X (Twitter) link has a malformed id; please copy the link again."),
        ("https://www.youtube.com/embed/videoseries?list=PL1",
         "That is a YouTube link, but not to a video; please paste the link of the video itself."),
        ("https://www.youtube.com/watch?v=a.b.c.d.e.f",
         "That YouTube link has a malformed id; please copy the link again."),
        ("https://www.reddit.com/comments/a.b/x", "That Reddit link has a malformed id; please copy the link again."),
        ("https://user@example.com/",
         "That link has a user name or '@' before the site name, a common trick to disguise where it goes; "
         "please paste the plain link."),
        ("http://[::1]/",
         "That link points to a numeric IP address rather than a site name; clip links always use a name."),
        ("https://:80/", "That link has no site name."),
        # one bracket alone: urllib refuses the authority before the IP-address check sees it
        ("https://[example.com/x", "That link is malformed, so I can't tell where it points."),
        ("https://example.com]/x", "That link is malformed, so I can't tell where it points."),
        ("https://example.com:99999/", "That link is malformed, so I can't tell where it points."),
        ("https://cdn.discordapp.com/attachments/111/222",
         "That is a Discord link, but not to a file attachment; please paste the link of the file attachment itself."),
        ("https://cdn.discordapp.com/avatars/111/222/face.png",
         "That is a Discord link, but not to a file attachment; please paste the link of the file attachment itself."),
        ("https://cdn.discordapp.com/attachments/111/abc/clip.mp4",
         "That is a Discord link, but not to a file attachment; please paste the link of the file attachment itself."),
        ("https://cdn.discordapp.com/attachments/abc/222/clip.mp4",
         "That is a Discord link, but not to a file attachment; please paste the link of the file attachment itself."),
    ],
)
def test_each_platform_refusal_word_for_word(url: str, message: str) -> None:
    with pytest.raises(LinkError) as info:
        parse_link(url)
    assert str(info.value) == message


def test_without_the_idna_package_hosts_are_still_checked_with_the_standard_codec(monkeypatch) -> None:
    """The idna package comes with aiohttp; where it is missing, IDNA 2003 from the standard library stands in."""
    import bot.links.hosts

    monkeypatch.setattr(bot.links.hosts, "_idna", None)
    assert canonicalize("https://Bücher.de/ä") == "https://xn--bcher-kva.de/%C3%A4"
    assert canonicalize("https://xn--bcher-kva.de/x") == "https://xn--bcher-kva.de/x"
    with pytest.raises(LinkError, match="not a valid international domain name"):
        parse_link("https://xn--zz.com/")
    with pytest.raises(LinkError, match="not a valid international domain name"):
        parse_link("https://xn--fa-hia.de/")  # "faß": IDNA 2003 maps it to "fass", so it does not round-trip


def test_a_lone_www_in_a_sentence_is_not_a_link() -> None:
    """Found before this test: "www." lost its dot to trimming and came back as a link "www" to refuse."""
    assert find_links("type the address without the www. part") == []
    assert find_links("WWW., then https://youtu.be/dQw4w9WgXcQ") == ["https://youtu.be/dQw4w9WgXcQ"]


def test_find_links_looks_past_what_it_skips() -> None:
    """A mention, a refused or repeated link and an over-long run do not hide the links after them."""
    clip = f"https://youtu.be/{YT}"
    assert find_links(f"<@123> look {clip}") == [clip]
    assert find_links(f"{clip} {clip} https://vimeo.com/76979871") == [clip, "https://vimeo.com/76979871"]
    assert find_links("https://a.com/" + "x" * 5000 + f" and {clip}") == [clip]
    # each refused link is its own item, so each gets its own explanation
    assert find_links("http://localhost/a http://localhost/b") == ["http://localhost/a", "http://localhost/b"]


def test_find_links_reports_a_too_long_link_up_to_twice_the_limit() -> None:
    """Up to 4,096 characters the link is returned (parse_link then says it is too long); longer is skipped."""
    base = "https://a.com/"
    at_limit = base + "x" * (4096 - len(base))
    assert find_links(f"see {at_limit}") == [at_limit]
    assert find_links(f"see {at_limit}x") == []
    with pytest.raises(LinkError, match="too long"):
        parse_link(at_limit)


HOST_253 = ".".join(["a" * 61] * 3 + ["a" * 63]) + ".com"  # the longest name DNS allows


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://./", "That link has no site name."),
        ("https://\u2603.com/", "That link's site name is not a valid international domain name."),
        ("https://xn--zz.com/", "That link's site name is not a valid international domain name."),
        ("http://127.1/",
         "That link points to a numeric IP address rather than a site name; clip links always use a name."),
        ("http://foo.localhost/", "That link points to this computer (localhost), not to a public site."),
        ("http://intranet/", "That link's site name has no domain ending (like .com), so it isn't a public site."),
        ("https://a..com/", "That link's site name is not valid."),
        (f"https://a{HOST_253}/", "That link's site name is not valid."),
        ("https://example.c0m/", "That link's site name does not end in a real domain ending."),
        ("ab.X/x", "That link's site name does not end in a real domain ending."),
        ("https://exa mple.com",
         "That doesn't look like a single link (it contains spaces); please paste just the link."),
        ("https://exa\u200bmple.com/",
         "That link contains invisible or control characters, so I can't tell where it really points."),
        ("https://example.com\\evil", "That link contains a backslash, which browsers and servers read differently, "
                                      "so I can't trust where it points."),
        ("<>", "That doesn't look like a link."),
        ("a" * 20 + "://x.com/", f"I can only open web links (http or https), not '{'a' * 20}:' links."),
        ("a" * 21 + "://x.com/", "I can only open web links (http or https), not that kind of link."),
        ("http:example.com", "That link is malformed: it should start with https:// and a site name."),
        ("-bad.com/x", "That doesn't look like a web link."),
        ("localhost/a.b", "That doesn't look like a web link."),
        ("example./x", "That doesn't look like a web link."),
        ("example.com:8/x", "That link uses an unusual port (8); I only open links on the standard web ports."),
        ("https://vimeo.com/abc/def",
         "That is a Vimeo link, but not to a video; please paste the link of the video itself."),
        ("https://vimeo.com/channels/staff/abc", "That Vimeo link has a malformed id; please copy the link again."),
        (123, "Please paste a link as text."),
    ],
)
def test_every_refusal_reads_exactly_as_written(text: object, message: str) -> None:
    """The refusal is the whole reply a member gets, so its wording (and capitals) is pinned, not just a keyword."""
    with pytest.raises(LinkError) as info:
        parse_link(text)  # type: ignore[arg-type]
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "canonical", "url"),
    [
        ("//example.com/x", "https://example.com/x", "//example.com/x"),
        ("https://bücher.de\u3002/x", "https://xn--bcher-kva.de/x", "https://bücher.de\u3002/x"),
        (f"https://{HOST_253}/", f"https://{HOST_253}/", f"https://{HOST_253}/"),
        ("https://vimeo.com/album/1/video/123", "https://vimeo.com/123", "https://vimeo.com/album/1/video/123"),
        ("https://vimeo.com/showcase/1/video/123", "https://vimeo.com/123", "https://vimeo.com/showcase/1/video/123"),
        ("https://vimeo.com/groups/x/videos/123", "https://vimeo.com/123", "https://vimeo.com/groups/x/videos/123"),
        ("https://vimeo.com/video/123", "https://vimeo.com/123", "https://vimeo.com/video/123"),
        ("https://pika.art:80/x", "https://pika.art/x", "https://pika.art:80/x"),  # a vendor page: port dropped
        ("https://example.com:80/x", "https://example.com:80/x", "https://example.com:80/x"),
        (f"<https://youtu.be/{YT}", YT_CANON, f"https://youtu.be/{YT}"),
        (f"<https://youtu.be/{YT}|my|clip>", YT_CANON, f"https://youtu.be/{YT}"),
        ("https://example.com/" + "a" * 2028, "https://example.com/" + "a" * 2028, "https://example.com/" + "a" * 2028),
    ],
)
def test_what_the_member_gave_and_its_canonical_form(text: str, canonical: str, url: str) -> None:
    """`url` is what the member pasted, cleaned of wrappers; `canonical_url` is what every verdict is stored under."""
    link = parse_link(text)
    assert (link.canonical_url, link.url) == (canonical, url)
