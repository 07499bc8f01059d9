"""One pasted link to its canonical form, the key every verdict is stored under."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.links.platforms import _PLATFORMS, _generic, _protect_end, _split, _vendor
from bot.links.text import ClipLink, LinkError, _check_characters, _unwrap, _with_scheme


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
