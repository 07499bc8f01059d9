"""Parse and canonicalise the clip links users paste into chat.

Two users sharing the same clip rarely paste the same text: one copies a ``youtu.be`` share link
with a ``?si=`` tracker, another the ``/shorts/`` page, a third the ``music.`` mirror. The core keys
its verdicts by ``canonical_url`` so all of them land on one record, and it must refuse anything
that could make the bot fetch something it should not (local addresses, odd ports, disguised
hosts). Everything here is pure string work: no network access, so short links that can only be
resolved by fetching them are kept as they are.

One parser (``urllib.parse.urlsplit``) is used, once per link, so the host we check is the host we
canonicalise; inputs that parsers are known to read differently (backslashes, ``@`` in the
authority, control characters) are refused rather than guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlsplit

__all__ = ["ClipLink", "LinkError", "canonicalize", "find_links", "parse_link"]

MAX_URL_LENGTH = 2048
MAX_FOUND_LINKS = 20


class LinkError(ValueError):
    """A link the bot will not use; the message is a polite one-line explanation for the user."""


@dataclass(frozen=True)
class ClipLink:
    """A parsed link: what the user gave, its canonical form and what it points at."""

    url: str  # what the user gave (stripped of whitespace, wrappers and trailing punctuation)
    canonical_url: str
    platform: str  # "youtube", "x", "tiktok", ..., a vendor key, or "web"
    video_id: str | None
    host: str  # canonical host, lowercase, no "www."


# --------------------------------------------------------------------------------------------
# Cleaning the raw text
# --------------------------------------------------------------------------------------------

# Punctuation that usually ends a sentence rather than a URL ("see https://x.com/a/status/1.").
_TRAILING = ".,;:!?)]}>'\"。，、；：！？）】」』》…"
# A closer is kept when its opener occurs in the URL as often (Wikipedia's "Foo_(bar)").
_PAIRS = {")": "(", "]": "[", "}": "{", "）": "（"}
_LEADING = "<([{\"'（「『【《"

_MARKDOWN_RE = re.compile(r"\[[^\[\]]*\]\(([^\s]+)\)")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# Unicode categories that have no business in a link: control, format (zero-width, bidi
# overrides), surrogates, private use and separators. They are how links get disguised.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp", "Zs"})


def _trim_trailing(s: str) -> str:
    """Drop sentence punctuation glued to the end of a link, keeping balanced closers.

    Linear time: characters are counted once and the counts updated as the end moves, so a
    message ending in thousands of ')' costs no more than reading it.
    """
    counts: dict[str, int] = {}

    def count(ch: str) -> int:
        if ch not in counts:
            counts[ch] = s.count(ch)
        return counts[ch]

    end = len(s)
    while end and s[end - 1] in _TRAILING:
        ch = s[end - 1]
        opener = _PAIRS.get(ch)
        if opener is not None and count(opener) >= count(ch):
            break
        if ch in counts:
            counts[ch] -= 1
        end -= 1
    return s[:end]


def _unwrap(text: str) -> str:
    """Strip chat decoration (``<...>``, ``<url|label>``, ``[label](url)``, punctuation)."""
    s = text.strip()
    if not s:
        raise LinkError("Please paste a link: that message was empty.")
    if len(s) > MAX_URL_LENGTH:
        raise LinkError(f"That link is too long (over {MAX_URL_LENGTH} characters); please paste a shorter one.")
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1].split("|", 1)[0].strip()
    else:
        md = _MARKDOWN_RE.fullmatch(s)
        if md:
            s = md.group(1)
    s = _trim_trailing(s.lstrip(_LEADING))
    if not s:
        raise LinkError("That doesn't look like a link.")
    return s


def _check_characters(s: str) -> None:
    """Refuse characters that make one string mean different places to different parsers."""
    for ch in s:
        if ch.isspace():
            raise LinkError("That doesn't look like a single link (it contains spaces); please paste just the link.")
        if unicodedata.category(ch) in _BAD_CATEGORIES:
            raise LinkError(
                "That link contains invisible or control characters, so I can't tell where it really points."
            )
    if "\\" in s:
        raise LinkError(
            "That link contains a backslash, which browsers and servers read differently, "
            "so I can't trust where it points."
        )


def _with_scheme(s: str) -> str:
    """Return ``s`` with an http(s) scheme, assuming https for bare ``youtu.be/...`` style input."""
    if s.startswith("//"):
        return "https:" + s
    m = _SCHEME_RE.match(s)
    rest = s[m.end() :] if m else ""
    if m and (rest.startswith("//") or not rest[:1].isdigit()):
        scheme = m.group(1).lower()
        if scheme not in ("http", "https"):
            shown = f"'{scheme}:' links" if len(scheme) <= 20 else "that kind of link"
            raise LinkError(f"I can only open web links (http or https), not {shown}.")
        if not rest.startswith("//"):
            raise LinkError("That link is malformed: it should start with https:// and a site name.")
        return s
    # No scheme: "youtu.be/abc", "www.example.com/x" or "example.com:443/x".
    first = re.split(r"[/?#]", s, maxsplit=1)[0]
    if not s[:1].isalnum() or "." not in first.rstrip("."):
        raise LinkError("That doesn't look like a web link.")
    return "https://" + s


# --------------------------------------------------------------------------------------------
# Hosts
# --------------------------------------------------------------------------------------------

_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_TLD_RE = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
# WHATWG URL parsing treats a host whose last label is a number (decimal, octal, hex) as IPv4,
# so "2130706433", "0x7f000001", "0177.0.0.1" and "127.1" all mean 127.0.0.1 in a browser.
_NUMERIC_LABEL_RE = re.compile(r"0x[0-9a-f]*|[0-9]+")
_PRIVATE_SUFFIXES = (
    "local", "internal", "localhost", "lan", "home.arpa", "localdomain", "intranet", "corp",
    "test", "invalid", "example", "arpa",
)  # fmt: skip


try:  # IDNA 2008 + UTS 46 as browsers do it; installed with aiohttp (via yarl).
    import idna as _idna
except ImportError:  # pragma: no cover - the stdlib codec (IDNA 2003) is close enough as a fallback
    _idna = None


def _to_ascii(host: str) -> str:
    """Unicode host to punycode; raises UnicodeError/ValueError when it is not valid IDNA."""
    if _idna is not None:
        return _idna.encode(host, uts46=True).decode("ascii")
    return host.encode("idna").decode("ascii")


def _valid_a_label(label: str) -> bool:
    """True when an ``xn--`` label decodes and re-encodes to itself (so it is real punycode)."""
    try:
        if _idna is not None:
            return _idna.encode(_idna.decode(label)).decode("ascii") == label
        return label.encode("ascii").decode("idna").encode("idna").decode("ascii").lower() == label
    except (UnicodeError, ValueError, IndexError):
        return False


def _normalise_host(hostname: str) -> str:
    """Return the lowercase ASCII (punycode) host, refusing anything that is not a public name."""
    h = hostname[:-1] if hostname.endswith(".") else hostname
    if not h:
        raise LinkError("That link has no site name.")
    if h.isascii():
        ascii_h = h.lower()
    else:
        try:
            ascii_h = _to_ascii(h).lower()
        except (UnicodeError, ValueError, IndexError):
            raise LinkError("That link's site name is not a valid international domain name.") from None
        if ascii_h.endswith("."):
            ascii_h = ascii_h[:-1]
    labels = ascii_h.split(".")
    if _NUMERIC_LABEL_RE.fullmatch(labels[-1]):
        raise LinkError(
            "That link points to a numeric IP address rather than a site name; clip links always use a name."
        )
    if ascii_h == "localhost" or ascii_h.endswith(".localhost"):
        raise LinkError("That link points to this computer (localhost), not to a public site.")
    if len(labels) == 1:
        raise LinkError("That link's site name has no domain ending (like .com), so it isn't a public site.")
    if len(ascii_h) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise LinkError("That link's site name is not valid.")
    if not _TLD_RE.fullmatch(labels[-1]):
        raise LinkError("That link's site name does not end in a real domain ending.")
    for suffix in _PRIVATE_SUFFIXES:
        if ascii_h == suffix or ascii_h.endswith("." + suffix):
            raise LinkError(f"That link points to a private network name (.{suffix}), not to a public site.")
    if any(label.startswith("xn--") and not _valid_a_label(label) for label in labels):
        raise LinkError("That link's site name is not a valid international domain name.")
    return ascii_h


def _host_is(host: str, *domains: str) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


# --------------------------------------------------------------------------------------------
# Paths and queries
# --------------------------------------------------------------------------------------------

_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/%:@!$'()*+,;=-._~?"

# Parameters that identify the sharer or the campaign, never the content.
_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "igsh",
        "si", "ref", "ref_src", "ref_url", "share_id", "_hsenc", "_hsmkt", "mkt_tok", "yclid", "spm",
        "from", "vero_id", "vero_conv", "twclid", "ttclid", "li_fat_id", "_ga", "_gl", "oly_anon_id",
        "oly_enc_id", "rb_clickid", "s_cid", "sc_cid", "wickedid", "epik", "trk", "srsltid",
        "spm_id_from", "vd_source", "share_source", "share_medium", "share_plat", "share_session_id",
        "is_from_webapp", "sender_device",
    }
)  # fmt: skip


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in _TRACKING or k.startswith("utm_")


@dataclass(frozen=True)
class _Parts:
    """The pieces of one validated link that platform rules look at."""

    scheme: str
    host: str  # ASCII, lowercase, may start with "www."
    port: int | None
    path: str
    pairs: tuple[tuple[str, str, str], ...]  # (decoded key, decoded value, raw "k=v" segment)

    @property
    def bare(self) -> str:
        return self.host[4:] if self.host.startswith("www.") else self.host

    @property
    def segs(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    def param(self, key: str) -> str | None:
        return next((v for k, v, _ in self.pairs if k == key), None)

    def raw_param(self, key: str) -> str | None:
        return next((quote(raw, safe=_QUERY_SAFE + "=") for k, _, raw in self.pairs if k == key), None)

    def clean_query(self) -> str:
        """Query without tracking parameters, sorted by key (stable, so repeated keys keep order)."""
        kept = [(k, quote(raw, safe=_QUERY_SAFE + "=")) for k, _, raw in self.pairs if not _is_tracking(k)]
        kept.sort(key=lambda kv: kv[0])
        return "&".join(raw for _, raw in kept)

    def clean_path(self) -> str:
        return quote(self.path, safe=_PATH_SAFE) or "/"


def _split(url: str) -> _Parts:
    """Parse once with urllib and validate the authority."""
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        raise LinkError("That link is malformed, so I can't tell where it points.") from None
    netloc = parts.netloc
    if "@" in netloc:
        raise LinkError(
            "That link has a user name or '@' before the site name, a common trick to disguise where it "
            "goes; please paste the plain link."
        )
    if "[" in netloc or "]" in netloc:
        raise LinkError(
            "That link points to a numeric IP address rather than a site name; clip links always use a name."
        )
    if not hostname:
        raise LinkError("That link has no site name.")
    host = _normalise_host(hostname)
    if port is not None and port not in (80, 443):
        raise LinkError(f"That link uses an unusual port ({port}); I only open links on the standard web ports.")
    pairs = []
    for seg in parts.query.split("&"):
        if seg:
            k, _, v = seg.partition("=")
            pairs.append((unquote_plus(k), unquote_plus(v), seg))
    return _Parts(parts.scheme.lower(), host, port, parts.path, tuple(pairs))


# --------------------------------------------------------------------------------------------
# Platforms
# --------------------------------------------------------------------------------------------

# (canonical_url, video_id)
_Result = tuple[str, str | None]


def _not_a_video(name: str, what: str = "video") -> LinkError:
    article = "an" if name[0] in "AEIOX" else "a"
    return LinkError(f"That is {article} {name} link, but not to a {what}; please paste the link of the {what} itself.")


def _malformed(name: str) -> LinkError:
    return LinkError(f"That {name} link has a malformed id; please copy the link again.")


_YT_ID_RE = re.compile(r"[A-Za-z0-9_-]{11}")


def _youtube(p: _Parts) -> _Result:
    segs = p.segs
    vid: str | None = None
    if p.bare == "youtu.be":
        vid = segs[0] if segs else None
    elif len(segs) >= 2 and segs[0].lower() in ("shorts", "embed", "live", "v", "e"):
        vid = segs[1]
    elif segs and segs[0].lower() == "watch":
        vid = p.param("v") or (segs[1] if len(segs) >= 2 else None)
    if not vid or vid == "videoseries":
        raise _not_a_video("YouTube")
    if not _YT_ID_RE.fullmatch(vid):
        raise _malformed("YouTube")
    return f"https://www.youtube.com/watch?v={vid}", vid


_X_USER_RE = re.compile(r"[A-Za-z0-9_]{1,50}")
_DIGITS_RE = re.compile(r"[0-9]{1,25}")


def _x(p: _Parts) -> _Result:
    segs = p.segs
    low = [s.lower() for s in segs]
    user = tweet = None
    if len(segs) >= 4 and low[:3] == ["i", "web", "status"]:
        user, tweet = "i", segs[3]
    elif len(segs) >= 3 and low[1] in ("status", "statuses"):
        user, tweet = segs[0], segs[2]
    if user is None or tweet is None:
        raise _not_a_video("X (Twitter)", "post")
    if not _X_USER_RE.fullmatch(user) or not _DIGITS_RE.fullmatch(tweet):
        raise _malformed("X (Twitter)")
    return f"https://twitter.com/{user}/status/{tweet}", tweet


_TT_USER_RE = re.compile(r"@[A-Za-z0-9_.]{1,64}")
_CODE_RE = re.compile(r"[A-Za-z0-9]{1,64}")


def _tiktok(p: _Parts) -> _Result:
    segs = p.segs
    if p.bare in ("vm.tiktok.com", "vt.tiktok.com") or (len(segs) >= 2 and segs[0].lower() == "t"):
        code = segs[0] if p.bare in ("vm.tiktok.com", "vt.tiktok.com") and segs else None
        if code is None and len(segs) >= 2 and segs[0].lower() == "t":
            code = segs[1]
        if not code:
            raise _not_a_video("TikTok")
        if not _CODE_RE.fullmatch(code):
            raise _malformed("TikTok")
        return f"https://vm.tiktok.com/{code}/", None
    if len(segs) >= 3 and segs[0].startswith("@") and segs[1].lower() == "video":
        if not _TT_USER_RE.fullmatch(segs[0]) or not _DIGITS_RE.fullmatch(segs[2]):
            raise _malformed("TikTok")
        return f"https://www.tiktok.com/{segs[0]}/video/{segs[2]}", segs[2]
    if len(segs) >= 3 and [s.lower() for s in segs[:2]] == ["embed", "v2"]:
        if not _DIGITS_RE.fullmatch(segs[2]):
            raise _malformed("TikTok")
        return f"https://www.tiktok.com/embed/v2/{segs[2]}", segs[2]
    raise _not_a_video("TikTok")


_IG_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_IG_KINDS = {"reel": "reel", "reels": "reel", "tv": "reel", "p": "p"}


def _instagram(p: _Parts) -> _Result:
    segs = p.segs
    for i in (0, 1):  # "/reel/<code>/" or the newer "/<user>/reel/<code>/"
        if len(segs) >= i + 2 and segs[i].lower() in _IG_KINDS:
            kind, code = _IG_KINDS[segs[i].lower()], segs[i + 1]
            if not _IG_CODE_RE.fullmatch(code):
                raise _malformed("Instagram")
            return f"https://www.instagram.com/{kind}/{code}/", code
    raise _not_a_video("Instagram", "post")


_VIMEO_HASH_RE = re.compile(r"[0-9a-fA-F]{6,40}")
_VIMEO_LISTS = {("groups", "videos"), ("album", "video"), ("showcase", "video")}


def _vimeo(p: _Parts) -> _Result:
    segs = p.segs
    low = [s.lower() for s in segs]
    vid = vhash = None
    if p.bare == "player.vimeo.com":
        if len(segs) >= 2 and low[0] == "video":
            vid, vhash = segs[1], p.param("h")
    elif segs and segs[0].isdigit():
        vid = segs[0]
        vhash = segs[1] if len(segs) >= 2 else p.param("h")
    elif len(segs) >= 3 and low[0] == "channels":
        vid = segs[2]
    elif len(segs) >= 4 and (low[0], low[2]) in _VIMEO_LISTS:
        vid = segs[3]
    elif len(segs) >= 2 and low[0] == "video":
        vid = segs[1]
    if vid is None:
        raise _not_a_video("Vimeo")
    if not _DIGITS_RE.fullmatch(vid):
        raise _malformed("Vimeo")
    if vhash and _VIMEO_HASH_RE.fullmatch(vhash):
        return f"https://vimeo.com/{vid}/{vhash}", vid
    return f"https://vimeo.com/{vid}", vid


_REDDIT_ID_RE = re.compile(r"[A-Za-z0-9]{1,12}")
_SUB_RE = re.compile(r"[A-Za-z0-9_]{1,50}")


def _reddit(p: _Parts) -> _Result:
    segs = p.segs
    low = [s.lower() for s in segs]
    if p.bare == "v.redd.it":
        if not segs:
            raise _not_a_video("Reddit")
        if not _CODE_RE.fullmatch(segs[0]):
            raise _malformed("Reddit")
        return f"https://v.redd.it/{segs[0]}", segs[0]
    post: str | None = None
    if p.bare == "redd.it":
        post = segs[0] if segs else None
    elif len(segs) >= 4 and low[0] in ("r", "u", "user") and low[2] == "comments":
        post = segs[3]
    elif len(segs) >= 2 and low[0] in ("comments", "gallery"):
        post = segs[1]
    elif len(segs) >= 4 and low[0] == "r" and low[2] == "s":
        if not _SUB_RE.fullmatch(segs[1]) or not _CODE_RE.fullmatch(segs[3]):
            raise _malformed("Reddit")
        return f"https://www.reddit.com/r/{segs[1]}/s/{segs[3]}", None
    if post is None:
        raise _not_a_video("Reddit", "post")
    if not _REDDIT_ID_RE.fullmatch(post):
        raise _malformed("Reddit")
    post = post.lower()
    return f"https://www.reddit.com/comments/{post}", post


_BV_RE = re.compile(r"(?i:bv)([A-Za-z0-9]{10})")
_AV_RE = re.compile(r"(?i:av)([0-9]{1,20})")


def _bilibili(p: _Parts) -> _Result:
    segs = p.segs
    if p.bare == "b23.tv":
        if not segs:
            raise _not_a_video("Bilibili")
        if not _CODE_RE.fullmatch(segs[0]):
            raise _malformed("Bilibili")
        return f"https://b23.tv/{segs[0]}", None
    for i in (0, 1):  # "/video/BV..." or the mobile "/s/video/BV..."
        if len(segs) >= i + 2 and segs[i].lower() == "video":
            raw = segs[i + 1]
            if m := _BV_RE.fullmatch(raw):
                vid = "BV" + m.group(1)
            elif m := _AV_RE.fullmatch(raw):
                vid = "av" + m.group(1)
            else:
                raise _malformed("Bilibili")
            return f"https://www.bilibili.com/video/{vid}", vid
    raise _not_a_video("Bilibili")


_DISCORD_SIGNATURE = ("ex", "is", "hm")  # expiry, issued, HMAC: the CDN refuses the file without them


def _discord(p: _Parts) -> _Result:
    segs = p.segs
    if (
        len(segs) < 4
        or segs[0].lower() not in ("attachments", "ephemeral-attachments")
        or not _DIGITS_RE.fullmatch(segs[1])
        or not _DIGITS_RE.fullmatch(segs[2])
    ):
        raise _not_a_video("Discord", "file attachment")
    name = quote("/".join(segs[3:]), safe=_PATH_SAFE)
    query = "&".join(r for k in _DISCORD_SIGNATURE if (r := p.raw_param(k)) is not None)
    url = f"https://cdn.discordapp.com/{segs[0].lower()}/{segs[1]}/{segs[2]}/{name}"
    return (url + "?" + query if query else url), segs[2]


# (platform, predicate on the bare host, handler)
_PLATFORMS: tuple[tuple[str, Callable[[str], bool], Callable[[_Parts], _Result]], ...] = (
    ("youtube", lambda h: h == "youtu.be" or _host_is(h, "youtube.com", "youtube-nocookie.com"), _youtube),
    (
        "x",
        lambda h: _host_is(h, "x.com", "twitter.com", "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com"),
        _x,
    ),
    ("tiktok", lambda h: _host_is(h, "tiktok.com"), _tiktok),
    ("instagram", lambda h: _host_is(h, "instagram.com", "instagr.am", "ddinstagram.com"), _instagram),
    ("vimeo", lambda h: _host_is(h, "vimeo.com"), _vimeo),
    ("reddit", lambda h: _host_is(h, "reddit.com") or h in ("redd.it", "v.redd.it"), _reddit),
    ("bilibili", lambda h: _host_is(h, "bilibili.com") or h == "b23.tv", _bilibili),
    ("discord", lambda h: h in ("cdn.discordapp.com", "media.discordapp.net"), _discord),
)

# Model vendors' own sites: (platform key, domain, path prefix or "" for the whole site).
_VENDORS: tuple[tuple[str, str, str], ...] = (
    ("sora", "sora.com", ""),
    ("sora", "sora.chatgpt.com", ""),
    ("sora", "openai.com", "/sora"),
    ("sora", "openai.com", "/index/sora"),
    ("kling", "klingai.com", ""),
    ("kling", "kling.kuaishou.com", ""),
    ("runway", "runwayml.com", ""),
    ("luma", "lumalabs.ai", ""),
    ("pika", "pika.art", ""),
    ("hailuo", "hailuoai.video", ""),
    ("hailuo", "hailuoai.com", ""),
    ("vidu", "vidu.com", ""),
    ("vidu", "vidu.studio", ""),
    ("veo", "deepmind.google", "/models/veo"),
    ("veo", "deepmind.google", "/technologies/veo"),
    ("wan", "wan.video", ""),
    ("hunyuan", "hunyuan.tencent.com", ""),
    ("ltx", "ltx.studio", ""),
    ("ltx", "lightricks.com", "/ltxv"),
    ("genmo", "genmo.ai", ""),
    ("haiper", "haiper.ai", ""),
    ("higgsfield", "higgsfield.ai", ""),
    ("midjourney", "midjourney.com", ""),
    ("pixverse", "pixverse.ai", ""),
    ("krea", "krea.ai", ""),
    ("dreamina", "dreamina.capcut.com", ""),
    ("jimeng", "jimeng.jianying.com", ""),
    ("moonvalley", "moonvalley.com", ""),
    ("hedra", "hedra.com", ""),
    ("kaiber", "kaiber.ai", ""),
    ("leonardo", "leonardo.ai", ""),
    ("viggle", "viggle.ai", ""),
    ("synthesia", "synthesia.io", ""),
    ("heygen", "heygen.com", ""),
    ("firefly", "firefly.adobe.com", ""),
)
VENDOR_PLATFORMS = frozenset(key for key, _, _ in _VENDORS)  # platform keys of model vendors' own sites

_PLATFORM_DOMAINS = (
    "youtu.be", "youtube.com", "youtube-nocookie.com", "x.com", "twitter.com", "fxtwitter.com",
    "vxtwitter.com", "fixupx.com", "fixvx.com", "tiktok.com", "instagram.com", "instagr.am", "vimeo.com",
    "reddit.com", "redd.it", "bilibili.com", "b23.tv", "cdn.discordapp.com", "media.discordapp.net",
)  # fmt: skip


def _vendor(p: _Parts) -> str | None:
    path = p.path.lower()
    for key, domain, prefix in _VENDORS:
        if _host_is(p.bare, domain) and path.startswith(prefix):
            return key
    return None


def _generic(p: _Parts, scheme: str, keep_port: bool) -> str:
    """Lowercased scheme and host, non-default port, path as given, tracking-free sorted query."""
    default = {"http": 80, "https": 443}[scheme]
    port = f":{p.port}" if keep_port and p.port is not None and p.port != default else ""
    query = p.clean_query()
    return _protect_end(f"{scheme}://{p.host}{port}{p.clean_path()}" + (f"?{query}" if query else ""))


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _protect_end(url: str) -> str:
    """Percent-encode a final character that `_trim_trailing` would strip on the next parse.

    Dropping a tracker or sorting the query can leave punctuation at the very end (``?a=1.&utm_x``
    becomes ``?a=1.``); without this, parsing the canonical form would trim it and
    ``canonicalize`` would not be idempotent. ``%2E`` and ``.`` mean the same to servers.
    """
    if url and _trim_trailing(url) != url:
        return url[:-1] + "".join(f"%{b:02X}" for b in url[-1].encode())
    return url


def parse_link(text: str) -> ClipLink:
    """Parse exactly one link; raise `LinkError` with a user-facing reason for anything else."""
    if not isinstance(text, str):
        raise LinkError("Please paste a link as text.")
    cleaned = _unwrap(text)
    _check_characters(cleaned)
    p = _split(_with_scheme(cleaned))
    bare = p.bare
    for platform, matches, handler in _PLATFORMS:
        if matches(bare):
            canonical, video_id = handler(p)
            canonical = _protect_end(canonical)
            host = urlsplit(canonical).hostname or bare
            return ClipLink(cleaned, canonical, platform, video_id, host.removeprefix("www."))
    vendor = _vendor(p)
    if vendor is not None:
        return ClipLink(cleaned, _generic(p, "https", keep_port=False), vendor, None, bare)
    return ClipLink(cleaned, _generic(p, p.scheme, keep_port=True), "web", None, bare)


def canonicalize(url: str) -> str:
    """The canonical form of one link (``parse_link(url).canonical_url``); raises `LinkError`."""
    return parse_link(url).canonical_url


_BARE_HOSTS = "|".join(re.escape(d) for d in sorted(_PLATFORM_DOMAINS, key=len, reverse=True))
# A link in chat ends at whitespace, markup, or CJK punctuation (Chinese text has no spaces).
_URL_CHARS = r"[^\s<>\"`。，、；：！？（）【】「」『』《》]"
_FIND_RE = re.compile(
    r"(?P<md>\[[^\[\]\n]*\]\((?P<mdurl>https?://[^\s()<>]+(?:\([^\s()<>]*\)[^\s()<>]*)*)\))"
    r"|<(?P<angle>https?://[^\s<>|]+)(?:\|[^<>\n]*)?>"
    r"|(?P<skip><[@#!][^<>]*>|<?mailto:[^\s<>]*>?)"
    rf"|(?P<plain>https?://{_URL_CHARS}+)"
    rf"|(?<![\w.@/:%-])(?P<bare>(?:www\.|(?:[a-z0-9-]+\.)*(?:{_BARE_HOSTS})/){_URL_CHARS}*)",
    re.IGNORECASE,
)


def find_links(text: str) -> list[str]:
    """Raw links in chat text, in order, without duplicates (judged on the canonical form), max 20.

    Slack (``<url|label>``), Discord (``<url>``) and markdown (``[label](url)``) wrappers are looked
    through and only the URL returned, so every item is a substring of ``text``; mentions and
    ``mailto:`` are skipped. Items are not validated: the caller runs `parse_link` on each so the
    user hears why a link was refused instead of it being silently ignored.
    """
    if not isinstance(text, str):
        return []
    found: list[str] = []
    seen: set[str] = set()
    for m in _FIND_RE.finditer(text):
        if m.group("skip") is not None:
            continue
        name = next(g for g in ("mdurl", "angle", "plain", "bare") if m.group(g) is not None)
        start, end = m.span(name)
        raw = text[start:end]
        if len(raw) > 2 * MAX_URL_LENGTH:
            continue  # no link is that long; don't spend time on it
        if name in ("plain", "bare"):
            raw = _trim_trailing(raw)
        if not raw or raw.endswith("://") or raw.lower() in ("www.",):
            continue
        try:
            key = canonicalize(raw)
        except LinkError:
            key = raw
        if key in seen:
            continue
        seen.add(key)
        found.append(raw)
        if len(found) >= MAX_FOUND_LINKS:
            break
    return found
