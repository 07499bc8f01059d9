"""Deterministic checks on a model's output before anyone sees it.

A reply is shown only if it states the computed level in an accepted phrasing, states no other
level, has 1-4 sentences and 40-700 characters, contains no link, no mention, no echo of the
request's marker, and cites only claim ids it was given. Anything else falls back to the template;
the reason names the first rule that failed, so rejections can be counted by kind.

Accepted phrasings per level (case-insensitive, after NFKC and apostrophe folding):
- showcase: "showcase"
- representative: "representative" when not negated ("not/isn't/hardly representative",
  "unrepresentative" count as *denying* it, which contradicts only the representative level)
- stress_test: "stress test" / "stress-test" / "stress testing"
- mixed: "hard to place", "a mixed picture/bag/case", "the verdict is mixed"
- unknown: "can't/cannot be judged", "too little to judge", "not enough to judge"
Stating any other level's phrase is a contradiction. Over-strict on purpose: a false rejection
costs a template answer, a false acceptance misleads a community.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.llm.untrusted import Marker

MIN_CHARS, MAX_CHARS = 40, 700
MAX_SENTENCES = 4

_NEG_REPRESENTATIVE = re.compile(
    r"\b(?:not|isn't|isnt|is\s+not|never|hardly|barely|less\s+than|far\s+from|not\s+really|not\s+fully)"
    r"\s+(?:\w+\s+)?representative\b|\bunrepresentative\b|\bnon-?representative\b",
    re.IGNORECASE,
)
LEVEL_TERMS: dict[str, re.Pattern[str]] = {
    "showcase": re.compile(r"\bshow-?cases?\b", re.IGNORECASE),
    "representative": re.compile(r"\brepresentative\b|\brepresents\s+what\b", re.IGNORECASE),
    "stress_test": re.compile(r"\bstress[\s-]?test(?:s|ing)?\b", re.IGNORECASE),
    "mixed": re.compile(
        r"\bhard\s+to\s+place\b|\ba\s+mixed\s+(?:picture|bag|case|verdict|result)\b|\bverdict\s+is\s+mixed\b",
        re.IGNORECASE,
    ),
    "unknown": re.compile(
        r"\b(?:can't|cannot|can\s+not)\s+(?:yet\s+)?be\s+judged\b|\btoo\s+little\s+to\s+judge\b"
        r"|\bnot\s+enough\s+to\s+judge\b",
        re.IGNORECASE,
    ),
}
NOT_REPRESENTATIVE = "not_representative"

_URL_SCHEME = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://|\bwww\.|\b(?:mailto|javascript|data):")
_COMMON_TLDS = (
    "com|net|org|io|ai|co|gg|xyz|app|dev|me|ly|info|biz|tv|us|uk|de|ru|cn|jp|fr|link|site|online|top|club|"
    "shop|live|video|news|tk|ml|ga|cf|gq|sh|to|cc|be|it|nl|es|ca|au|in|br|pl|eu|so|ws|su|ink|click|art|fun"
)
_BARE_DOMAIN = re.compile(
    rf"(?i)\b[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*\.(?:(?:{_COMMON_TLDS})\b|[a-z]{{2,24}}/)"
)
_MENTION = re.compile(r"@\s*(?:everyone|here|channel|\w)|<[@!#&]|\bat-?everyone\b", re.IGNORECASE)
_CITATION = re.compile(r"\bC(\d{1,3})\b")
_CITATION_BRACKETS = re.compile(r"\s*[\[(]\s*C\d{1,3}(?:\s*[,;/]\s*C\d{1,3})*\s*[\])]")
_SENTENCE_END = re.compile(r"[.!?]+(?:[\"')\]]*)(?:\s+|$)")
_INVISIBLE_OR_CONTROL = {"Cc", "Cf", "Co", "Cs", "Cn"}


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str = ""  # short snake_case rule name, used as the fallback counter's key


def fold(text: str) -> str:
    """The form the rules read: NFKC (full-width @ becomes @), typographic apostrophes folded."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")


def stated_levels(text: str) -> set[str]:
    """Every level the text states; NOT_REPRESENTATIVE when it denies being representative."""
    folded = fold(text)
    found: set[str] = set()
    if _NEG_REPRESENTATIVE.search(folded):
        found.add(NOT_REPRESENTATIVE)
        folded = _NEG_REPRESENTATIVE.sub(" ", folded)
    for level, pattern in LEVEL_TERMS.items():
        if pattern.search(folded):
            found.add(level)
    return found


def states_only(text: str, level: str) -> bool:
    """The text states `level` and no other (denying "representative" is fine unless it is the level)."""
    stated = stated_levels(text)
    allowed = {level} if level == "representative" else {level, NOT_REPRESENTATIVE}
    return level in stated and stated <= allowed


def sentence_count(text: str) -> int:
    return len([s for s in _SENTENCE_END.split(text.strip()) if s.strip()])


def cited_ids(text: str) -> set[str]:
    return {f"C{n}" for n in _CITATION.findall(text)}


def has_url(text: str) -> bool:
    folded = fold(text)
    return bool(_URL_SCHEME.search(folded) or _BARE_DOMAIN.search(folded))


def has_mention(text: str) -> bool:
    return bool(_MENTION.search(fold(text)))


def validate(text: object, level: str, claim_ids: frozenset[str] | set[str], marker: Marker | None) -> Check:
    if not isinstance(text, str):
        return Check(False, "not_text")
    text = text.strip()
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return Check(False, "length")
    if any(unicodedata.category(ch) in _INVISIBLE_OR_CONTROL for ch in text if ch not in "\n"):
        return Check(False, "invisible_characters")
    if marker is not None and marker.echoed_in(text):
        return Check(False, "marker_echo")
    if has_url(text):
        return Check(False, "url")
    if has_mention(text):
        return Check(False, "mention")
    if not 1 <= sentence_count(text) <= MAX_SENTENCES:
        return Check(False, "sentences")
    stated = stated_levels(text)
    if level not in stated:
        return Check(False, "level_missing")
    if not states_only(text, level):
        return Check(False, "level_contradiction")
    if not cited_ids(text) <= set(claim_ids):
        return Check(False, "unknown_claim_id")
    return Check(True)


def for_display(text: str) -> str:
    """What members read: the validated text without the bracketed claim ids meant for checking."""
    text = _CITATION_BRACKETS.sub("", text.strip())
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
