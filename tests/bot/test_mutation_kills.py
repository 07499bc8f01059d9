# ruff: noqa: E501 - the expected texts are written out whole, one per line, so a changed word shows in the diff
"""Tests written to kill mutants that survived `make mutation` in the verdict, signals and classifier modules.

Why a file of its own: each test here pins a behaviour that a one-line mutation changed without any other
test noticing. They assert what a member reads (the level, every reason and "does not tell" line word for
word, the claims shown, the traps and hidden weaknesses), from signals built by hand on the tiny knowledge
base, so a reworded or reordered line, a lost branch or a swapped joiner fails here.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import pytest

from bot.results import AttemptRate, CommunityEvidence, ModelSignal, Provenance, Shown, Signals, Takes, WorkflowSignal
from bot.verdict import VerdictRules, combine, disputed
from tests.conftest import claim, make_tiny_kb

KB = make_tiny_kb()
FIRST_TRY = Takes(True, 1, "first try", False)
KLING_SITE = Provenance(True, "posted on klingai.com")
NO_TAKES, NOWHERE = Takes(), Provenance()


def sig(model: str | None, *shown: str, takes: Takes = NO_TAKES, workflow: str = "unknown", prompt: bool = False,
        provenance: Provenance = NOWHERE, post: str = "", others: tuple[str, ...] = ()) -> Signals:
    m = KB.model_by_id[model] if model else None
    return Signals(ModelSignal(m.id, m.name, "caption") if m else None, WorkflowSignal(workflow, None), prompt, takes,
                   tuple(Shown(c, KB.path(c), c) for c in shown), others, provenance, post)


def attempts(*rates: tuple[str, int, int]) -> CommunityEvidence:
    return CommunityEvidence(attempts=tuple(AttemptRate(c, t, u) for c, t, u in rates))


SPLIT_KB = dataclasses.replace(KB, claims=KB.claims + (claim("runway-gen3", "walking", "strength"),
                                                       claim("runway-gen3", "walking", "weakness")))

# name -> (signals, community evidence, knowledge base, decide() keywords)
SCENARIOS: dict[str, tuple[Signals, CommunityEvidence, Any, dict[str, Any]]] = {
    "a": (sig("sora", "plants", "food"), CommunityEvidence(), KB, {}),
    "b": (sig("sora", "eating"), attempts(("eating", 10, 8)), KB, {}),
    "c": (sig(None), CommunityEvidence(), KB, {"page_is_video": False}),
    "c2": (sig(None, "plants"), CommunityEvidence(), KB, {"known_platform": False}),
    "d": (sig("kling-2", "people", "hockey"), CommunityEvidence(), KB, {}),
    "e": (sig("kling-2", "hockey", provenance=KLING_SITE, takes=FIRST_TRY), CommunityEvidence(), KB, {}),
    "f": (sig("runway-gen3", "walking"), CommunityEvidence(), SPLIT_KB, {}),
    "g1": (sig("sora", "basketball", takes=FIRST_TRY), CommunityEvidence(), KB, {}),
    "g2": (sig("runway-gen3", "plants", takes=FIRST_TRY), CommunityEvidence(), KB, {}),
    "g3": (sig("kling-2", "eating", "hands", takes=Takes(True, None, "no cherry-picking", False)), CommunityEvidence(),
           KB, {}),
    "g4": (sig("sora", "plants", "food", takes=Takes(True, 1, "one shot", False)), CommunityEvidence(), KB, {}),
    "h": (sig("sora", "basketball"), attempts(("basketball", 10, 2)), KB, {}),
    "i": (sig("sora", "basketball", takes=FIRST_TRY, post="rotoscoped in post", workflow="text-to-video", prompt=True,
              others=("kling-2", "nobody")), CommunityEvidence(), KB, {}),
    "j": (sig("kling-2", "eating", provenance=KLING_SITE), CommunityEvidence(), KB, {}),
    "k": (sig("sora", "hockey", "orbit"), attempts(("hockey", 6, 3), ("orbit", 5, 5)), KB, {}),
}


class Expected(NamedTuple):
    level: str
    reasons: tuple[str, ...]
    claims: tuple[tuple[str, str, tuple[str, ...], str | None], ...]
    hidden: tuple[str, ...]
    traps: tuple[str, ...]
    does_not_tell: tuple[str, ...]


EXPECTED = {
    'a': Expected(
        'showcase',
        reasons=(
            "It shows the model's strengths (plants, food for Sora), and it avoids the model's documented weaknesses (talking, walking, eating): presume it is the best of several takes until someone shows it is typical.",
            'Plants is a strength for Sora [https://example.org/report, 2025-01-01].',
            'Food is a strength for Sora [https://example.org/report, 2025-01-01].',
        ),
        claims=(('plants', 'strength', ('plants is strength',), None), ('food', 'strength', ('food is strength',), None)),
        hidden=('talking', 'walking', 'eating'), traps=(),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'How Sora does at talking, walking, eating: documented weaknesses this clip does not show.',
        ),
    ),
    'b': Expected(
        'stress_test',
        reasons=(
            'It shows eating, where Sora is documented as weak: worth attention if it really works, and worth asking how many takes it needed.',
            'Community attempts back it up: 8 usable out of 10 tries for what this clip shows. That is better than the documented weakness suggests.',
            'Eating is a weakness for Sora [https://example.org/report, 2025-01-01].',
        ),
        claims=(('eating', 'weakness', ('eating is weakness',), None),),
        hidden=('talking', 'walking'), traps=(),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'How Sora does at talking, walking: documented weaknesses this clip does not show.',
        ),
    ),
    'c': Expected(
        'unknown',
        reasons=(
            "I can't tell which model made it (the link, title and caption name none; give it with --model or the model option) or what the clip shows (no kind of shot I know is named in the title or caption; add a caption that describes it).",
            'The linked page does not look like a video (it declares no video), so this judges the words around it, not a clip.',
        ),
        claims=(),
        hidden=(), traps=(),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'Without the model and the content, this clip says nothing about any model.',
        ),
    ),
    'c2': Expected(
        'unknown',
        reasons=(
            "I can't tell which model made it (the link, title and caption name none; give it with --model or the model option).",
        ),
        claims=(),
        hidden=(), traps=(),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'Anything the site itself says: it is not a video site I know, so only the words given were read.',
            'Without the model and the content, this clip says nothing about any model.',
        ),
    ),
    'd': Expected(
        'mixed',
        reasons=(
            "Nothing rates Kling 2.x at hockey, so this can't say whether it is the model at its best or its usual. A rating for people does not vouch for the more specific shot.",
            'People is a strength for Kling 2.x [https://example.org/report, 2025-01-01].',
            'Nothing in the knowledge base rates Kling 2.x at hockey.',
        ),
        claims=(('people', 'strength', ('people is strength',), None),),
        hidden=(), traps=('basketball', 'football'),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'Anything about neighbouring kinds of shot (basketball, football): one working example does not carry over to its siblings.',
        ),
    ),
    'e': Expected(
        'showcase',
        reasons=(
            "It comes from the vendor itself (posted on klingai.com): a vendor's own post is curated by construction, the best of many takes.",
            "The post says it is uncurated, but a vendor's word about its own showcase is not evidence that it is typical.",
            "Nothing rates Kling 2.x at hockey, so this can't say whether it is the model at its best or its usual.",
            "The creator says it is a first take ('first try').",
            'Nothing in the knowledge base rates Kling 2.x at hockey.',
        ),
        claims=(),
        hidden=(), traps=('basketball', 'football'),
        does_not_tell=(
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'Anything about neighbouring kinds of shot (basketball, football): one working example does not carry over to its siblings.',
        ),
    ),
    'f': Expected(
        'mixed',
        reasons=(
            "The sources disagree about walking for Runway Gen-3, so this can't say whether it is the model at its best or its usual.",
            'Walking is hit and miss for Runway Gen-3 [https://example.org/report, 2025-01-01].',
        ),
        claims=(('walking', 'mixed', ('walking is strength', 'walking is weakness'), None),),
        hidden=(), traps=(),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
        ),
    ),
    'g1': Expected(
        'representative',
        reasons=(
            "Evidence that it is typical: the creator says it was not picked from many takes ('first try'), and basketball is hit and miss for Sora: a fair sample of what the model does.",
            'Basketball is hit and miss for Sora (rated through sports) [https://example.org/report, 2025-01-01].',
        ),
        claims=(('basketball', 'mixed', ('sports is mixed',), 'sports'),),
        hidden=('talking', 'walking', 'eating'), traps=('hockey', 'football'),
        does_not_tell=(
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'How Sora does at talking, walking, eating: documented weaknesses this clip does not show.',
            'Anything about neighbouring kinds of shot (hockey, football): one working example does not carry over to its siblings.',
        ),
    ),
    'g2': Expected(
        'representative',
        reasons=(
            "Evidence that it is typical: the creator says it was not picked from many takes ('first try'), and plants is a strength for Runway Gen-3: a fair sample of what the model does.",
            'Plants is a strength for Runway Gen-3 [https://example.org/report, 2025-01-01].',
        ),
        claims=(('plants', 'strength', ('plants is strength',), None),),
        hidden=(), traps=(),
        does_not_tell=(
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
        ),
    ),
    'g3': Expected(
        'representative',
        reasons=(
            "Evidence that it is typical: the creator says it was not picked from many takes ('no cherry-picking'), and eating, hands are rated strength or hit and miss for Kling 2.x: a fair sample of what the model does.",
            'Eating is a strength for Kling 2.x [https://example.org/report, 2025-01-01].',
            'Hands is hit and miss for Kling 2.x [https://example.org/report, 2025-01-01].',
        ),
        claims=(('eating', 'strength', ('eating is strength',), None), ('hands', 'mixed', ('hands is mixed', 'hands is weakness'), None)),
        hidden=(), traps=(),
        does_not_tell=(
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
        ),
    ),
    'g4': Expected(
        'representative',
        reasons=(
            "Evidence that it is typical: the creator says it was not picked from many takes ('one shot'), and plants, food are strengths for Sora: a fair sample of what the model does.",
            'Plants is a strength for Sora [https://example.org/report, 2025-01-01].',
            'Food is a strength for Sora [https://example.org/report, 2025-01-01].',
        ),
        claims=(('plants', 'strength', ('plants is strength',), None), ('food', 'strength', ('food is strength',), None)),
        hidden=('talking', 'walking', 'eating'), traps=(),
        does_not_tell=(
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'How Sora does at talking, walking, eating: documented weaknesses this clip does not show.',
        ),
    ),
    'h': Expected(
        'showcase',
        reasons=(
            'A good take of a shot the model gets only sometimes: expect misses (basketball is hit and miss for Sora).',
            'Community attempts get 2 usable out of 10 tries at basketball: expect fewer hits than this clip suggests.',
            'Basketball is hit and miss for Sora (rated through sports) [https://example.org/report, 2025-01-01].',
        ),
        claims=(('basketball', 'mixed', ('sports is mixed',), 'sports'),),
        hidden=('talking', 'walking', 'eating'), traps=('hockey', 'football'),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'How Sora does at talking, walking, eating: documented weaknesses this clip does not show.',
            'Anything about neighbouring kinds of shot (hockey, football): one working example does not carry over to its siblings.',
        ),
    ),
    'i': Expected(
        'showcase',
        reasons=(
            'A good take of a shot the model gets only sometimes: expect misses (basketball is hit and miss for Sora).',
            "The creator says it is one take, but it was also worked on after generation, so it is not the model's output alone.",
            "The creator says it is a first take ('first try').",
            "It was worked on after generation ('rotoscoped in post'): part of what you see is not the model's output.",
            'The text also names Kling 2.x; the verdict is about the first model named.',
            'Basketball is hit and miss for Sora (rated through sports) [https://example.org/report, 2025-01-01].',
        ),
        claims=(('basketball', 'mixed', ('sports is mixed',), 'sports'),),
        hidden=('talking', 'walking', 'eating'), traps=('hockey', 'football'),
        does_not_tell=(
            'How Sora does at talking, walking, eating: documented weaknesses this clip does not show.',
            'Anything about neighbouring kinds of shot (hockey, football): one working example does not carry over to its siblings.',
        ),
    ),
    'j': Expected(
        'showcase',
        reasons=(
            "It comes from the vendor itself (posted on klingai.com): a vendor's own post is curated by construction, the best of many takes.",
            "It shows the model's strengths (eating for Kling 2.x): presume it is the best of several takes until someone shows it is typical.",
            'Eating is a strength for Kling 2.x [https://example.org/report, 2025-01-01].',
        ),
        claims=(('eating', 'strength', ('eating is strength',), None),),
        hidden=(), traps=(),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
        ),
    ),
    'k': Expected(
        'representative',
        reasons=(
            'Community attempts back it up: 8 usable out of 11 tries for what this clip shows.',
            'Hockey is hit and miss for Sora (rated through sports) [https://example.org/report, 2025-01-01].',
            'Nothing in the knowledge base rates Sora at orbit.',
        ),
        claims=(('hockey', 'mixed', ('sports is mixed',), 'sports'),),
        hidden=('talking', 'walking', 'eating'), traps=('basketball', 'football'),
        does_not_tell=(
            'How many takes it took: nobody said, so assume it is the best of several.',
            'The workflow: nobody said whether it started from text, an image or another video.',
            "What was asked for: the prompt is not given, so you can't compare intent with result.",
            'How Sora does at talking, walking, eating: documented weaknesses this clip does not show.',
            'Anything about neighbouring kinds of shot (basketball, football): one working example does not carry over to its siblings.',
        ),
    ),

}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_line_of_the_verdict_word_for_word(name: str) -> None:
    signals, community, kb, keywords = SCENARIOS[name]
    v = VerdictRules(kb).decide(signals, community, **keywords)
    want = EXPECTED[name]
    assert v.level == want.level
    assert v.reasons == want.reasons
    assert tuple((c.capability, c.rating, c.notes, c.via) for c in v.claims) == want.claims
    assert all(c.sources == ("https://example.org/report",) for c in v.claims)
    assert v.hidden_weaknesses == want.hidden
    assert v.generalization_traps == want.traps
    assert v.does_not_tell == want.does_not_tell


# -- combine and disputed: curated claims outrank derived ones, disagreement is "mixed" ----------------------


def derived(model: str, capability: str, rating: str) -> Any:
    return claim(model, capability, rating, derived_from="vbench2:x")


@pytest.mark.parametrize(
    ("claims", "rating", "split"),
    [
        ((claim("m", "c", "strength"),), "strength", False),
        ((claim("m", "c", "strength"), derived("m", "c", "weakness")), "strength", False),
        ((claim("m", "c", "strength"), claim("m", "c", "strength"), derived("m", "c", "weakness"),
          derived("m", "c", "mixed")), "strength", False),
        ((claim("m", "c", "strength"), claim("m", "c", "weakness"), derived("m", "c", "strength")), "mixed", True),
        ((derived("m", "c", "weakness"),), "weakness", False),
        ((derived("m", "c", "weakness"), derived("m", "c", "strength")), "mixed", True),
    ],
)
def test_curated_claims_outrank_derived_ones_and_disagreement_is_mixed(claims, rating: str, split: bool) -> None:
    assert combine(claims) == rating
    assert disputed(claims) is split


# -- rating_for: inherited from the nearest rated ancestor below the root, never from the root -------------


def with_claims(*extra: Any) -> Any:
    return dataclasses.replace(KB, claims=KB.claims + extra)


def test_a_root_rating_is_not_inherited_but_rates_the_root_itself() -> None:
    kb = with_claims(claim("runway-gen3", "camera", "weakness"))
    rules = VerdictRules(kb)
    assert rules.rating_for("runway-gen3", "orbit") is None
    rated = rules.rating_for("runway-gen3", "camera")
    assert (rated.capability, rated.rating, rated.via) == ("camera", "weakness", None)


def test_the_nearest_rated_ancestor_wins() -> None:
    kb = with_claims(claim("runway-gen3", "camera_motion", "mixed"), claim("runway-gen3", "orbit", "strength"))
    rules = VerdictRules(kb)
    assert (rules.rating_for("runway-gen3", "orbit").rating, rules.rating_for("runway-gen3", "orbit").via) == (
        "strength", None)
    kb = with_claims(claim("runway-gen3", "camera_motion", "mixed"))
    rated = VerdictRules(kb).rating_for("runway-gen3", "orbit")
    assert (rated.rating, rated.via) == ("mixed", "camera_motion")


# -- the citation in a rating reason ------------------------------------------------------------------------


def test_an_undated_source_is_cited_without_a_date_and_a_sourceless_claim_without_brackets() -> None:
    from bot.knowledge import Claim, Source

    undated = Claim("runway-gen3", "walking", "strength", note="", sources=(Source("https://example.org/u", ""),))
    v = VerdictRules(with_claims(undated)).decide(sig("runway-gen3", "walking"), CommunityEvidence())
    assert "Walking is a strength for Runway Gen-3 [https://example.org/u]." in v.reasons
    assert v.claims[0].notes == ()  # an empty note is not shown
    bare = Claim("runway-gen3", "walking", "weakness", note="n", sources=())
    v = VerdictRules(with_claims(bare)).decide(sig("runway-gen3", "walking"), CommunityEvidence())
    assert "Walking is a weakness for Runway Gen-3." in v.reasons
    assert v.claims[0].sources == ()


# -- hidden weaknesses and traps ----------------------------------------------------------------------------


def test_a_weak_parent_stands_for_its_weak_children_among_hidden_weaknesses() -> None:
    kb = with_claims(claim("runway-gen3", "sports", "weakness"), claim("runway-gen3", "hockey", "weakness"),
                     claim("runway-gen3", "talking", "weakness"))
    v = VerdictRules(kb).decide(sig("runway-gen3", "plants"), CommunityEvidence())
    assert v.hidden_weaknesses == ("talking", "sports")  # tree order; hockey is covered by sports
    # a shown ancestor hides its weak descendants' parent line too: showing sports shows hockey's family
    v = VerdictRules(kb).decide(sig("runway-gen3", "plants", "basketball"), CommunityEvidence())
    assert v.hidden_weaknesses == ("talking", "hockey")


def test_traps_come_only_from_families_below_a_top_level_kind_and_stop_at_eight() -> None:
    from bot.knowledge import Capability, KnowledgeBase

    many = tuple(Capability(id=f"trick{i}", name=f"trick {i}", parent="sports", terms=(f"trick{i}",))
                 for i in range(10))
    kb = KnowledgeBase(KB.models, KB.capabilities + many,
                       KB.claims + (claim("runway-gen3", "trick9", "weakness"), claim("runway-gen3", "trick8", "mixed"),
                                    claim("runway-gen3", "trick0", "strength")), version="many")
    v = VerdictRules(kb).decide(sig("runway-gen3", "basketball"), CommunityEvidence())
    assert v.generalization_traps == ("trick9", "trick8", "hockey", "football", "trick1", "trick2", "trick3",
                                      "trick4")
    assert len(v.generalization_traps) == 8
    # people's siblings (animals, food ...) are not one family of skill: no traps from a top-level kind
    assert VerdictRules(kb).decide(sig("kling-2", "people"), CommunityEvidence()).generalization_traps == ()


def test_an_inherited_rating_does_not_rank_a_trap() -> None:
    """Hockey inherits 'weakness' from sports; only its own rating would put it first."""
    kb = with_claims(claim("runway-gen3", "sports", "weakness"), claim("runway-gen3", "football", "mixed"))
    v = VerdictRules(kb).decide(sig("runway-gen3", "basketball"), CommunityEvidence())
    assert v.generalization_traps == ("football", "hockey")


# -- community thresholds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usable", "level", "lead"),
    [
        (5, "representative", "Community attempts back it up: 5 usable out of 10 tries for what this clip shows."),
        (4, "showcase", "Community attempts get 4 usable out of 10 tries at basketball: expect fewer hits than this "
                        "clip suggests."),
    ],
)
def test_half_the_tries_usable_confirms_and_less_refutes(usable: int, level: str, lead: str) -> None:
    v = VerdictRules(KB).decide(sig("sora", "basketball"), attempts(("basketball", 10, usable)))
    assert v.level == level
    assert lead in v.reasons


def test_the_communitys_own_rule_can_withhold_a_confirmation() -> None:
    held = CommunityEvidence(attempts=(AttemptRate("basketball", 10, 7, confirms=False),))
    v = VerdictRules(KB).decide(sig("sora", "basketball"), held)
    assert v.level == "showcase"
    assert not any(r.startswith("Community attempts") for r in v.reasons)
    ok = CommunityEvidence(attempts=(AttemptRate("basketball", 10, 7, confirms=True),))
    assert VerdictRules(KB).decide(sig("sora", "basketball"), ok).level == "representative"


def test_attempts_at_a_kind_that_does_not_decide_are_ignored() -> None:
    """People is a bare subject beside basketball: low hit rates reported for people refute nothing."""
    v = VerdictRules(KB).decide(sig("sora", "people", "basketball"), attempts(("people", 10, 1)))
    assert not any("Community attempts" in r for r in v.reasons)


def test_low_rates_are_summed_over_every_low_kind() -> None:
    v = VerdictRules(KB).decide(sig("sora", "basketball", "hockey"), attempts(("basketball", 10, 2), ("hockey", 6, 1)))
    assert ("Community attempts get 3 usable out of 16 tries at basketball, hockey: expect fewer hits than this clip "
            "suggests.") in v.reasons


# -- decisive: the most specific kinds of shot -----------------------------------------------------------


@pytest.mark.parametrize(
    ("shown", "decisive"),
    [
        (["sports", "hockey"], ["hockey"]),
        (["people", "eating"], ["eating"]),
        (["people", "food"], ["people", "food"]),
        (["people"], ["people"]),
        (["camera", "orbit", "camera_motion"], ["orbit"]),
        (["hockey", "football"], ["hockey", "football"]),
    ],
)
def test_the_most_specific_kinds_of_shot_decide(shown: list[str], decisive: list[str]) -> None:
    assert VerdictRules(KB).decisive(shown) == decisive


def test_an_unknown_capability_is_named_by_its_id() -> None:
    assert VerdictRules(KB).name("ghost_shot") == "ghost_shot"
    assert VerdictRules(KB).name("camera_motion") == "camera motion"


def test_a_rating_on_the_root_does_not_reach_a_top_level_kind() -> None:
    """People sits right under the root `subjects`: a claim on `subjects` must not rate it."""
    kb = with_claims(claim("runway-gen3", "subjects", "weakness"))
    assert VerdictRules(kb).rating_for("runway-gen3", "people") is None
    assert VerdictRules(kb).rating_for("runway-gen3", "subjects").rating == "weakness"


def test_every_unrated_kind_and_every_other_model_is_named_in_one_line() -> None:
    v = VerdictRules(KB).decide(sig("sora-2", "plants", "food", others=("kling-2", "runway-gen3")),
                                CommunityEvidence())
    assert "Nothing in the knowledge base rates Sora 2 at plants, food." in v.reasons
    assert "The text also names Kling 2.x, Runway Gen-3; the verdict is about the first model named." in v.reasons


def test_a_verdict_cites_how_the_models_famous_demo_was_made() -> None:
    from bot.knowledge import Demo

    demos = (Demo("runway-gen3", "Big Demo", "About 700 clips generated, 55 used.", "https://example.org/m",
                  "2024-05", "the makers"),
             Demo("runway-gen3", "Second Demo", "Fifty takes.", "https://example.org/n", "", "press"),
             Demo("sora", "Other Model's Demo", "Not this one.", "https://example.org/o", "", "press"))
    kb = dataclasses.replace(KB, demos=demos)
    v = VerdictRules(kb).decide(sig("runway-gen3", "plants"), CommunityEvidence())
    assert ("How a famous Runway Gen-3 demo was made: Big Demo: About 700 clips generated, 55 used "
            "(source: https://example.org/m, 2024-05). (1 more in the Runway Gen-3 model report)") in v.reasons
    assert not any("Other Model's Demo" in r for r in v.reasons)


def test_a_vendor_post_that_names_its_takes_gets_no_uncurated_caveat() -> None:
    v = VerdictRules(KB).decide(sig("kling-2", "eating", provenance=KLING_SITE,
                                    takes=Takes(True, 10, "best of 10", True)), CommunityEvidence())
    assert v.level == "showcase"
    assert not any("says it is uncurated" in r for r in v.reasons)


def test_two_hit_and_miss_kinds_are_plural() -> None:
    v = VerdictRules(KB).decide(sig("sora", "basketball", "hockey"), CommunityEvidence())
    assert v.reasons[0] == ("A good take of a shot the model gets only sometimes: expect misses "
                            "(basketball, hockey are hit and miss for Sora).")


def test_post_production_alone_gets_no_one_take_caveat() -> None:
    v = VerdictRules(KB).decide(sig("sora", "basketball", post="composited"), CommunityEvidence())
    assert not any(r.startswith("The creator says it is one take") for r in v.reasons)
    assert "It was worked on after generation ('composited'): part of what you see is not the model's output." \
        in v.reasons


def test_a_claim_on_a_capability_the_tree_lacks_sorts_last_among_hidden_weaknesses() -> None:
    """A community's retired capability can leave claims behind; the list must still sort (and put it last)."""
    from bot.knowledge import Capability, KnowledgeBase

    filler = tuple(Capability(id=f"filler{i}", name=f"filler {i}", parent="camera", terms=(f"filler{i}",))
                   for i in range(70))  # more kinds than 10 * 6: a stand-in rank of 60 would land mid-list
    kb = KnowledgeBase(KB.models, KB.capabilities + filler,
                       (claim("runway-gen3", "ghost", "weakness"), claim("runway-gen3", "filler69", "weakness"),
                        claim("runway-gen3", "talking", "weakness"), claim("runway-gen3", "plants", "strength")),
                       version="ghost")
    v = VerdictRules(kb).decide(sig("runway-gen3", "plants"), CommunityEvidence())
    assert v.hidden_weaknesses == ("talking", "filler69", "ghost")


def test_a_kind_shown_twice_over_is_one_trap() -> None:
    """Basketball and hockey share football as a sibling: it is listed once."""
    v = VerdictRules(KB).decide(sig("sora", "basketball", "hockey"), CommunityEvidence())
    assert v.generalization_traps == ("football",)


@pytest.mark.parametrize(
    ("hockey", "football", "traps"),
    [
        ("mixed", None, ("hockey", "football")),
        (None, "mixed", ("football", "hockey")),
        ("strength", None, ("football", "hockey")),
        (None, "strength", ("hockey", "football")),
        ("weakness", "mixed", ("hockey", "football")),
        ("mixed", "weakness", ("football", "hockey")),
    ],
)
def test_traps_rank_weakness_then_mixed_then_unrated_then_strength(hockey, football, traps) -> None:
    extra = tuple(claim("runway-gen3", cap, r) for cap, r in (("hockey", hockey), ("football", football)) if r)
    v = VerdictRules(with_claims(*extra)).decide(sig("runway-gen3", "basketball"), CommunityEvidence())
    assert v.generalization_traps == traps


# -- signals: naming a model explicitly, and workflows -------------------------------------------------------


def matcher():  # type: ignore[no-untyped-def]
    from bot.signals import ModelMatcher

    return ModelMatcher(KB)


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("Gen-3 Alpha", "runway-gen3"),  # an alias, compared on letters and digits only
        ("  SORA  ", "sora"),
        (" sora2 ", "sora-2"),
        ("kling-2", "kling-2"),  # the id itself
        ("Kling 2.x", "kling-2"),  # the display name
        ("kling 2.1 pro", "kling-2"),  # one alias found, long enough a share of what was typed
        ("kling 2.1 abcde", "kling-2"),  # 9 of 15 characters: exactly 0.6
    ],
)
def test_an_explicit_model_name_resolves(name: str, model: str) -> None:
    assert matcher().resolve(name).id == model


@pytest.mark.parametrize(
    ("name", "message", "suggestions"),
    [
        ("Sorra", "I don't know a model called 'Sorra'. Did you mean Sora, Sora 2?", ["Sora", "Sora 2"]),
        ("Runwy Gen 3", "I don't know a model called 'Runwy Gen 3'. Did you mean Runway Gen-3?", ["Runway Gen-3"]),
        ("gen 4", "I don't know a model called 'gen 4'. Try /model to list them.", []),
        ("sora or kling", "I don't know a model called 'sora or kling'. Try /model to list them.", []),
        ("kling 2.1 abcdef", "I don't know a model called 'kling 2.1 abcdef'. Did you mean Kling 2.x?", ["Kling 2.x"]),
        ("  " + "x" * 100, "I don't know a model called '" + "x" * 80 + "'. Try /model to list them.", []),
    ],
)
def test_an_unknown_model_name_is_refused_with_close_names(name: str, message: str, suggestions: list[str]) -> None:
    from bot.signals import UnknownModel

    with pytest.raises(UnknownModel) as err:
        matcher().resolve(name)
    assert str(err.value) == message
    assert err.value.suggestions == suggestions
    assert err.value.name == name.strip()[:80]


def test_at_most_three_close_names_are_suggested() -> None:
    from bot.knowledge import Model
    from bot.signals import ModelMatcher, UnknownModel

    models = tuple(Model(f"m{i}", f"Vidgen {i}", "V", aliases=(f"vidgen {i}",)) for i in range(5))
    kb = dataclasses.replace(KB, models=models, claims=())
    with pytest.raises(UnknownModel) as err:
        ModelMatcher(kb).resolve("Vidgen")
    assert len(err.value.suggestions) == 3


@pytest.mark.parametrize(
    ("typed", "workflow"),
    [
        ("text-to-video", "text-to-video"), ("T2V", "text-to-video"), ("text", "text-to-video"),
        ("Text To Video", "text-to-video"),
        ("image-to-video", "image-to-video"), ("i2v", "image-to-video"), ("image", "image-to-video"),
        ("img2vid", "image-to-video"),
        ("video-to-video", "video-to-video"), ("v2v", "video-to-video"), ("video", "video-to-video"),
        ("vid2vid", "video-to-video"),
    ],
)
def test_every_spelling_of_a_workflow_is_normalised(typed: str, workflow: str) -> None:
    from bot.signals import normalise_workflow

    assert normalise_workflow(typed) == workflow


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("text to 3d", "'text to 3d' is not a workflow I know: use one of text-to-video, image-to-video, "
                       "video-to-video."),
        ("  " + "a" * 50 + "  ", f"{'a' * 40!r} is not a workflow I know: use one of text-to-video, image-to-video, "
                                 "video-to-video."),
    ],
)
def test_an_unknown_workflow_is_refused_naming_the_three(typed: str, message: str) -> None:
    from bot.signals import UnknownWorkflow, normalise_workflow

    with pytest.raises(UnknownWorkflow) as err:
        normalise_workflow(typed)
    assert str(err.value) == message


# -- signals: which of a vendor's sites the provenance names, and rotoscoping in post -----------------------


@pytest.mark.parametrize(
    ("sites", "url", "where"),
    [
        (("vendor.test/x", "app.vendor.test"), "https://app.vendor.test/x/1", "app.vendor.test"),  # longest entry
        (("vendor.test", "vendor.test/models/vid"), "https://vendor.test/models/vid/1", "vendor.test/models/vid"),
        (("WWW.Vendor.test",), "https://www.vendor.test/v/1", "www.vendor.test"),
        (("vendor.test/models",), "https://cdn.vendor.test/models/1", "vendor.test/models"),
    ],
)
def test_the_provenance_names_the_vendor_site_entry_the_link_is_on(sites, url: str, where: str) -> None:
    from bot.knowledge import Model
    from bot.signals import ModelMatcher, ProvenanceDetector

    kb = dataclasses.replace(KB, models=(Model("vid", "Vid One", "Vendor Inc", aliases=("vid one",), sites=sites),))
    models = ModelMatcher(kb)
    site = models.from_url(url)
    assert site is not None and site.id == "vid"
    found = ProvenanceDetector(kb, models).detect(url, None, None, site=site)
    assert found == Provenance(True, f"the link is on {where}, Vendor Inc's own site")


@pytest.mark.parametrize(
    ("caption", "workflow"),
    [
        ("rotoscoped the dancer over my footage. Grade done in post", ("video-to-video", "rotoscoped")),
        ("rotoscoped in post", None),
        ("rotoscoped" + " x" * 16 + " in post", None),  # "in post" ends 40 characters after the word: same clause
        ("rotoscoped" + " x" * 16 + "  in post", ("video-to-video", "rotoscoped")),  # 41: out of reach
        ("hand-rotoscoped dancer", None),
    ],
)
def test_rotoscoping_counts_as_compositing_only_when_post_is_near(caption: str, workflow) -> None:
    from bot.signals import detect_workflow

    assert detect_workflow(caption) == workflow


@pytest.mark.parametrize(
    ("caption", "workflow"),
    [
        ("not img2vid at first, then img2vid from a still", ("image-to-video", "img2vid")),  # the later, plain cue
        ("rotoscoped in post, then restyled", ("video-to-video", "restyled")),  # compositing skipped, not the rest
    ],
)
def test_a_negated_or_composited_cue_does_not_hide_a_later_one(caption: str, workflow) -> None:
    from bot.signals import detect_workflow

    assert detect_workflow(caption) == workflow


def test_a_line_break_ends_the_clause_a_negation_reaches() -> None:
    from bot.signals import is_negated

    assert is_negated("not Sora made this", 4) is True
    assert is_negated("not\nSora made this", 4) is False


RUNWAY = dataclasses.replace(KB.model_by_id["runway-gen3"], vendor="Runway", official_accounts=("x.com/runwayml",))


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("x.com/runwayml/status/1790000000000000001", True),  # pasted without a scheme
        ("https://x.com/i/runwayml", True),  # "i" is not a handle: the next segment is read
        ("https://x.com/i/status/runwayml", False),  # only the first two segments can name the account
        ("https://x.com/someone/status/1", False),
    ],
)
def test_an_official_account_is_read_from_the_pasted_link(url: str, found: bool) -> None:
    from bot.signals import ModelMatcher, ProvenanceDetector

    kb = dataclasses.replace(KB, models=tuple(RUNWAY if m.id == "runway-gen3" else m for m in KB.models))
    got = ProvenanceDetector(kb, ModelMatcher(kb)).detect("https://x.com/post/1", url, None, site=None,
                                                          platform="x")
    want = Provenance(True, "posted by x.com/runwayml, an official account of Runway") if found else Provenance()
    assert got == want


# -- classifier: Chinese and Japanese captions (substrings), quoted lettering ---------------------------------


def cjk_classifier():  # type: ignore[no-untyped-def]
    from bot.classifier import CapabilityClassifier
    from bot.knowledge import Capability, KnowledgeBase

    caps = (Capability("subjects", "subjects", None), Capability("food", "food", "subjects", terms=("zh: 热狗",)),
            Capability("animals", "animals", "subjects", terms=("zh: 狗", "zh: 猫", "ja: 犬", "zh: vlog"),
                       not_terms=("zh: 热狗",)))
    return CapabilityClassifier(KnowledgeBase((), caps, (), version="cjk"))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("狗在公园里跑", [("animals", 0, 1, "狗")]),  # at the very start
        ("一只狗和一只狗狗", [("animals", 2, 3, "狗"), ("animals", 6, 7, "狗"), ("animals", 7, 8, "狗")]),
        ("热狗和一只猫在桌上", [("food", 0, 2, "热狗"), ("animals", 5, 6, "猫")]),  # hot dog is food, not a dog
        ("热狗狗在桌上", [("food", 0, 2, "热狗"), ("animals", 2, 3, "狗")]),  # the dog right after the hot dog
        ("狗热狗在桌上", [("animals", 0, 1, "狗"), ("food", 1, 3, "热狗")]),  # and right before it
        ("我的VLOG日常记录", [("animals", 2, 6, "VLOG")]),  # Latin letters in the term match in any case
        ("かわいい犬です", [("animals", 4, 5, "犬")]),  # kana: Japanese terms
    ],
)
def test_cjk_terms_are_found_as_substrings_with_their_positions(text: str, found) -> None:
    got = [(m.capability, m.start, m.end, m.evidence) for m in cjk_classifier().matches(text)]
    assert got == found


def quote_classifier():  # type: ignore[no-untyped-def]
    from bot.classifier import CapabilityClassifier
    from bot.knowledge import Capability, KnowledgeBase

    caps = (Capability("subjects", "subjects", None),
            Capability("animals", "animals", "subjects", terms=("dog", "cat")),
            Capability("text_rendering", "text", None, terms=("{quote} sign",)))
    return CapabilityClassifier(KnowledgeBase((), caps, (), version="q"))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('a "HOT DOG" sign', ["text_rendering"]),  # the lettering shows no dog
        ('a "happy" day, a "HOT DOG" sign', ["text_rendering"]),  # an earlier quote does not stop the search
        ('a "DOG" barking next to an "EXIT" sign', ["animals", "text_rendering"]),  # only the sign's quote is lettering
        ('a neon "OPEN" cat sign', ["text_rendering", "animals"]),  # the word after the quote is read
    ],
)
def test_only_the_quoted_words_of_a_sign_are_lettering(text: str, shown: list[str]) -> None:
    assert [c for c, _ in quote_classifier().classify(text)] == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a pack of dogs", ["animals"]),  # "of" alone negates nothing
        ("a free happy dog", ["animals"]),  # nor does "free" without "of"
        ("free of dogs", []),
        ("a room free of any dog", []),
    ],
)
def test_free_of_negates_but_its_words_alone_do_not(text: str, shown: list[str]) -> None:
    assert [c for c, _ in quote_classifier().classify(text)] == shown


@pytest.mark.parametrize(("text", "shown"), [("take number 5 of the scene", True), ("take number five", False),
                                             ("take number x5", True)])
def test_a_number_slot_after_the_second_word_needs_digits(text: str, shown: bool) -> None:
    from bot.classifier import CapabilityClassifier
    from bot.knowledge import Capability, KnowledgeBase

    caps = (Capability("other", "other", None), Capability("retakes", "retakes", "other", terms=("take number {n}",)))
    found = [c for c, _ in CapabilityClassifier(KnowledgeBase((), caps, (), version="n")).classify(text)]
    assert found == (["retakes"] if shown else [])


# -- signals: the whole extraction, model ranking, sites and authors ------------------------------------------


def test_every_signal_of_a_clip_with_its_source_and_evidence() -> None:
    from bot.results import ModelSignal as M
    from bot.results import WorkflowSignal as W
    from bot.signals import SignalExtractor, SignalInput

    x = SignalExtractor(KB)
    got = x.extract(SignalInput("https://sora.com/g/gen_01",
                                caption="a forest, composited in After Effects. Prompt: a misty forest",
                                title="Big test", description="a dog eating noodles, text to video"))
    assert got == Signals(
        model=M("sora", "Sora", "url", "sora.com"), workflow=W("text-to-video", "metadata", "text to video"),
        prompt_disclosed=True, takes=Takes(),
        shown=(Shown("plants", ("subjects", "plants"), "forest"), Shown("animals", ("subjects", "animals"), "dog"),
               Shown("eating", ("actions", "eating"), "eating"), Shown("food", ("subjects", "food"), "noodles")),
        provenance=Provenance(True, "the link is on sora.com, OpenAI's own site"), post_production="composited")
    got = x.extract(SignalInput("https://www.youtube.com/watch?v=aaaaaaaaaaa", caption="Kling 2.1 woman walking",
                                workflow="i2v", platform="youtube"))
    assert (got.model, got.workflow) == (M("kling-2", "Kling 2.x", "caption", "Kling 2.1"),
                                        W("image-to-video", "user", "i2v"))
    got = x.extract(SignalInput("https://www.youtube.com/watch?v=aaaaaaaaaaa", caption="text to video: a forest"))
    assert got.workflow == W("text-to-video", "caption", "text to video")
    assert x.extract(SignalInput("https://www.youtube.com/watch?v=aaaaaaaaaaa", caption="a forest")).workflow == \
        W("unknown", None, "")


@pytest.mark.parametrize("name", ["runway-gen3", "Runway Gen-3", "RUNWAY GEN 3"])
def test_a_model_id_or_display_name_resolves_even_where_no_alias_is_found(name: str) -> None:
    """"runway-gen3" holds the alias "gen3" in a third of it: only the exact id/name key can resolve it."""
    assert matcher().resolve(name).id == "runway-gen3"


@pytest.mark.parametrize(
    ("text", "ranked"),
    [
        ("not sora. kling 2.1 clip", [("kling-2", "kling 2.1", False), ("sora", "sora", True)]),
        ("not sora. everyone thinks it's kling 2.1", [("kling-2", "kling 2.1", False), ("sora", "sora", True)]),
        ("everyone thinks it's sora. kling 2.1 clip", [("kling-2", "kling 2.1", False), ("sora", "sora", False)]),
    ],
)
def test_negated_models_go_last_and_guesses_after_plain_mentions(text: str, ranked) -> None:
    assert matcher().find_ranked(text) == ranked


def site_kb(*models: Any) -> Any:
    return dataclasses.replace(KB, models=models, claims=())


@pytest.mark.parametrize(
    ("sites", "url"),
    [
        (("other.test", "vendor.test"), "https://vendor.test/v/1"),  # a later site of the same model
        (("vendor.test/a", "vendor.test/b"), "https://vendor.test/b/1"),  # a later path
    ],
)
def test_every_site_of_a_model_is_tried(sites, url: str) -> None:
    from bot.knowledge import Model
    from bot.signals import ModelMatcher

    kb = site_kb(Model("vid", "Vid", "V", aliases=("vid",), sites=sites))
    assert ModelMatcher(kb).from_url(url).id == "vid"


def test_of_two_equally_specific_sites_the_first_model_listed_wins() -> None:
    from bot.knowledge import Model
    from bot.signals import ModelMatcher

    kb = site_kb(Model("first", "First", "V", aliases=("first",), sites=("vendor.test/ab",)),
                 Model("second", "Second", "V", aliases=("second",), sites=("xy.vendor.test",)))
    assert ModelMatcher(kb).from_url("https://xy.vendor.test/ab/1").id == "first"


@pytest.mark.parametrize(
    ("author", "evidence"),
    [
        ("RunwayML", "the platform names the author 'RunwayML', which is Runway's own account"),  # a handle
        ("Runway", "the platform names the author 'Runway', which is Runway's own account"),  # the vendor's name
        ("Runway ML", "the platform names the author 'Runway ML', which is Runway's own account"),  # spaced handle
        ("Someone Else", None),
        ("OpenAI", None),  # a vendor with no official account is not recognised by name
    ],
)
def test_an_author_the_platform_names_can_be_the_vendor(author: str, evidence: str | None) -> None:
    from bot.signals import ModelMatcher, ProvenanceDetector

    kb = dataclasses.replace(KB, models=tuple(RUNWAY if m.id == "runway-gen3" else m for m in KB.models))
    got = ProvenanceDetector(kb, ModelMatcher(kb)).detect("https://www.youtube.com/watch?v=aaaaaaaaaaa", None,
                                                          author, site=None, platform="youtube")
    assert got == (Provenance(True, evidence) if evidence else Provenance())


def test_a_long_author_name_is_quoted_up_to_sixty_characters() -> None:
    from bot.signals import ModelMatcher, ProvenanceDetector

    vendor = "Very Long Vendor Name " * 4  # 88 characters
    long = dataclasses.replace(RUNWAY, vendor=vendor)
    kb = dataclasses.replace(KB, models=tuple(long if m.id == "runway-gen3" else m for m in KB.models))
    got = ProvenanceDetector(kb, ModelMatcher(kb)).detect("https://www.youtube.com/watch?v=aaaaaaaaaaa", None,
                                                          vendor, site=None, platform="youtube")
    assert got.evidence == f"the platform names the author {vendor.strip()[:60]!r}, which is {vendor}'s own account"


@pytest.mark.parametrize(
    ("text", "takes"),
    [
        ("best of 12", Takes(True, 12, "best of 12", True)),
        ("not best of 5, it was best of 12", Takes(True, 12, "best of 12", True)),  # the negated count is skipped
        ("best of 0 lol, best of 3", Takes(True, 3, "best of 3", True)),  # so is a count of nothing
        ("first try", Takes(True, 1, "first try", False)),
        ("not a first try", Takes(True, None, "first try", True)),
        ("no cherry-picking", Takes(True, None, "no cherry-picking", False)),
        ("never cherry-picked", Takes(True, None, "never cherry-picked", False)),
        ("not cherry picked", Takes(True, None, "not cherry picked", False)),
        ("zero rerolls", Takes(True, None, "zero rerolls", False)),
        ("unselected output", Takes(True, None, "unselected", False)),
        ("raw output", Takes(True, None, "raw output", False)),
        ("wasn't cherry-picked", Takes(True, None, "n't cherry-picked", False)),
        ("wasn\u2019t cherry-picked", Takes(True, None, "n\u2019t cherry-picked", False)),
        ("not hundreds of takes", Takes(True, None, "hundreds of takes", False)),
        ("cherry-picked", Takes(True, None, "cherry-picked", True)),
        ("a forest at dawn", Takes()),
    ],
)
def test_what_the_creator_says_about_takes_word_for_word(text: str, takes: Takes) -> None:
    from bot.signals import detect_takes

    assert detect_takes(text) == takes


def test_a_name_spelled_with_dots_resolves_through_its_letters_and_digits() -> None:
    """No alias pattern reads "Runway.Gen.3" (dots are not separators there); the exact key still does."""
    assert matcher().find("Runway.Gen.3") == []
    assert matcher().resolve("Runway.Gen.3").id == "runway-gen3"


def test_a_longer_first_word_is_tried_before_its_prefix() -> None:
    """"wanx" and "wan" start alike: the longer start word must be tried first, or "wanx" is never found."""
    from bot.knowledge import Model
    from bot.signals import ModelMatcher

    kb = site_kb(Model("wan", "Wan", "A", aliases=("wan 2.1", "wan")), Model("wanx", "Wanx", "B", aliases=("wanx",)))
    assert ModelMatcher(kb).find("made with wanx, then wan 2.1") == [("wanx", "wanx"), ("wan", "wan 2.1")]


def rich_classifier():  # type: ignore[no-untyped-def]
    from bot.classifier import CapabilityClassifier
    from bot.knowledge import Capability, KnowledgeBase

    caps = (Capability("subjects", "subjects", None),
            Capability("animals", "animals", "subjects", terms=("dog", "cat"), not_terms=("hot dog",)),
            Capability("sealife", "sealife", "subjects", terms=("sea lion",)),
            Capability("sea", "sea", "subjects", terms=("sea",)),
            Capability("text_rendering", "text", None, terms=("{quote} sign",), not_terms=("sign in",)))
    return CapabilityClassifier(KnowledgeBase((), caps, (), version="rich"))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a sign. no, a dog", ["animals"]),  # the negation is in another clause
        ('"DOG" sign', ["text_rendering"]),  # the quoted word at the very start of the sign is lettering too
        ('"EXIT" SIGN', ["text_rendering"]),  # quote terms match in any case
        ('"EXIT" sign in red', ["text_rendering"]),  # a not_term ("sign in") never cancels a quoted sign
        ("a hot dog", []),
        ("a hot dog and a cat", ["animals"]),  # the cancel covers the hot dog only, and later matches go on
        ("hot dog, dog", ["animals"]),  # a dog right after the hot dog
        ("dog hot dog", ["animals"]),  # and right before it
        ("a sea lion", ["sealife", "sea"]),  # at one start, the longer term first
        ("of dogs running free", ["animals"]),  # "free" after the term is no "free of"
        ("free of any big dog", []),  # three words after "free of": still in reach
    ],
)
def test_clauses_cancels_and_quotes_decide_what_is_shown(text: str, shown: list[str]) -> None:
    assert [c for c, _ in rich_classifier().classify(text)] == shown


def test_an_english_caption_is_read_once() -> None:
    assert [m.capability for m in rich_classifier().matches("a dog and a cat")] == ["animals", "animals"]
