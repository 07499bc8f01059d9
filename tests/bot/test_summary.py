"""The template summarizer writes 2-4 sentences that state the computed level."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.results import (
    ClaimView,
    ClipInfo,
    CommunityEvidence,
    ModelSignal,
    Provenance,
    Shown,
    Signals,
    Takes,
    Verdict,
    WorkflowSignal,
)
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


# -- every sentence a member reads, word for word, on verdicts built by hand (the template only phrases) -----

NAMES = {"plants": "Plants", "food": "Food", "eating": "Eating", "walking": "Walking", "talking": "Talking",
         "sports": "Sports", "hands": "Hands", "people": "People"}


def _write(level, *, shown=(), claims=(), hidden=(), traps=(), reasons=("Why.",), model="Sora",
           takes=None, workflow="unknown", prompt=False, vendor=False, names=NAMES):
    sig = Signals(
        model=ModelSignal(model.lower(), model, "caption") if model else None,
        workflow=WorkflowSignal(workflow, None if workflow == "unknown" else "caption"),
        prompt_disclosed=prompt, takes=takes or Takes(), shown=tuple(Shown(c, (c,), c) for c in shown),
        provenance=Provenance(vendor, "posted by x.com/openai" if vendor else None))
    verdict = Verdict(level, tuple(reasons), tuple(ClaimView(c, r, ()) for c, r in claims), tuple(hidden),
                      tuple(traps), ())
    req = SummaryRequest(ClipInfo("u", "u", "web"), sig, verdict, CommunityEvidence(), names)
    return TemplateSummarizer().write(req)


def test_a_showcase_names_each_rating_once_singular_or_plural_and_the_weaknesses_it_hides():
    text = _write("showcase", shown=("plants", "sports", "hands", "eating"),
                  claims=(("plants", "strength"), ("sports", "mixed"), ("hands", "mixed"), ("eating", "weakness")),
                  hidden=("walking", "talking"), workflow="text-to-video", prompt=True,
                  takes=Takes(True, 4, "best of 4", curated=True))
    assert text == (
        "This Sora clip looks like a showcase: the model's strengths, presumed the best of several takes. "
        "It shows Plants (a strength); Sports and Hands (hit and miss); Eating (a weakness) for Sora. "
        "It doesn't show Walking and Talking, where the model is documented as weak. "
        "The creator says it is the best of 4 takes, it is text-to-video, and the prompt is shared.")


def test_plural_ratings_and_a_clip_with_nothing_hidden_and_no_traps():
    text = _write("stress_test", shown=("plants", "food", "sports", "eating", "walking"),
                  claims=(("plants", "strength"), ("food", "strength"), ("sports", "mixed"),
                          ("eating", "weakness"), ("walking", "weakness")))
    assert text == (
        "This Sora clip is a stress test. "
        "It shows Plants and Food (strengths); Sports (hit and miss); Eating and Walking (weaknesses) for Sora. "
        "Nobody said how many takes it took, the workflow is unknown, and the prompt is not shared.")


def test_a_list_of_names_is_cut_after_four_and_generalization_traps_after_three():
    five = ("walking", "talking", "eating", "hands", "people")
    assert "It doesn't show Walking, Talking, Eating, Hands and 1 more, where" in _write(
        "showcase", shown=("plants",), claims=(("plants", "strength"),), hidden=five)
    assert "It doesn't show Walking, Talking, Eating and Hands, where" in _write(
        "showcase", shown=("plants",), claims=(("plants", "strength"),), hidden=five[:4])
    assert "It doesn't show Walking, where" in _write(
        "showcase", shown=("plants",), claims=(("plants", "strength"),), hidden=five[:1])
    traps = _write("mixed", shown=("plants",), claims=(("plants", "strength"),), traps=five[:4])
    assert "It says nothing about Walking, Talking, Eating and 1 more. " in traps
    three = _write("mixed", shown=("plants",), claims=(("plants", "strength"),), traps=five[:3])
    assert "It says nothing about Walking, Talking and Eating. " in three
    # hidden weaknesses win over traps: one sentence, not both
    both = _write("showcase", shown=("plants",), claims=(("plants", "strength"),), hidden=five[:1], traps=five[1:2])
    assert "It doesn't show Walking, where" in both and "says nothing" not in both


def test_a_capability_without_a_display_name_is_shown_by_its_id():
    text = _write("mixed", shown=("plants", "backflip"), claims=(("plants", "strength"), ("backflip", "weakness")),
                  hidden=("cartwheel",))
    assert "It shows Plants (a strength); backflip (a weakness) for Sora. " in text
    assert "It doesn't show cartwheel, where the model is documented as weak. " in text


def test_shown_capabilities_nobody_rated_are_named_as_unrated_for_the_model():
    text = _write("mixed", shown=("plants", "food"), claims=(), workflow="image-to-video")
    assert text == ("This Sora clip is hard to place. It shows Plants and Food, which nobody has rated for Sora yet. "
                    "Nobody said how many takes it took, it is image-to-video, and the prompt is not shared.")


def test_an_unknown_verdict_gives_its_reason_instead_of_what_it_shows():
    text = _write("unknown", shown=("plants",), reasons=("I can't tell which model made it.", "Other."), model=None)
    assert text == ("This clip can't be judged yet. I can't tell which model made it. "
                    "Nobody said how many takes it took, the workflow is unknown, and the prompt is not shared.")


def test_a_representative_clip_rests_on_attempt_reports_unless_the_creator_disclaims_picking():
    reports = "This Sora clip looks representative: members' attempt reports back up the hit rate for what it shows."
    for takes in (Takes(), Takes(True, 4, "best of 4", curated=True), Takes(False, None, "", curated=False)):
        assert _write("representative", shown=("plants",), claims=(("plants", "strength"),),
                      takes=takes).startswith(reports), takes
    first = Takes(True, 1, "first try", curated=False)
    assert _write("representative", shown=("plants",), claims=(("plants", "strength"),), takes=first,
                  vendor=True).startswith(reports)  # the vendor's own channel: its word on takes is no evidence
    assert _write("representative", shown=("plants",), claims=(("plants", "strength"),), takes=first).startswith(
        "This Sora clip looks representative: the creator says it was not picked from many takes.")
