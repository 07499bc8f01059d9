"""Core behaviours that a one-line change could break without any other test noticing.

Each test here was checked by breaking the behaviour by hand (the mutation named in its docstring) and
seeing it fail, then restoring the code.
"""

from __future__ import annotations

import pytest

from bot.classifier import CapabilityClassifier
from bot.knowledge import KnowledgeBase
from bot.links import parse_link
from bot.llm.untrusted import Marker
from bot.llm.validate import validate
from bot.results import AttemptRate, CommunityEvidence
from bot.signals import ModelMatcher, detect_workflow
from helpers.verdicts import decide
from tests.conftest import claim

YT_ID = "dQw4w9WgXcQ"


# -- links: hosts match on a dot boundary -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        (f"https://notyoutube.com/watch?v={YT_ID}", "web"),
        (f"https://m.youtube.com/watch?v={YT_ID}", "youtube"),
        ("https://notvimeo.com/76979871", "web"),
        ("https://fakesora.com/g/gen_01", "web"),
        ("https://app.sora.com/g/gen_01", "sora"),
    ],
)
def test_a_look_alike_host_is_not_the_platform_but_a_subdomain_is(url: str, platform: str) -> None:
    """Breaks when `_host_is` drops the "." before the domain (`host.endswith(d)`)."""
    assert parse_link(url).platform == platform


def test_a_vendor_subdomain_names_the_model_and_a_look_alike_does_not(tiny_kb) -> None:
    """Breaks when `ModelMatcher.from_url` stops accepting subdomains or matches on a bare suffix."""
    matcher = ModelMatcher(tiny_kb)
    assert matcher.from_url("https://app.sora.com/g/gen_01").id == "sora"
    assert matcher.from_url("https://notsora.com/g/gen_01") is None


# -- classifier: negation reaches two words in between, not three ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no real people, just trees", ["plants"]),
        ("no really tall people here", []),
        ("no very very tall people", ["people"]),  # three words in between: out of reach
    ],
)
def test_negation_reaches_a_few_words(tiny_kb, text: str, expected: list[str]) -> None:
    """Breaks when NEGATION_REACH moves off 3 either way."""
    assert [c for c, _ in CapabilityClassifier(tiny_kb).classify(text)] == expected


# -- LLM output: at most four sentences -------------------------------------------------------------


def test_an_llm_summary_of_five_sentences_is_refused_and_four_pass() -> None:
    """Breaks when MAX_SENTENCES is raised or the comparison loosened."""
    four = ("This Sora clip looks like a showcase. It shows plants. Plants are a strength. "
            "Ask how many takes it took.")
    five = four + " The prompt is not shared."
    ids, marker = frozenset({"C1"}), Marker("deadbeef")
    assert validate(four, "showcase", ids, marker).ok
    refused = validate(five, "showcase", ids, marker)
    assert not refused.ok and refused.reason == "sentences"


# -- verdict: community evidence needs five tries and must cover every deciding capability -----------


@pytest.mark.parametrize(("tries", "level"), [(4, "showcase"), (5, "representative")])
def test_community_attempts_count_only_from_five_tries(tiny_kb, tries: int, level: str) -> None:
    """Breaks when CONFIRM_MIN_TRIES changes or `>=` becomes `>`."""
    evidence = CommunityEvidence(attempts=(AttemptRate("basketball", tries, 4),))
    assert decide(tiny_kb, "sora", "people", "basketball", community=evidence).level == level


def test_community_attempts_must_cover_every_capability_that_decides(tiny_kb) -> None:
    """Basketball and hockey both decide (hit and miss); attempts at basketball alone settle nothing."""
    one = CommunityEvidence(attempts=(AttemptRate("basketball", 10, 9),))
    v = decide(tiny_kb, "sora", "basketball", "hockey", community=one)
    assert v.level == "showcase"
    assert not any(r.startswith("Community attempts") for r in v.reasons)
    both = CommunityEvidence(attempts=(AttemptRate("basketball", 10, 9), AttemptRate("hockey", 10, 8)))
    v = decide(tiny_kb, "sora", "basketball", "hockey", community=both)
    assert v.level == "representative"
    assert v.reasons[0] == "Community attempts back it up: 17 usable out of 20 tries for what this clip shows."


# -- verdict: generalisation traps weakest first ----------------------------------------------------


def test_generalisation_traps_are_listed_weakest_first(tiny_kb) -> None:
    """Football (a weakness) comes before hockey (mixed) although hockey is listed first in the knowledge base."""
    claims = (*tiny_kb.claims, claim("sora", "hockey", "mixed"), claim("sora", "football", "weakness"))
    kb = KnowledgeBase(tiny_kb.models, tiny_kb.capabilities, claims, version="tiny+traps")
    assert decide(kb, "sora", "basketball").generalization_traps == ("football", "hockey")


# -- signals: the earliest workflow cue wins --------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("made with text to video, then an img2vid pass", ("text-to-video", "text to video")),
        ("an img2vid pass after text to video", ("image-to-video", "img2vid")),
    ],
)
def test_the_earliest_workflow_cue_in_a_caption_wins(caption: str, expected: tuple[str, str]) -> None:
    """Breaks when the first cue in the table's order wins instead of the first in the caption."""
    assert detect_workflow(caption) == expected
