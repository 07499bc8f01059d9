"""Turning a verdict into 2-4 plain sentences.

The summarizer only phrases; it never decides. The template below is the always-available
answer; an LLM summarizer implements the same protocol and falls back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.results import ClipInfo, CommunityEvidence, Signals, Verdict
from bot.verdict import HIT_AND_MISS_LEAD

LEVEL_PHRASES = {
    "showcase": "looks like a showcase",
    "representative": "looks representative",
    "stress_test": "is a stress test",
    "mixed": "is hard to place",
    "unknown": "can't be judged yet",
}


@dataclass(frozen=True)
class SummaryRequest:
    clip: ClipInfo
    signals: Signals
    verdict: Verdict
    community: CommunityEvidence
    names: dict[str, str]
    community_id: str = ""
    kb_version: str = ""
    caption: str | None = None  # what the member pasted; for the template and logs, never sent to an LLM


@dataclass(frozen=True)
class Summary:
    text: str
    source: str  # "template" | "llm"


class Summarizer(Protocol):
    async def summarize(self, request: SummaryRequest) -> Summary: ...


def _names(ids: tuple[str, ...], names: dict[str, str], limit: int = 4) -> str:
    shown = [names.get(i, i) for i in ids[:limit]]
    if len(ids) > limit:
        shown.append(f"{len(ids) - limit} more")
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


class TemplateSummarizer:
    async def summarize(self, request: SummaryRequest) -> Summary:
        return Summary(self.write(request), "template")

    def write(self, request: SummaryRequest) -> str:
        v, s, names = request.verdict, request.signals, request.names
        model = s.model.name if s.model else None
        shown = tuple(x.id for x in s.shown)
        subject = f"This {model} clip" if model else "This clip"
        basis = self._basis(v, s)
        sentences = [f"{subject} {LEVEL_PHRASES[v.level]}{': ' + basis if basis else ''}."]
        if v.level == "unknown":
            sentences.append(v.reasons[0])
        elif shown:
            sentences.append(self._what_it_shows(v, shown, names, model or "the model"))
        if v.hidden_weaknesses and v.level != "unknown":
            sentences.append(
                f"It doesn't show {_names(v.hidden_weaknesses, names)}, where the model is documented as weak."
            )
        elif v.generalization_traps and v.level != "unknown":
            sentences.append(f"It says nothing about {_names(v.generalization_traps, names, 3)}.")
        sentences.append(self._process(s))
        return " ".join(sentences[:4])

    def _basis(self, v: Verdict, s: Signals) -> str:
        """Why a showcase or a representative clip is one: the two levels differ only in evidence."""
        if v.level == "showcase":
            if s.provenance.vendor_channel:
                return "it comes from the vendor's own site or account, so it is curated by construction"
            if v.reasons and v.reasons[0].startswith(HIT_AND_MISS_LEAD):  # decided by the most specific shots
                return "a good take of a shot the model gets only sometimes, so expect misses"
            return "the model's strengths, presumed the best of several takes"
        if v.level == "representative":
            if s.takes.disclosed and s.takes.curated is False and not s.provenance.vendor_channel:
                return "the creator says it was not picked from many takes"
            return "members' attempt reports back up the hit rate for what it shows"
        return ""

    def _what_it_shows(self, v: Verdict, shown: tuple[str, ...], names: dict[str, str], model: str) -> str:
        by_rating: dict[str, list[str]] = {}
        for c in v.claims:
            by_rating.setdefault(c.rating, []).append(c.capability)
        parts = []
        words = {"strength": ("a strength", "strengths"), "mixed": ("hit and miss", "hit and miss"),
                 "weakness": ("a weakness", "weaknesses")}
        for rating in ("strength", "mixed", "weakness"):
            caps = by_rating.get(rating)
            if caps:
                word = words[rating][0 if len(caps) == 1 else 1]
                parts.append(f"{_names(tuple(caps), names)} ({word})")
        if not parts:
            return f"It shows {_names(shown, names)}, which nobody has rated for {model} yet."
        return f"It shows {'; '.join(parts)} for {model}."

    def _process(self, s: Signals) -> str:
        takes = s.takes
        how = f"the creator says it is {takes.phrase()}" if takes.disclosed else "nobody said how many takes it took"
        workflow = "the workflow is unknown" if s.workflow.value == "unknown" else f"it is {s.workflow.value}"
        prompt = "the prompt is shared" if s.prompt_disclosed else "the prompt is not shared"
        return f"{how.capitalize()}, {workflow}, and {prompt}."
