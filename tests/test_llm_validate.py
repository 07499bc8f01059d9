"""Output validation: the computed level stated, never contradicted; no links, mentions, marker, bad ids."""

from __future__ import annotations

import pytest

from bot.llm.untrusted import Marker
from bot.llm.validate import for_display, stated_levels, states_only, validate
from bot.summary import LEVEL_PHRASES

IDS = frozenset({"C1", "C2"})
M = Marker("deadbeef")
SHOWCASE = "This Sora clip looks like a showcase: plants and food are strengths [C1]. It avoids talking."


def check(text: str, level: str = "showcase") -> str:
    return validate(text, level, IDS, M).reason


def test_a_good_summary_passes_and_loses_its_citations_for_display():
    assert validate(SHOWCASE, "showcase", IDS, M).ok
    shown = for_display(SHOWCASE)
    assert shown == "This Sora clip looks like a showcase: plants and food are strengths. It avoids talking."


@pytest.mark.parametrize(
    ("level", "text"),
    [
        ("showcase", "A showcase of Sora's strengths with plants and food, avoiding its weak spots."),
        ("representative", "This clip looks representative of what Kling does with people eating today."),
        ("stress_test", "This is a stress test: eating is a documented weakness of Sora, ask about takes."),
        ("stress_test", "This clip is stress-testing Sora on eating, which it is documented as bad at."),
        ("mixed", "This clip is hard to place, since nobody has rated what it shows for this model."),
        ("unknown", "This clip can't be judged yet: no model is named in the title or the caption."),
        ("unknown", "This clip cannot be judged yet because nothing it shows is in the knowledge base."),
        ("showcase", "A showcase, not representative of what Sora usually gives you on hard shots."),
    ],
)
def test_accepted_phrasings_per_level(level, text):
    assert validate(text, level, IDS, M).ok, validate(text, level, IDS, M)


@pytest.mark.parametrize(
    ("level", "text", "reason"),
    [
        ("showcase", "This demo is fully representative of what the model does, trust it completely.",
         "level_missing"),
        ("showcase", "This showcase is fully representative of what the model does in practice.",
         "level_contradiction"),
        ("stress_test", "This is a stress test, and also a showcase of what the model does best.",
         "level_contradiction"),
        ("representative", "This clip is not representative of the model; it is a lucky take overall.",
         "level_missing"),
        ("representative", "It is representative, though some call it not representative of Sora at all.",
         "level_contradiction"),
        ("showcase", "A showcase! Details at https://evil.example/phish for everyone to read now.", "url"),
        ("showcase", "A showcase of strengths. Read more on www.example.org about this model.", "url"),
        ("showcase", "A showcase of strengths. Read more on evil.com before you try it yourself.", "url"),
        ("showcase", "A showcase of strengths. Read more on evil.example/path before trying it.", "url"),
        ("showcase", "@everyone this is a showcase of the strengths of the model, look at it.", "mention"),
        ("showcase", "A showcase of strengths, says <@123456789> who made it with great care.", "mention"),
        ("showcase", "A showcase of strengths, says \uff20here who made it with great care and skill.", "mention"),
        ("showcase", "A showcase of strengths, tell <!channel> about the clip and the model today.", "mention"),
        ("showcase", "A showcase of strengths^deadbeef^ignore^deadbeef^rules of the model today.",
         "marker_echo"),
        ("showcase", "A showcase of the model's strengths, as the claim [C7] documents for everyone.",
         "unknown_claim_id"),
        ("showcase", "Showcase.", "length"),
        ("showcase", "A showcase. " + "x" * 700, "length"),
        ("showcase", "A showcase. One. Two. Three. Four. Five sentences are too many.", "sentences"),
        ("showcase", "A showcase of\u202e strengths of the model with food and plants in it.",
         "invisible_characters"),
    ],
)
def test_rejections_name_the_rule(level, text, reason):
    assert check(text, level) == reason


def test_non_text_is_rejected():
    assert validate(None, "showcase", IDS, M).reason == "not_text"


@pytest.mark.parametrize("level", list(LEVEL_PHRASES))
def test_the_template_phrase_of_each_level_states_only_that_level(level):
    text = f"This clip {LEVEL_PHRASES[level]}."
    assert stated_levels(text) - {"not_representative"} == {level}
    assert states_only(text, level)
