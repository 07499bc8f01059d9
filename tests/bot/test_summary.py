"""The template summarizer writes 2-4 sentences that state the computed level."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.results import ClipInfo, CommunityEvidence
from bot.summary import SummaryRequest, TemplateSummarizer
from bot.verdict import VerdictRules
from helpers.verdicts import signals

# (model, shown, the level the rules give, the opening the template must write for it)
CASES = [
    ("sora", ("plants", "food"), "showcase", "This Sora clip looks like a showcase: "),
    ("sora", ("people", "eating"), "stress_test", "This Sora clip is a stress test. "),
    ("sora-2", ("plants",), "mixed", "This Sora 2 clip is hard to place. "),
    ("sora", ("basketball",), "showcase", "This Sora clip looks like a showcase: "),
    (None, ("plants",), "unknown", "This clip can't be judged yet. "),
    ("sora", (), "unknown", "This Sora clip can't be judged yet. "),
]


@pytest.mark.parametrize(("model", "shown", "level", "opening"), CASES)
def test_template_states_level_in_two_to_four_sentences(tiny_kb, model, shown, level, opening):
    sig = signals(tiny_kb, model, *shown)
    verdict = VerdictRules(tiny_kb).decide(sig, CommunityEvidence())
    names = {c.id: c.name for c in tiny_kb.capabilities}
    req = SummaryRequest(ClipInfo("u", "u", "web"), sig, verdict, CommunityEvidence(), names)
    summary = asyncio.run(TemplateSummarizer().summarize(req))
    assert summary.source == "template"
    assert verdict.level == level
    assert summary.text.startswith(opening), summary.text
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", summary.text) if s]
    assert 2 <= len(sentences) <= 4, summary.text
    if verdict.hidden_weaknesses:
        assert tiny_kb.capability_by_id[verdict.hidden_weaknesses[0]].name in summary.text


def _summary(kb, sig) -> str:
    verdict = VerdictRules(kb).decide(sig, CommunityEvidence())
    names = {c.id: c.name for c in kb.capabilities}
    req = SummaryRequest(ClipInfo("u", "u", "web"), sig, verdict, CommunityEvidence(), names)
    return asyncio.run(TemplateSummarizer().summarize(req)).text


def test_template_says_why_a_showcase_or_representative_is_one(tiny_kb):
    from dataclasses import replace

    from bot.results import Provenance, Takes

    hit_and_miss = signals(tiny_kb, "sora", "basketball")
    assert _summary(tiny_kb, hit_and_miss).startswith(
        "This Sora clip looks like a showcase: a good take of a shot the model gets only sometimes, so expect misses.")
    strengths = signals(tiny_kb, "runway-gen3", "plants")
    assert _summary(tiny_kb, strengths).startswith(
        "This Runway Gen-3 clip looks like a showcase: the model's strengths, presumed the best of several takes.")
    vendor = replace(hit_and_miss, provenance=Provenance(True, "posted by x.com/openai"))
    assert _summary(tiny_kb, vendor).startswith(
        "This Sora clip looks like a showcase: it comes from the vendor's own site or account, so it is curated by "
        "construction.")
    first = signals(tiny_kb, "sora", "basketball", takes=Takes(True, 1, "first try", curated=False))
    assert _summary(tiny_kb, first).startswith(
        "This Sora clip looks representative: the creator says it was not picked from many takes.")
