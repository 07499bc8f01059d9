"""Characters and chat decoration around a pasted link: what is trimmed, unwrapped or refused."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
