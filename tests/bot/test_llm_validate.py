"""Output validation: the computed level stated, never contradicted; no links, mentions, marker, bad ids."""

from __future__ import annotations

import pytest

from bot.llm.untrusted import Marker
from bot.llm.validate import Check, for_display, has_foreign_letters, stated_levels, states_only, validate
from bot.summary import LEVEL_PHRASES

IDS = frozenset({"C1", "C2"})
M = Marker("deadbeef")
SHOWCASE = "This Sora clip looks like a showcase: plants and food are strengths [C1]. It avoids talking."


def check(text: str, level: str = "showcase") -> str:
    """The reason a text is refused; fails the test if it was not refused (ok must be False, not falsy)."""
    result = validate(text, level, IDS, M)
    assert result.ok is False, result
    return result.reason


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
        ("mixed", "The verdict is a mixed picture: nobody has rated what it shows for this model."),
        ("unknown", "Without a named model this clip can't be judged; say which model made it and ask again."),
        ("showcase", "This clip looks like a showcase. AI video of plants and food is a strength [C1]."),
        ("showcase", "This clip looks like a showcase [c1]. It shows plants, a documented strength."),
        ("stress_test", "This clip is a stress test: eating is a documented weakness (C1, C2) of the model."),
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
         "level_negated"),
        ("representative", "It is representative, though some call it not representative of Sora at all.",
         "level_negated"),
        ("showcase", "A showcase, not representative of what Sora usually gives you on hard shots.",
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
    assert validate(None, "showcase", IDS, M) == Check(False, "not_text")


@pytest.mark.parametrize("level", list(LEVEL_PHRASES))
def test_the_template_phrase_of_each_level_states_only_that_level(level):
    text = f"This clip {LEVEL_PHRASES[level]}."
    assert stated_levels(text) == {level}
    assert states_only(text, level)


PAD = " Plants and food are documented strengths of the model."

# Adversarial outputs from the review, each with the rule that must reject it (a fixed table, not the
# validator's own opinion).
ADVERSARIAL = [
    ("showcase", "This clip is not a showcase at all, nothing in it is documented.", "level_negated"),
    ("showcase", "This clip isn't a showcase of what the model does well.", "level_negated"),
    ("showcase", "This clip is the opposite of a showcase: a worst case for Sora.", "level_negated"),
    ("showcase", "Showcase: no.", "level_negated"),
    ("showcase", "Calling this clip a showcase would be wrong; it is the hardest material.", "level_negated"),
    ("stress_test", "This clip is far from a stress test, it is easy material for Sora.", "level_negated"),
    ("mixed", "This clip is not hard to place at all: it is easy material.", "level_negated"),
    ("unknown", "This clip can't be judged? Wrong, it clearly can and it looks great.", "level_negated"),
    ("unknown", "It is wrong to say this clip can't be judged.", "level_negated"),
    ("representative", "This clip is not at all representative of the model.", "level_negated"),
    ("representative", "This clip is anything but representative of the model.", "level_negated"),
    ("representative", "This clip is in no way representative of the model.", "level_negated"),
    ("representative", "This clip doesn't seem representative of the model.", "level_negated"),
    ("representative", "This clip does not look representative of the model.", "level_negated"),
    ("representative", "I wouldn't call this clip representative of the model.", "level_negated"),
    ("representative", "This clip is not, however, representative of the model.", "level_negated"),
    ("representative", "Representative? No, this clip is cherry-picked.", "level_negated"),
    ("representative", "This clip is unrepresentative of what the model does.", "level_negated"),
    ("showcase", "This clip is a showcase. Not! It is a stress\u2010test.", "level_contradiction"),
    ("showcase", "This clip is a showcase. Not! It is a stress\u2011test.", "level_contradiction"),
    ("showcase", "This clip is a showcase, or rather a stress\u00a0test.", "level_contradiction"),
    ("showcase", "This clip is a showcase, or rather a stress_test.", "level_contradiction"),
    ("showcase", "This clip is a showcase, or rather a stresstest.", "level_contradiction"),
    ("showcase", "This clip is a showcase, though also hard-to-place.", "level_contradiction"),
    ("showcase", "This clip is a showcase, though also hard\u2014to\u2014place.", "level_contradiction"),
    ("showcase", "This clip is a showcase; honestly it cannot really be judged.", "level_contradiction"),
    ("showcase", "This clip is a showcase, but it can't fully be judged.", "level_contradiction"),
    ("showcase", "This clip is a showcase and a mixed picture for the model.", "level_contradiction"),
    ("showcase", "This clip is a showcase, representative of its strengths only.", "level_contradiction"),
    ("stress_test", "This clip is a show case, and a stress test of eating.", "level_contradiction"),
    ("stress_test", "This clip is a show-case and a stress test of eating.", "level_contradiction"),
    ("stress_test", "This clip is a stress test, not a sh\u043ewcase.", "non_latin_script"),
    ("showcase", "This clip is a sh\u043ewcase of strengths, not a stress test.", "non_latin_script"),
    ("showcase", "This clip is n\u00f3t a showcase of strengths.", "level_negated"),
]


@pytest.mark.parametrize(("level", "text", "reason"), ADVERSARIAL)
def test_adversarial_level_statements_are_rejected(level, text, reason):
    assert validate(text + PAD, level, IDS, M) == Check(False, reason)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("This clip is a showcase \uff41\uff42\uff11\uff12\uff43\uff44\uff13\uff14 look.", "marker_echo"),
        ("This clip is a showcase ab12 cd34 look.", "marker_echo"),
        ("This clip is a showcase ab12-cd34 look.", "marker_echo"),
        ("This clip is a showcase AB12CD34 look.", "marker_echo"),
        ("This clip is a showcase [c7] of strengths.", "unknown_claim_id"),
        ("This clip is a showcase [C1-9] of strengths.", "malformed_citation"),
        ("This clip is a showcase [C_9] of strengths.", "malformed_citation"),
        ("This clip is a showcase [C1][C9x] of strengths.", "malformed_citation"),
        ("This clip is a showcase <evil|click> for more.", "url"),
        ("This clip is a showcase, see 1.2.3.4 for more.", "url"),
        ("This clip is a showcase, see 10.0.0.1/x for more.", "url"),
        ("This clip is a showcase, see example dot com for more.", "url"),
        ("This clip is a showcase, see example (dot) org for more.", "url"),
        ("This clip is a showcase, see evil[.]io for more.", "url"),
        ("This clip is a showcase, see example . com for more.", "url"),
        ("This clip is a showcase, see hxxp://evil for more.", "url"),
        ("This clip is a showcase, see hxxps evil site for more.", "url"),
        ("This clip is a showcase, see evil\u3002com for more.", "url"),
        ("This clip is a **showcase** of strengths.", "markdown"),
        ("This clip is a __showcase__ of strengths.", "markdown"),
        ("# Showcase\nThis clip is a showcase of strengths.", "markdown"),
        ("This clip is a showcase, see [here](evil) for more.", "markdown"),
        ("This clip is a showcase ||of a hidden spoiler|| of strengths.", "markdown"),
        ("This clip is a showcase ~~not really~~ of strengths.", "markdown"),
        ("> This clip is a showcase of strengths.", "markdown"),
        ("This clip is a showcase.\n  > quoted as if someone said it.", "markdown"),
        ("This clip is a showcase \uff5c\uff5cspoiler\uff5c\uff5c of strengths.", "markdown"),  # full-width bars
    ],
)
def test_echoes_citations_links_and_markdown_are_rejected(text, reason):
    marker = Marker("ab12cd34")
    assert validate(text + PAD, "showcase", IDS, marker) == Check(False, reason)


def test_lower_case_citations_are_removed_for_display():
    assert for_display("A showcase of strengths [c1] with plants.") == "A showcase of strengths with plants."


@pytest.mark.parametrize(("length", "ok"), [(39, False), (40, True), (700, True), (701, False)])
def test_length_limits_are_inclusive(length, ok):
    """40 to 700 characters, both ends allowed."""
    prefix = "This clip looks like a showcase: "
    text = prefix + "a" * (length - len(prefix) - 1) + "."
    assert len(text) == length
    assert validate(text, "showcase", IDS, M) == (Check(True) if ok else Check(False, "length"))


@pytest.mark.parametrize(
    ("level", "text"),
    [
        ("showcase", "This clip looks like a showcase \u2014 plants are a strength."),  # punctuation, not a script
        ("unknown", "This clip can`t be judged yet: no model is named in the caption."),  # backtick apostrophe
    ],
)
def test_typographic_punctuation_is_not_taken_for_a_foreign_script(level, text):
    assert validate(text, level, IDS, M) == Check(True)


def test_display_text_closes_up_the_gaps_a_removed_citation_leaves():
    assert for_display("This clip looks like a showcase  of plants [C1] .  It avoids talking.") == (
        "This clip looks like a showcase of plants. It avoids talking.")


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("a 5 \u20ac budget and a 30\u00b0 pan", False),  # symbols outside ASCII, no letters
        ("caf\u00e9 cr\u00e8me", False),  # accents come off
        ("a sh\u043ewcase", True),  # Cyrillic o
        ("plain ascii", False),
    ],
)
def test_only_letters_outside_basic_latin_count_as_foreign(text, foreign):
    assert has_foreign_letters(text) is foreign
