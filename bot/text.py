"""Turning untrusted caption text into tokens the matchers agree on.

Captions come from strangers: emoji, hashtags, hyphenation, full-width letters, zero-width
joiners. Everything that matches words (capabilities, model aliases, cues) goes through here so
"Lip-Sync", "#lipsync" and "lip sync" are treated the same way everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

MAX_TEXT = 20_000  # characters of caption considered; the rest is ignored, not an error

_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A)),
    None,
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Clause breaks end the reach of a negation ("no people, just scenery").
_CLAUSE_BREAK = re.compile(r"[.;!?\n\r|•·,()\[\]{}:]")
_stemmer = snowballstemmer.stemmer("english")
_PLAIN_ASCII = re.compile(r"[\x20-\x7e\n\t]*")


def clean(text: str | None, limit: int = MAX_TEXT) -> str:
    """NFKC-normalise, drop invisible/bidi/control characters, cap the length."""
    if not text:
        return ""
    text = text[:limit]
    if text.isascii() and (text.isprintable() or _PLAIN_ASCII.fullmatch(text)):
        return text  # the common case: nothing to normalise or strip
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


@dataclass(frozen=True)
class Token:
    stem: str
    word: str
    start: int
    end: int
    clause: int  # tokens in different clauses are never linked by negation


def tokenize(text: str) -> list[Token]:
    """Lowercased word tokens with their stems and character spans in `text`."""
    lowered = text.lower()
    tokens: list[Token] = []
    clause = 0
    last_end = 0
    for m in _TOKEN.finditer(lowered):
        if _CLAUSE_BREAK.search(lowered, last_end, m.start()):
            clause += 1
        word = m.group()
        tokens.append(Token(stem(word), word, m.start(), m.end(), clause))
        last_end = m.end()
    return tokens


def phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(stem(m.group()) for m in _TOKEN.finditer(clean(phrase).lower()))


def printable(text: str) -> str:
    """Text safe to echo back: control characters (ESC, NUL, bidi overrides) removed, so a member's input
    can't move a terminal's cursor or reorder what others read."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch for ch in text.translate(_INVISIBLE) if unicodedata.category(ch)[0] != "C")
