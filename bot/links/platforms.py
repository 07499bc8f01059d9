"""The video platforms and vendors' sites: each one's canonical form and video id."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlsplit

from bot.links.hosts import _PATH_SAFE, _QUERY_SAFE, _host_is, _is_tracking, _normalise_host
from bot.links.text import LinkError, _trim_trailing


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
