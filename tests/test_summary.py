"""The template summarizer writes 2-4 sentences that state the computed level."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.results import ClipInfo, CommunityEvidence
from bot.summary import LEVEL_PHRASES, SummaryRequest, TemplateSummarizer
from bot.verdict import VerdictRules
from tests.test_verdict import signals

CASES = [
    ("sora", ("plants", "food")),
    ("sora", ("people", "eating")),
    ("sora-2", ("plants",)),
    ("sora", ("basketball",)),
    (None, ("plants",)),
    ("sora", ()),
]


@pytest.mark.parametrize(("model", "shown"), CASES)
def test_template_states_level_in_two_to_four_sentences(tiny_kb, model, shown):
    sig = signals(tiny_kb, model, *shown)
    verdict = VerdictRules(tiny_kb).decide(sig, CommunityEvidence())
    names = {c.id: c.name for c in tiny_kb.capabilities}
    req = SummaryRequest(ClipInfo("u", "u", "web"), sig, verdict, CommunityEvidence(), names)
    summary = asyncio.run(TemplateSummarizer().summarize(req))
    assert summary.source == "template"
    assert LEVEL_PHRASES[verdict.level] in summary.text
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", summary.text) if s]
    assert 2 <= len(sentences) <= 4, summary.text
    if verdict.hidden_weaknesses:
        assert tiny_kb.capability_by_id[verdict.hidden_weaknesses[0]].name in summary.text
