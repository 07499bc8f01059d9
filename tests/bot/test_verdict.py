"""Verdict levels and reasons, from signals the tests build by hand."""

from __future__ import annotations

from bot.results import AttemptRate, CommunityEvidence, Takes
from bot.verdict import VerdictRules, combine
from helpers.verdicts import decide, signals
from tests.conftest import claim


def test_showcase_when_only_strengths_shown_and_weaknesses_hidden(tiny_kb):
    v = decide(tiny_kb, "sora", "plants", "food")
    assert v.level == "showcase"
    assert set(v.hidden_weaknesses) == {"talking", "walking", "eating"}
    assert {c.rating for c in v.claims} == {"strength"}
    assert any("talking" in d for d in v.does_not_tell)


def test_stress_test_when_a_weakness_is_shown(tiny_kb):
    v = decide(tiny_kb, "sora", "people", "eating", "food")
    assert v.level == "stress_test"
    assert "eating" in v.reasons[0]
    assert "eating" not in v.hidden_weaknesses


def test_unknown_model_or_content_says_what_is_missing(tiny_kb):
    v = decide(tiny_kb, None, "plants")
    assert v.level == "unknown" and "which model" in v.reasons[0]
    v = decide(tiny_kb, "sora")
    assert v.level == "unknown" and "what the clip shows" in v.reasons[0]


def test_mixed_when_nothing_shown_is_rated(tiny_kb):
    v = decide(tiny_kb, "sora-2", "plants")
    assert v.level == "mixed"
    assert any("Nothing in the knowledge base rates" in r for r in v.reasons)


def test_hit_and_miss_without_evidence_is_a_showcase_that_expects_misses(tiny_kb):
    v = decide(tiny_kb, "sora", "basketball")  # inherits "mixed" from sports
    assert v.level == "showcase"
    assert v.reasons[0].startswith("A good take of a shot the model gets only sometimes: expect misses")
    assert v.claims[0].via == "sports"
    assert "rated through sports" in " ".join(v.reasons)


def test_hit_and_miss_with_a_disclosed_first_take_is_representative(tiny_kb):
    v = decide(tiny_kb, "sora", "basketball", takes=Takes(True, 1, "first try", curated=False))
    assert v.level == "representative"
    assert "'first try'" in v.reasons[0]


def test_strengths_without_evidence_are_a_showcase_of_strengths(tiny_kb):
    v = decide(tiny_kb, "runway-gen3", "plants")
    assert v.level == "showcase"
    assert v.reasons[0].startswith("It shows the model's strengths")
    assert "expect misses" not in " ".join(v.reasons)


def test_community_attempts_can_confirm(tiny_kb):
    good = CommunityEvidence(attempts=(AttemptRate("basketball", 10, 7),))
    v = decide(tiny_kb, "sora", "people", "basketball", community=good)
    assert v.level == "representative"
    assert v.reasons[0] == "Community attempts back it up: 7 usable out of 10 tries for what this clip shows."
    few = CommunityEvidence(attempts=(AttemptRate("basketball", 2, 2),))
    assert decide(tiny_kb, "sora", "people", "basketball", community=few).level == "showcase"
    bad = CommunityEvidence(attempts=(AttemptRate("basketball", 10, 1),))
    v = decide(tiny_kb, "sora", "people", "basketball", community=bad,
               takes=Takes(True, 1, "first try", curated=False))
    assert v.level == "showcase"
    assert "Community attempts get 1 usable out of 10 tries at basketball" in " ".join(v.reasons)


def test_a_weakness_shown_stays_a_stress_test_even_when_members_do_well(tiny_kb):
    good = CommunityEvidence(attempts=(AttemptRate("eating", 10, 7), AttemptRate("people", 10, 9)))
    v = decide(tiny_kb, "sora", "people", "eating", community=good)
    assert v.level == "stress_test"
    assert "better than the documented weakness suggests" in " ".join(v.reasons)


def test_curated_claims_outrank_benchmark_claims(tiny_kb):
    v = decide(tiny_kb, "kling-2", "hands")
    assert v.claims[0].rating == "mixed"
    assert combine((claim("x", "y", "strength"), claim("x", "y", "weakness"))) == "mixed"
    assert combine((claim("x", "y", "weakness", "b:1"), claim("x", "y", "weakness", "b:2"))) == "weakness"


def test_generalisation_traps_are_siblings_weakest_first(tiny_kb):
    v = decide(tiny_kb, "sora", "basketball")
    assert set(v.generalization_traps) == {"hockey", "football"}
    assert "people" not in decide(tiny_kb, "sora", "plants").generalization_traps


def test_process_notes(tiny_kb):
    v = decide(tiny_kb, "sora", "plants", takes=Takes(True, 12, "best of 12"))
    assert any("best of 12" in r for r in v.reasons)
    v = decide(tiny_kb, "sora", "plants")
    text = " ".join(v.does_not_tell)
    assert "takes" in text and "workflow" in text and "prompt" in text
    v = decide(tiny_kb, "sora", "plants", workflow="image-to-video", prompt=True)
    text = " ".join(v.does_not_tell)
    assert "workflow" not in text and "prompt is not given" not in text


def test_reasons_cite_sources(tiny_kb):
    v = decide(tiny_kb, "sora", "plants")
    assert any("https://example.org/report" in r for r in v.reasons)
    assert v.claims[0].sources == ("https://example.org/report",)


def test_hidden_weaknesses_name_a_weak_parent_once(tiny_kb):
    kb = tiny_kb
    extra = (*kb.claims, claim("sora", "basketball", "weakness"), claim("sora", "sports", "weakness"))
    from dataclasses import replace

    kb2 = replace(kb, claims=tuple(c for c in extra if (c.model, c.capability) != ("sora", "sports") or
                                   c.rating == "weakness"))
    v = decide(kb2, "sora", "plants")
    assert "sports" in v.hidden_weaknesses and "basketball" not in v.hidden_weaknesses


def test_a_page_that_is_not_a_video_is_said_plainly(tiny_kb):
    v = VerdictRules(tiny_kb).decide(signals(tiny_kb, "sora", "plants"), CommunityEvidence(), page_is_video=False)
    assert any("does not look like a video" in r for r in v.reasons)
    v = VerdictRules(tiny_kb).decide(signals(tiny_kb, "sora", "plants"), CommunityEvidence(), known_platform=False)
    assert any("not a video site I know" in d for d in v.does_not_tell)


# -- issue 9: evidence, the most specific shots, provenance ---------------------------------------------


def test_a_rated_subject_does_not_vouch_for_an_unrated_action(tiny_kb):
    v = decide(tiny_kb, "kling-2", "people", "hockey")  # people is a strength of kling-2, hockey unrated
    assert v.level == "mixed"
    assert v.reasons[0].startswith("Nothing rates Kling 2.x at hockey")
    assert "A rating for people does not vouch for the more specific shot." in v.reasons[0]


def test_a_parent_shown_with_its_child_does_not_decide(tiny_kb):
    rules = VerdictRules(tiny_kb)
    assert rules.decisive(["people", "sports", "hockey"]) == ["hockey"]
    assert rules.decisive(["people", "food"]) == ["people", "food"]  # only subjects: they decide
    assert rules.decisive(["people", "eating", "orbit", "camera_motion"]) == ["eating", "orbit"]


def test_disagreeing_sources_make_it_mixed(tiny_kb):
    from bot.knowledge import KnowledgeBase

    kb = KnowledgeBase(tiny_kb.models, tiny_kb.capabilities,
                       tiny_kb.claims + (claim("runway-gen3", "orbit", "strength"),
                                         claim("runway-gen3", "orbit", "weakness")), version="split")
    v = decide(kb, "runway-gen3", "orbit")
    assert v.level == "mixed"
    assert v.reasons[0].startswith("The sources disagree about orbit for Runway Gen-3")


def test_a_vendor_post_is_a_showcase_even_when_it_says_first_try(tiny_kb):
    from dataclasses import replace

    from bot.results import Provenance

    s = signals(tiny_kb, "sora", "basketball", takes=Takes(True, 1, "first try", curated=False))
    s = replace(s, provenance=Provenance(True, "posted by x.com/openai, an official account of OpenAI"))
    v = VerdictRules(tiny_kb).decide(s, CommunityEvidence())
    assert v.level == "showcase"
    joined = " ".join(v.reasons)
    assert "a vendor's own post is curated by construction" in joined
    assert "a vendor's word about its own showcase is not evidence that it is typical" in joined
    confirmed = CommunityEvidence(attempts=(AttemptRate("basketball", 8, 6),))
    assert VerdictRules(tiny_kb).decide(s, confirmed).level == "representative"


def test_post_production_keeps_a_first_take_a_showcase(tiny_kb):
    from dataclasses import replace

    s = signals(tiny_kb, "sora", "basketball", takes=Takes(True, 1, "first try", curated=False))
    v = VerdictRules(tiny_kb).decide(replace(s, post_production="in post"), CommunityEvidence())
    assert v.level == "showcase"
    assert "It was worked on after generation ('in post')" in " ".join(v.reasons)


def test_best_of_n_is_never_representative(tiny_kb):
    v = decide(tiny_kb, "sora", "basketball", takes=Takes(True, 12, "best of 12", curated=True))
    assert v.level == "showcase"
    assert "The creator says it is the best of 12 takes ('best of 12')." in v.reasons
