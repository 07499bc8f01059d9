"""Title / description / author of a pasted video link, fetched safely.

Order of attempts: the platform's own oEmbed endpoint (a FIXED allow-list of
provider hosts; the user's URL only travels as an encoded query parameter),
then the page itself through :class:`bot.fetcher.GuardedFetcher`, parsed for
OpenGraph / Twitter-card tags and finally ``<title>``.  We never follow
``<link rel="alternate" type="application/json+oembed">`` discovery: it would
let any page send us to any host.

Every string that comes back is attacker-controlled, so it is normalised
(NFC), stripped of control, zero-width and bidi characters, whitespace-
collapsed and capped.  Mentions such as ``@everyone`` are left as plain text:
suppressing them is the renderer's job (``allowed_mentions``/escaping).

:meth:`MetadataFetcher.fetch` never raises for network or policy problems; it
returns a :class:`FetchOutcome` with a short human-readable ``error``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote

from bot.fetcher import FetchError, GuardedFetcher

log = logging.getLogger(__name__)

TITLE_MAX = 300
DESCRIPTION_MAX = 2000
AUTHOR_MAX = 300
GENERIC_ERROR = "the page could not be read"

#: platform -> oEmbed URL template; ``{url}`` is replaced by the percent-encoded page URL.
DEFAULT_OEMBED_ENDPOINTS: dict[str, str] = {
    "youtube": "https://www.youtube.com/oembed?url={url}&format=json",
    "vimeo": "https://vimeo.com/api/oembed.json?url={url}",
    "tiktok": "https://www.tiktok.com/oembed?url={url}",
    "x": "https://publish.twitter.com/oembed?url={url}&omit_script=true",
    "reddit": "https://www.reddit.com/oembed?url={url}",
}


@dataclass(frozen=True)
class PageMetadata:
    """Cleaned metadata; any field may be None when the source lacks it."""

    title: str | None
    description: str | None
    author: str | None
    source: str  # "oembed" | "opengraph" | "html_title"
    video: bool | None = None  # does the page declare a video? None when the source can't say


@dataclass(frozen=True)
class FetchOutcome:
    """Result of :meth:`MetadataFetcher.fetch`; ``error`` is set iff not ``fetched``."""

    fetched: bool
    metadata: PageMetadata | None
    error: str | None


# --------------------------------------------------------------------------- cleaning


def _drop_char(ch: str) -> bool:
    # Cc: C0/C1 controls; Cf: zero-width (200B-200D, 2060, FEFF), bidi embeddings,
    # overrides and isolates (202A-202E, 2066-2069), LRM/RLM, soft hyphen; Cs/Co/Cn:
    # lone surrogates, private use and unassigned code points.
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}


def clean_text(value: object, limit: int) -> str | None:
    """Normalise untrusted text for display; None when nothing printable is left.

    Whitespace-like controls (tab, newline, line/paragraph separators) become
    spaces before the other controls are dropped, so words don't run together.
    Truncation adds an ellipsis within ``limit`` characters.
    """
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value)
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or not _drop_char(ch))
    # Normalise again: dropping a zero-width char can leave a combinable pair behind.
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if not text:
        return None
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# --------------------------------------------------------------------------- HTML parsing


class _HeadParser(HTMLParser):
    """Collect ``<meta>`` tags and the first ``<title>``; tolerant of broken markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self._in_title = False
        self._title_parts: list[str] = []
        self._svg_depth = 0
        self.seen_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._svg_depth += 1
        elif tag == "body":
            self.seen_body = True
        elif tag == "meta":
            self._meta(attrs)
        elif tag == "title" and self.title is None and self._svg_depth == 0:
            self._in_title = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(attrs)
        elif tag not in ("svg", "title"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag in ("title", "head") and self._in_title:
            self._finish_title()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)

    def _finish_title(self) -> None:
        self._in_title = False
        self.title = "".join(self._title_parts)

    def _meta(self, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs if v is not None}
        key = values.get("property") or values.get("name") or values.get("itemprop")
        content = values.get("content")
        if key and content is not None:
            self.meta.setdefault(key.strip().lower(), content)


HEAD_LIMIT = 131_072  # characters of a page handed to the HTML parser


def _head_of(html: str) -> str:
    """The part of a page that can hold its metadata: up to </head>, at most HEAD_LIMIT characters.

    CPython's html.parser is slow on pathological markup (CVE-2025-6069: quadratic in `close()` on
    unfinished tags), so it only ever sees a bounded prefix and `close()` is never called.
    """
    head = html[:HEAD_LIMIT]
    end = head.lower().find("</head")
    return head[:end] if end >= 0 else head


def _parse_head(html: str) -> _HeadParser:
    parser = _HeadParser()
    step = 16_384
    text = _head_of(html)
    try:
        for start in range(0, len(text), step):
            parser.feed(text[start : start + step])
            # Metadata lives in <head>; stop once the body started and we have some.
            if parser.seen_body and (parser.meta or parser.title is not None):
                break
    except Exception:  # noqa: BLE001 - html.parser may raise on pathological input; keep what we have
        log.debug("html parse error", exc_info=True)
    if parser._in_title:  # what close() would do, without its slow path
        parser._finish_title()
    return parser


_VIDEO_META = ("og:video", "og:video:url", "og:video:secure_url", "twitter:player", "twitter:player:stream")


def _declares_video(meta: dict[str, str], html: str) -> bool:
    """Video pages say so: an og:type of video.*, og:video, a player card, or a <video> element."""
    if (meta.get("og:type") or "").strip().lower().startswith("video"):
        return True
    if (meta.get("twitter:card") or "").strip().lower() == "player":
        return True
    if any(meta.get(key) for key in _VIDEO_META):
        return True
    return "<video" in html[:2_000_000].lower()


def metadata_from_html(html: str) -> PageMetadata:
    """OpenGraph / Twitter card / author meta, else ``<title>`` and meta description."""
    p = _parse_head(html)
    meta = p.meta

    def first(*keys: str, limit: int) -> str | None:
        for key in keys:
            value = clean_text(meta.get(key), limit)
            if value:
                return value
        return None

    video = _declares_video(meta, html)
    og_title = first("og:title", "twitter:title", limit=TITLE_MAX)
    og_desc = first("og:description", "twitter:description", limit=DESCRIPTION_MAX)
    author = first("author", "article:author", "og:site_name", limit=AUTHOR_MAX)
    if og_title or og_desc:
        return PageMetadata(
            title=og_title or clean_text(p.title, TITLE_MAX),
            description=og_desc or first("description", limit=DESCRIPTION_MAX),
            author=author,
            source="opengraph",
            video=video,
        )
    return PageMetadata(
        title=clean_text(p.title, TITLE_MAX),
        description=first("description", limit=DESCRIPTION_MAX),
        author=author,
        source="html_title",
        video=video,
    )


class _TweetTextParser(HTMLParser):
    """Text of the ``<p>`` inside X's oEmbed blockquote (or the whole quote)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.all_text: list[str] = []
        self._p_depth = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self._quote_depth += 1
        elif tag == "p" and self._quote_depth:
            self._p_depth += 1
            self.paragraphs.append("")
        elif tag == "br" and self._p_depth and self.paragraphs:
            self.paragraphs[-1] += " "

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        elif tag == "p" and self._p_depth:
            self._p_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._quote_depth:
            self.all_text.append(data)
            if self._p_depth and self.paragraphs:
                self.paragraphs[-1] += data


def tweet_text_from_oembed_html(html: str) -> str | None:
    """Extract the post text from X's oEmbed ``html``, without the "— author date" byline."""
    parser = _TweetTextParser()
    try:
        parser.feed(html[:20_000])  # a post is short; bound the parser's work (no close(): CVE-2025-6069)
    except Exception:  # noqa: BLE001 - malformed markup: use whatever was collected
        log.debug("tweet html parse error", exc_info=True)
    if parser.paragraphs:
        text = " ".join(parser.paragraphs)
    else:
        text = "".join(parser.all_text)
        # Without <p>, the byline is "— Name (@handle) date" at the end.
        if "\u2014" in text:
            text = text.rsplit("\u2014", 1)[0]
    return clean_text(text, DESCRIPTION_MAX)


# --------------------------------------------------------------------------- fetcher


class MetadataFetcher:
    """Look up title/description/author for a canonical video URL.

    ``oembed_endpoints`` overrides entries of :data:`DEFAULT_OEMBED_ENDPOINTS`
    (tests point them at a loopback server).  The caller is expected to pass a
    ``platform`` it derived from the URL's host; the URL is only ever sent to
    the provider as a query parameter, so a mismatch costs a 404, not a leak.
    """

    def __init__(self, fetcher: GuardedFetcher | None = None, oembed_endpoints: dict[str, str] | None = None) -> None:
        self.fetcher = fetcher or GuardedFetcher()
        self.oembed_endpoints = {**DEFAULT_OEMBED_ENDPOINTS, **(oembed_endpoints or {})}

    async def fetch(self, canonical_url: str, platform: str) -> FetchOutcome:
        """oEmbed first (known platforms), then the page; never raises for fetch problems."""
        template = self.oembed_endpoints.get(platform)
        if template is not None:
            meta = await self._oembed(template, canonical_url, platform)
            if meta is not None:
                return FetchOutcome(fetched=True, metadata=meta, error=None)
        try:
            page = await self.fetcher.get(canonical_url, accept="html")
            # Parsing is bounded but still CPU work: keep it off the event loop.
            metadata = await asyncio.to_thread(metadata_from_html, page.text)
            return FetchOutcome(fetched=True, metadata=metadata, error=None)
        except FetchError as exc:
            return FetchOutcome(fetched=False, metadata=None, error=exc.reason)
        except Exception:  # noqa: BLE001 - a preview must never take the bot down; log the bug
            log.exception("unexpected error previewing a %s link", platform)
            return FetchOutcome(fetched=False, metadata=None, error=GENERIC_ERROR)

    async def _oembed(self, template: str, canonical_url: str, platform: str) -> PageMetadata | None:
        """Return oEmbed metadata, or None to make the caller fall back to the page."""
        try:
            endpoint = template.replace("{url}", quote(canonical_url, safe=""))
            # A fixed provider endpoint answers directly; a redirect from it is not followed anywhere.
            page = await self.fetcher.get(endpoint, accept="json", max_redirects=0)
            data = json.loads(page.text)
        except FetchError as exc:
            log.info("oEmbed for %s failed: %s", platform, exc.reason)
            return None
        except ValueError:
            log.info("oEmbed for %s returned invalid JSON", platform)
            return None
        except Exception:  # noqa: BLE001 - fall back to the page rather than fail the preview
            log.exception("unexpected error in oEmbed for %s", platform)
            return None
        if not isinstance(data, dict):
            return None
        author = clean_text(data.get("author_name"), AUTHOR_MAX)
        description = clean_text(data.get("description"), DESCRIPTION_MAX)
        title = clean_text(data.get("title"), TITLE_MAX)
        if platform == "x" and title is None and isinstance(data.get("html"), str):
            text = tweet_text_from_oembed_html(data["html"])
            if text is not None:
                title = clean_text(text, TITLE_MAX)
                if description is None and title != text:
                    description = text
        if title is None and description is None:
            return None
        video = True if data.get("type") == "video" else None  # X posts are "rich" whether or not they hold video
        return PageMetadata(title=title, description=description, author=author, source="oembed", video=video)
