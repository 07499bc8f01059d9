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

# Zero-width, joiners, bidi embeddings/overrides/isolates, word joiner and invisible operators, BOM,
# Hangul fillers, the Unicode tag block (ASCII smuggling) and variation selectors: characters that
# change how text looks or is read without being seen. Most are category Cf and would go with the
# other controls anyway; listed so the intent is readable.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Clause breaks end the reach of a negation ("no people, just scenery").
_CLAUSE_BREAK = re.compile(r"[.;!?\n\r|•·,()\[\]{}:]")
_stemmer = snowballstemmer.stemmer("english")
_PLAIN_ASCII = re.compile(r"[\x20-\x7e\n\t]*")


def clean(text: str | None, limit: int = MAX_TEXT) -> str:
    """The one text normaliser: NFKC, invisible/bidi/control characters dropped, the length capped.

    Everything that reads members' text (the caption reader, the model matcher, the LLM's evidence
    phrases) starts from this, so they all see the same characters."""
    if not text:
        return ""
    text = text[:limit]
    if text.isascii() and (text.isprintable() or _PLAIN_ASCII.fullmatch(text)):
        return text  # the common case: nothing to normalise or strip
    text = INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
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
    return "".join(ch for ch in INVISIBLE.sub("", text) if unicodedata.category(ch)[0] != "C")


_STORABLE_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def storable(text: str) -> str:
    """What a member typed, made safe to store and echo: NUL and other C0 controls (Postgres refuses
    NUL in text) and lone surrogates (not encodable as UTF-8) removed; newlines and tabs kept."""
    return _STORABLE_DROP.sub("", text)
