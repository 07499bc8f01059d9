"""Finding the links in a chat message (Slack, Discord and markdown wrappers looked through)."""

from __future__ import annotations

import re

from bot.links.canonical import canonicalize
from bot.links.platforms import _PLATFORM_DOMAINS
from bot.links.text import MAX_FOUND_LINKS, MAX_URL_LENGTH, LinkError, _trim_trailing

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
        if not raw or raw.endswith("://") or raw.lower() == "www":  # "www." in a sentence, its dot trimmed
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
