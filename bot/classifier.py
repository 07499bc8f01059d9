"""Which capabilities a clip shows, read from its title and caption.

Driven entirely by the knowledge base's capability terms (curatable data): a term is a word or
phrase, matched on Snowball stems so inflections come free; `not_terms` cancel look-alikes
("hands-on" is not hands); a negation shortly before a term ("no people", "without hands")
cancels it unless another capability term stands in between ("no hands walking" still walks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge import KnowledgeBase
from bot.text import Token, clean, phrase_stems, tokenize

NEGATORS: frozenset[str] = frozenset({"no", "not", "without", "never", "zero", "nor", "non", "nobodi"})
NEGATION_REACH = 3  # tokens between a negator and the term it can cancel


@dataclass(frozen=True)
class _Pattern:
    stems: tuple[str, ...]
    capability: str
    cancels: bool  # a not_term


@dataclass(frozen=True)
class Match:
    capability: str
    start: int  # token index
    end: int  # token index, exclusive
    evidence: str


class CapabilityClassifier:
    """Built once per knowledge-base version; `classify` is then pure and cheap."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._by_first: dict[str, list[_Pattern]] = {}
        for cap in kb.capabilities:
            for term in cap.terms:
                self._add(term, cap.id, cancels=False)
            for term in cap.not_terms:
                self._add(term, cap.id, cancels=True)
        for patterns in self._by_first.values():
            patterns.sort(key=lambda p: -len(p.stems))

    def _add(self, term: str, capability: str, *, cancels: bool) -> None:
        stems = phrase_stems(term)
        if stems:
            self._by_first.setdefault(stems[0], []).append(_Pattern(stems, capability, cancels))

    def matches(self, text: str) -> list[Match]:
        """Every surviving term match, in text order."""
        text = clean(text)
        tokens = tokenize(text)
        found: list[Match] = []
        cancelled: dict[str, list[tuple[int, int]]] = {}
        stems = [t.stem for t in tokens]
        n = len(tokens)
        for i, first in enumerate(stems):
            for pattern in self._by_first.get(first, ()):
                k = len(pattern.stems)
                if i + k > n or tuple(stems[i : i + k]) != pattern.stems:
                    continue
                if pattern.cancels:
                    cancelled.setdefault(pattern.capability, []).append((i, i + k))
                else:
                    found.append(Match(pattern.capability, i, i + k, _span(text, tokens, i, i + k)))
        term_starts = {m.start for m in found}
        out: list[Match] = []
        for m in found:
            spans = cancelled.get(m.capability, ())
            if any(s < m.end and m.start < e for s, e in spans):
                continue
            if self._negated(tokens, m.start, term_starts):
                continue
            out.append(m)
        return out

    def _negated(self, tokens: list[Token], start: int, term_starts: set[int]) -> bool:
        clause = tokens[start].clause
        for j in range(start - 1, max(-1, start - NEGATION_REACH - 2), -1):
            tok = tokens[j]
            if tok.clause != clause:
                return False
            if tok.stem in NEGATORS and start - j <= NEGATION_REACH:
                return True
            if tok.stem == "of" and j > 0 and tokens[j - 1].stem == "free" and start - j <= NEGATION_REACH:
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


def _span(text: str, tokens: list[Token], start: int, end: int) -> str:
    return text[tokens[start].start : tokens[end - 1].end]
