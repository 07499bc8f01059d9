"""Which capabilities a clip shows, read from its title and caption.

Driven entirely by the knowledge base's capability terms (curatable data):
- an English term word matches its own inflected forms (`bot.word_forms`: "leaf" finds "leaves",
  "office" never finds "officers"), a multi-word term matches consecutive words, and the word `{n}`
  in a term matches any number ("burn {n} credits");
- a term written `es: perro` (es, fr, pt, de) or `ja: 犬` (zh, ja) belongs to that language: the caption's
  language is detected first (`bot.language`) and only its own words are read, plus English phrases
  and long English words (creators mix "drone shot" and "kickflip" into any language; short English
  words are too often another language's words: French "chat" is a cat). Spanish, French, Portuguese
  and German words match on that language's Snowball stem; Chinese and Japanese terms match as
  substrings (no spaces to split on);
- `not_terms` cancel look-alikes ("hands-on" is not hands);
- a negation shortly before a term ("no people", "without hands") cancels it unless another
  capability term stands in between ("no hands walking" still walks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import snowballstemmer

from bot import language
from bot.knowledge import KnowledgeBase
from bot.text import clean
from bot.word_forms import forms

NEGATORS: dict[str, frozenset[str]] = {
    "en": frozenset({"no", "not", "without", "never", "zero", "nor", "non", "nobody", "none"}),
    "es": frozenset({"no", "sin", "nunca", "ni", "ningún", "ninguna", "ninguno"}),
    "fr": frozenset({"pas", "sans", "jamais", "ni", "aucun", "aucune"}),
    "pt": frozenset({"não", "nao", "sem", "nunca", "nem", "nenhum", "nenhuma"}),
    "de": frozenset({"kein", "keine", "keinen", "keiner", "ohne", "nicht", "nie"}),
}
NEGATION_REACH = 3  # tokens between a negator and the term it can cancel
# In a foreign caption, English single words this long are still read: long shared words are loanwords and
# cognates that mean the same ("kickflip", "restaurant"); false friends are short ("chat", "pan", "court").
LOANWORD_LENGTH = 7
NUMBER = "{n}"  # a term word that matches any number
QUOTE = "{quote}"  # a term word that matches a quoted span: 'the word "STOP"', '"No Entry" sign'
_QUOTED = (r"(?:(?<!\w)\"[^\"\n]{1,60}\"|“[^”\n]{1,60}”|‘[^’\n]{1,60}’|(?<!\w)'(?=\S)[^'\n]{1,60}(?<=\S)'(?!\w)|"
           r"「[^」\n]{1,60}」)")
_QUOTED_RE = re.compile(_QUOTED)
_FILLER = r"\W+(?:\w+\W+){0,2}?"  # up to two words between the parts of a quote term
_LANG_TERM = re.compile(r"^(es|fr|pt|de|zh|ja)\s*:\s*(.+)$", re.DOTALL)
_WORD = re.compile(r"[^\W_]+|\{n\}", re.UNICODE)
_STEMMERS = {"es": "spanish", "fr": "french", "pt": "portuguese", "de": "german"}
_SPACELESS = ("zh", "ja")


@dataclass(frozen=True)
class _Pattern:
    words: tuple[frozenset[str], ...]  # allowed token keys at each position; empty set = a number
    capability: str
    cancels: bool  # a not_term


class _Tok(NamedTuple):
    word: str
    start: int
    end: int
    clause: int  # tokens in different clauses are never linked by negation


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CLAUSE_BREAK = re.compile(r"[.;!?\n\r|•·,()\[\]{}:]")  # the same breaks as bot.text.tokenize


# Words and clause breaks in one pass: a search for a break between every two words cost a regex call a word.
_TOKEN_OR_BREAK = re.compile(r"([^\W_]+)|" + _CLAUSE_BREAK.pattern, re.UNICODE)


def _tokenize(text: str) -> list[_Tok]:
    """Lowercased word tokens with spans and clause numbers (no stems: matching is on word forms)."""
    lowered = text.lower()
    out: list[_Tok] = []
    clause = 0
    broken = False
    for m in _TOKEN_OR_BREAK.finditer(lowered):
        word = m.group(1)
        if word is None:
            broken = True
            continue
        if broken:
            clause += 1
            broken = False
        out.append(_Tok(word, m.start(), m.end(), clause))
    return out


@dataclass(frozen=True)
class Match:
    capability: str
    start: int  # token index
    end: int  # token index, exclusive
    evidence: str
    quoted: bool = False  # found by a {quote} term: the quoted words are not read as negation ("No Entry" sign)


class CapabilityClassifier:
    """Built once per knowledge-base version; `classify` is then pure and cheap."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._stemmers = {lang: snowballstemmer.stemmer(name) for lang, name in _STEMMERS.items()}
        # language -> first-word key -> one-word patterns; language -> (first, second) key -> longer patterns,
        # longest first. Keying longer terms on two words keeps common first words ("sea", "white") cheap.
        self._index: dict[str, dict[str, list[_Pattern]]] = {lang: {} for lang in ("en", *_STEMMERS)}
        self._pairs: dict[str, dict[tuple[str, str], list[_Pattern]]] = {lang: {} for lang in ("en", *_STEMMERS)}
        self._substrings: dict[str, list[tuple[str, str, bool]]] = {lang: [] for lang in _SPACELESS}
        self._quote_terms: list[tuple[re.Pattern[str], str]] = []
        for cap in kb.capabilities:
            for term in cap.terms:
                self._add(term, cap.id, cancels=False)
            for term in cap.not_terms:
                self._add(term, cap.id, cancels=True)
        for pairs in self._pairs.values():
            for patterns in pairs.values():
                patterns.sort(key=lambda p: -len(p.words))
        for entries in self._substrings.values():
            entries.sort(key=lambda e: -len(e[0]))

    def _add(self, term: str, capability: str, *, cancels: bool) -> None:
        lang = "en"
        m = _LANG_TERM.match(term.strip())
        if m:
            lang, term = m.group(1), m.group(2)
        term = clean(term).lower().strip()
        if QUOTE in term and not cancels:
            parts = [_QUOTED if w == QUOTE else re.escape(w) + r"\w*" for w in term.split()]
            self._quote_terms.append((re.compile(r"(?<!\w)" + _FILLER.join(parts), re.IGNORECASE), capability))
            return
        if lang in _SPACELESS:
            if term:
                self._substrings[lang].append((term, capability, cancels))
            return
        words = _WORD.findall(term)
        if not words:
            return
        keys = tuple(frozenset() if w == NUMBER else self._keys(lang, w) for w in words)
        if not keys[0]:
            return  # a term may not start with a number: it would be tried at every number
        pattern = _Pattern(keys, capability, cancels)
        for first in keys[0]:
            if len(keys) == 1:
                self._index[lang].setdefault(first, []).append(pattern)
                continue
            for second in keys[1] or (NUMBER,):
                self._pairs[lang].setdefault((first, second), []).append(pattern)

    def _keys(self, lang: str, word: str) -> frozenset[str]:
        if lang == "en":
            return forms(word)
        return frozenset((self._stemmers[lang].stemWord(word),))

    def _token_key(self, lang: str, word: str) -> str:
        return word if lang == "en" else self._stemmers[lang].stemWord(word)

    def matches(self, text: str) -> list[Match]:
        """Every surviving term match, in text order."""
        text = clean(text)
        tokens = _tokenize(text)
        lang = language.detect(text, [t.word for t in tokens])
        if lang in _SPACELESS:
            return self._substring_matches(text, lang)
        found: list[Match] = []
        cancelled: dict[str, list[tuple[int, int]]] = {}
        passes = [("en", 1 if lang == "en" else 2)]
        if lang != "en":
            passes.append((lang, 1))
        for pass_lang, min_words in passes:
            keys = [self._token_key(pass_lang, t.word) for t in tokens]
            self._scan(pass_lang, min_words, keys, tokens, text, found, cancelled)
        quoted, regions = self._quote_matches(text, tokens)
        if quoted:
            # The words of a quoted sign are lettering, not subjects: 'a "HOT DOG" sign' shows no dog.
            inside = _quoted_token_spans(text, tokens, regions)
            found = [m for m in found if not any(s <= m.start and m.end <= e for s, e in inside)]
            found.extend(quoted)
        found.sort(key=lambda m: (m.start, -m.end))
        term_starts = {m.start for m in found}
        negators = NEGATORS["en"] | NEGATORS.get(lang, frozenset())
        out: list[Match] = []
        for m in found:
            spans = () if m.quoted else cancelled.get(m.capability, ())  # '"EXIT" sign in red' is no sign-in
            if any(s < m.end and m.start < e for s, e in spans):
                continue
            if not m.quoted and self._negated(tokens, m.start, term_starts, negators):
                continue
            out.append(m)
        return out

    def _scan(self, lang: str, min_words: int, keys: list[str], tokens: list[_Tok], text: str,
              found: list[Match], cancelled: dict[str, list[tuple[int, int]]]) -> None:
        index, pairs = self._index[lang], self._pairs[lang]
        n = len(keys)
        for i, first in enumerate(keys):
            candidates: list[_Pattern] = []
            if i + 1 < n:
                second = keys[i + 1]
                candidates.extend(pairs.get((first, second), ()))
                if not second.isalpha() and any(ch.isdigit() for ch in second):
                    candidates.extend(pairs.get((first, NUMBER), ()))
            if min_words == 1 or len(first) >= LOANWORD_LENGTH:
                candidates.extend(index.get(first, ()))
            for pattern in candidates:
                k = len(pattern.words)
                if i + k > n or (k > 2 and not _fits(pattern.words, keys, i)):
                    continue
                if pattern.cancels:
                    cancelled.setdefault(pattern.capability, []).append((i, i + k))
                else:
                    found.append(Match(pattern.capability, i, i + k, _span(text, tokens, i, i + k)))

    def _quote_matches(self, text: str, tokens: list[_Tok]) -> tuple[list[Match], list[tuple[int, int]]]:
        """The `{quote}` term matches, and the character span of each (the quote marks included)."""
        out: list[Match] = []
        regions: list[tuple[int, int]] = []
        if not self._quote_terms or not _QUOTED_RE.search(text):
            return out, regions  # the common case: one cheap scan instead of one per quote term
        for regex, capability in self._quote_terms:
            for m in regex.finditer(text):
                start = next((i for i, t in enumerate(tokens) if t.end > m.start()), 0)
                end = next((i for i, t in enumerate(tokens) if t.start >= m.end()), len(tokens))
                out.append(Match(capability, start, max(end, start + 1), m.group(), quoted=True))
                regions.append(m.span())
        return out, regions

    def _substring_matches(self, text: str, lang: str) -> list[Match]:
        """Chinese and Japanese: terms are found as substrings; a cancelling term hides the terms it overlaps."""
        lowered = text.lower()
        spans: list[tuple[int, int, str, bool]] = []
        for term, capability, cancels in self._substrings[lang]:
            start = lowered.find(term)
            while start >= 0:
                spans.append((start, start + len(term), capability, cancels))
                start = lowered.find(term, start + 1)
        spans.sort()
        out: list[Match] = []
        for s, e, capability, cancels in spans:
            if cancels:
                continue
            if any(c and cap == capability and cs < e and s < ce for cs, ce, cap, c in spans):
                continue
            out.append(Match(capability, s, e, text[s:e]))
        return out

    def _negated(self, tokens: list[_Tok], start: int, term_starts: set[int], negators: frozenset[str]) -> bool:
        clause = tokens[start].clause
        for j in range(start - 1, max(-1, start - NEGATION_REACH - 2), -1):
            tok = tokens[j]
            if tok.clause != clause:
                return False
            if tok.word in negators and start - j <= NEGATION_REACH:
                return True
            if tok.word == "of" and j > 0 and tokens[j - 1].word == "free" and start - j <= NEGATION_REACH:
                return True
            if j in term_starts:  # another capability term in between ends the negation's reach
                return False
        return False

    def classify(self, *texts: str | None) -> list[tuple[str, str]]:
        """(capability id, evidence) for each capability shown, most specific first-seen order.

        An ancestor is dropped when a descendant was also found: "basketball" says more than
        "sports", and the path in the result still names the ancestor.
        """
        first_evidence: dict[str, str] = {}
        for text in texts:
            if not text:
                continue
            for m in self.matches(text):
                first_evidence.setdefault(m.capability, m.evidence)
        self._add_implied(first_evidence)
        shown = list(first_evidence)
        ancestors = self._ancestors_of(shown)
        return [(cap, first_evidence[cap]) for cap in shown if cap not in ancestors]

    def _add_implied(self, evidence: dict[str, str]) -> None:
        """A dunk shows a person unless a cat is doing it: `implies` and `unless` are capability data."""
        found = set(evidence)
        for cap_id in list(evidence):
            for ancestor in self._kb.path(cap_id):
                cap = self._kb.capability_by_id.get(ancestor)
                if cap is None or not cap.implies or found & set(cap.unless):
                    continue
                for implied in cap.implies:
                    evidence.setdefault(implied, evidence[cap_id])

    def _ancestors_of(self, ids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for cap in ids:
            out.update(self._kb.path(cap)[:-1])
        return out


def _fits(words: tuple[frozenset[str], ...], keys: list[str], i: int) -> bool:
    for offset, allowed in enumerate(words[2:], start=2):
        key = keys[i + offset]
        if allowed:
            if key not in allowed:
                return False
        elif not any(ch.isdigit() for ch in key):
            return False
    return True


def _span(text: str, tokens: list[_Tok], start: int, end: int) -> str:
    return text[tokens[start].start : tokens[end - 1].end]


def _quoted_token_spans(text: str, tokens: list[_Tok], regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token ranges of the quoted strings inside the `{quote}` matches' character spans.

    Character spans rather than the matches' tokens: a sign's lettering may be framed by marks that are no words
    ('"*** HOT DOGS ***" sign'), which put its quote marks any distance from its first and last word.
    """
    spans: list[tuple[int, int]] = []
    for q in _QUOTED_RE.finditer(text):
        if not any(a <= q.start() and q.end() <= b for a, b in regions):
            continue
        idx = [i for i, t in enumerate(tokens) if q.start() <= t.start and t.end <= q.end()]
        if idx:
            spans.append((idx[0], idx[-1] + 1))
    return spans
