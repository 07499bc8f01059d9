"""Deterministic checks on a model's output before anyone sees it.

A reply is shown only if it states the computed level in an accepted phrasing, never negates it,
states no other level, has 1-4 sentences and 40-700 characters, uses Latin letters only, contains
no link, no mention, no markdown (`**`, `__`, `](`, `#`, `||spoiler||`, `~~strike~~`, `> quote`:
chat platforms would render them), no echo of the request's marker, and cites only claim ids it
was given in the bracket form "[C1]". Anything else falls back to the template; the reason names the
first rule that failed, so rejections can be counted by kind.

The level rules read a folded form of the text (`level_text`): NFKC, typographic apostrophes to
"'", every Unicode dash and "_" to "-", accents removed, whitespace collapsed, lower case. Letters
that are not basic Latin after removing accents (Cyrillic "о" in "shоwcase", dotless "ı", ...) are
rejected outright, so homoglyphs cannot hide a level phrase from the patterns.

Level phrases (any of them, for any level, is "stating" that level):
- showcase: "showcase(s/d)", "show case", "show-case"
- representative: "representative", "unrepresentative", "non-representative", "represents what"
- stress_test: "stress test(s/ing)", "stress-test", "stresstest", "stress_test"
- mixed: "hard to place" (any dashes), "mixed picture/bag/case/verdict/result(s)/signals", "the verdict is mixed"
- unknown: "can't/cannot/can not/couldn't (up to 2 words) be judged", "too little / not enough /
  impossible to judge"
Rules: the computed level's phrase must be there; no other level's phrase may be (not even denied:
"a showcase, not representative" is rejected, the prompt forbids other levels' words); and no level
phrase may be negated -- a negation word (not, n't, no, never, hardly, far from, anything but,
opposite of, rather than, in no way, wrong, ...) within five words before it in the same sentence,
"un-/non-" in front of it, or an answer like "Showcase: no." / "... be judged? Wrong" right after
it. Over-strict on purpose: a false rejection costs a template answer, a false acceptance misleads
a community.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.llm.untrusted import Marker

MIN_CHARS, MAX_CHARS = 40, 700
MAX_SENTENCES = 4
NEGATION_WINDOW = 5  # words before a level phrase that may not hold a negation

LEVEL_TERMS: dict[str, re.Pattern[str]] = {
    "showcase": re.compile(r"\bshow\s?-?\s?cas(?:es?|ed|ing)\b"),
    "representative": re.compile(r"\b(?:un|non\s?-?\s?)?representativ\w*|\brepresents\s+what\b"),
    "stress_test": re.compile(r"\bstress\s?-?\s?test\w*"),
    "mixed": re.compile(
        r"\bhard[\s-]+to[\s-]+place\b|\bmixed[\s-]+(?:picture|bag|case|verdict|results?|signals?)\b"
        r"|\bverdict\s+is\s+mixed\b"
    ),
    "unknown": re.compile(
        r"\b(?:can't|cant|cannot|can\s+not|couldn't|could\s+not)\s+(?:[\w-]+,?\s+){0,2}be\s+judged\b"
        r"|\b(?:too\s+little|not\s+enough|impossible)\s+to\s+judge\b"
    ),
}
_NEGATION_BEFORE = re.compile(
    r"\b(?:not|no|nor|never|neither|none|nothing|nobody|hardly|barely|scarcely|rarely|seldom|less|without|"
    r"wrong|false|untrue|incorrect|mistaken|non|far\s+from|anything\s+but|opposite\s+of|rather\s+than|"
    r"instead\s+of|in\s+no\s+way|by\s+no\s+means|\w+n't|(?:is|are|was|were|do|does|did|would|could|should|"
    r"will|has|have|had|ca|wo|ai)nt)\b"
)
_NEGATED_FORM = re.compile(r"^(?:un|non)")
# Right after a phrase: a bare "no"/"not really" answer, or "wrong"/"false" within three words.
_ANSWER_AFTER = re.compile(
    r"^[^\w]*(?:(?:no|nope|nah|not|never|hardly)(?:\s*(?:[^\w\s]|$)|\s+(?:really|at\s+all|quite|so|exactly|true))"
    r"|(?:[\w']+[^\w]+){0,2}(?:wrong|false|untrue|incorrect|mistaken|nope|nah)\b)"
)
_SENTENCE_BREAK = re.compile(r"[.!?]")
_WORD = re.compile(r"[\w']+")

_URL_SCHEME = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://|\bwww\.|\b(?:mailto|javascript|data):|\bh[xX*]{2}ps?\b")
_COMMON_TLDS = (
    "com|net|org|io|ai|co|gg|xyz|app|dev|me|ly|info|biz|tv|us|uk|de|ru|cn|jp|fr|link|site|online|top|club|"
    "shop|live|video|news|tk|ml|ga|cf|gq|sh|to|cc|be|it|nl|es|ca|au|in|br|pl|eu|so|ws|su|ink|click|art|fun|"
    "zip|mov"
)
_BARE_DOMAIN = re.compile(
    rf"(?i)\b[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*\.(?:(?:{_COMMON_TLDS})\b|[a-z]{{2,24}}/)"
)
_SPELLED_TLDS = "com|net|org|io|ai|co|gg|xyz|app|dev|me|ly|info|biz|tv|ru|cn|tk|to|sh|link|site|zip"
# "example dot com", "example (dot) org", "evil[.]io", "example . com" (a space before the dot: a
# sentence end has none, so "... a showcase. AI clips ..." is not a domain).
_SPELLED_DOMAIN = re.compile(
    rf"(?i)\b[a-z0-9][a-z0-9\-]*(?:\s*[\[({{<]\s*(?:dot|\.)\s*[\])}}>]\s*|\s+dot\s+|\s+\.\s*)(?:{_SPELLED_TLDS})\b"
)
_IPV4 = re.compile(r"\b\d{1,3}(?:\s?\.\s?\d{1,3}){3}\b")
_SLACK_LINK = re.compile(r"<[^<>\n]*\|[^<>\n]*>")
# Bold/underline, masked links, headings, Discord spoilers and strikethrough, block quotes.
_MARKDOWN = re.compile(r"\*\*|__|\]\(|^\s*#|\|\||~~|^\s*>", re.MULTILINE)
_MENTION = re.compile(r"@\s*(?:everyone|here|channel|\w)|<[@!#&]|\bat-?everyone\b", re.IGNORECASE)
_CITATION = re.compile(r"(?i)\bC(\d{1,3})\b")
_CITATION_GROUP = re.compile(r"(?i)[\[(]\s*C\d{1,3}(?:\s*[,;/]\s*C\d{1,3})*\s*[\])]")
_CITATION_BRACKETS = re.compile(r"(?i)\s*[\[(]\s*C\d{1,3}(?:\s*[,;/]\s*C\d{1,3})*\s*[\])]")
_BRACKETED = re.compile(r"[\[(][^\[\]()]*[\])]|[\[(][^\[\]()]*$")
_CITATION_LIKE = re.compile(r"(?i)\bc[\W_]*\d")
_SENTENCE_END = re.compile(r"[.!?]+(?:[\"')\]]*)(?:\s+|$)")
_INVISIBLE_OR_CONTROL = {"Cc", "Cf", "Co", "Cs", "Cn"}
_ASCII_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # the Cc of ASCII, newline allowed

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u2032\u0060\u00b4\u2035\uff07"})
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d_"})
_DOTS = str.maketrans({"\u3002": ".", "\uff61": "."})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str = ""  # short snake_case rule name, used as the fallback counter's key


def fold(text: str) -> str:
    """The form the rules read: NFKC (full-width @ becomes @), apostrophes, dashes and "_" folded,
    whitespace collapsed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_APOSTROPHES)).translate(_APOSTROPHES)
        text = text.translate(_DASHES).translate(_DOTS)
    return _SPACE.sub(" ", text.replace("_", "-").replace("`", "'")).strip()


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def level_text(text: str) -> str:
    """What the level rules read: `fold`, accents removed, lower case."""
    return _strip_accents(fold(text)).lower()


def has_foreign_letters(text: str) -> bool:
    """Letters that are not basic Latin once accents are removed (homoglyphs, other scripts)."""
    stripped = _strip_accents(fold(text))
    return not stripped.isascii() and any(ch.isalpha() and not ch.isascii() for ch in stripped)


def _negated(folded: str, match: re.Match[str]) -> bool:
    if _NEGATED_FORM.match(match.group()):
        return True
    before = _SENTENCE_BREAK.split(folded[: match.start()])[-1]
    window = " ".join(_WORD.findall(before)[-NEGATION_WINDOW:])
    if _NEGATION_BEFORE.search(window):
        return True
    return bool(_ANSWER_AFTER.match(folded[match.end():]))


def level_phrases(text: str) -> list[tuple[str, bool]]:
    """(level, negated) for every level phrase in the text, in no particular order."""
    folded = level_text(text)
    return [(level, _negated(folded, m)) for level, pattern in LEVEL_TERMS.items() for m in pattern.finditer(folded)]


def stated_levels(text: str) -> set[str]:
    """Every level the text has a phrase of, negated or not."""
    return {level for level, _ in level_phrases(text)}


def level_problem(text: str, level: str) -> str:
    """"" when the text states `level`, no other level, and negates nothing; else the rule's name."""
    found = level_phrases(text)
    levels = {lv for lv, _ in found}
    if level not in levels:
        return "level_missing"
    if levels != {level}:
        return "level_contradiction"
    if any(negated for _, negated in found):
        return "level_negated"
    return ""


def states_only(text: str, level: str) -> bool:
    """The text states `level`, un-negated, and no other level."""
    return not level_problem(text, level)


def sentence_count(text: str) -> int:
    return len([s for s in _SENTENCE_END.split(text.strip()) if s.strip()])


def cited_ids(text: str) -> set[str]:
    return {f"C{n}" for n in _CITATION.findall(fold(text))}


def has_malformed_citation(text: str) -> bool:
    """A bracket that looks like it cites a claim ("[C1-9]", "[C_9]", "(c 9)") but is not "[C1]" / "[C1, C2]"."""
    folded = fold(text)
    return any(_CITATION_LIKE.search(g) and not _CITATION_GROUP.fullmatch(g) for g in _BRACKETED.findall(folded))


def has_url(text: str) -> bool:
    folded = fold(text)
    return any(p.search(folded) for p in (_URL_SCHEME, _BARE_DOMAIN, _SPELLED_DOMAIN, _IPV4, _SLACK_LINK))


def has_mention(text: str) -> bool:
    return bool(_MENTION.search(fold(text)))


def has_markdown(text: str) -> bool:
    """Bold/underline emphasis, headings, links: read on NFKC text (fold() would turn "__" into "--")."""
    return bool(_MARKDOWN.search(unicodedata.normalize("NFKC", text)))


def validate(text: object, level: str, claim_ids: frozenset[str] | set[str], marker: Marker | None) -> Check:
    if not isinstance(text, str):
        return Check(False, "not_text")
    text = text.strip()
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return Check(False, "length")
    if _ASCII_CONTROL.search(text) if text.isascii() else any(
            unicodedata.category(ch) in _INVISIBLE_OR_CONTROL for ch in text if ch not in "\n"):
        return Check(False, "invisible_characters")
    if has_foreign_letters(text):
        return Check(False, "non_latin_script")
    if marker is not None and marker.echoed_in(text):
        return Check(False, "marker_echo")
    if has_url(text):
        return Check(False, "url")
    if has_mention(text):
        return Check(False, "mention")
    if has_markdown(text):
        return Check(False, "markdown")
    if not 1 <= sentence_count(text) <= MAX_SENTENCES:
        return Check(False, "sentences")
    problem = level_problem(text, level)
    if problem:
        return Check(False, problem)
    if has_malformed_citation(text):
        return Check(False, "malformed_citation")
    if not cited_ids(text) <= set(claim_ids):
        return Check(False, "unknown_claim_id")
    return Check(True)


def for_display(text: str) -> str:
    """What members read: the validated text without the bracketed claim ids meant for checking."""
    text = _CITATION_BRACKETS.sub("", text.strip())
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
