"""The verdict's levels, with every wording that goes with each, in one place.

Renderers, the template summarizer and the LLM prompt all read their words from here, so a level
cannot be called one thing in the console and another in a summary.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    SHOWCASE = "showcase"
    REPRESENTATIVE = "representative"
    STRESS_TEST = "stress_test"
    MIXED = "mixed"
    UNKNOWN = "unknown"

    @property
    def title(self) -> str:
        """The short name a person reads in a digest line or a button: "stress test"."""
        return _WORDS[self][0]

    @property
    def label(self) -> str:
        """The verdict line of a rendered check."""
        return _WORDS[self][1]

    @property
    def phrase(self) -> str:
        """How the template summary states the level after the clip's subject."""
        return _WORDS[self][2]

    @property
    def required_phrase(self) -> str:
        """The words an LLM summary must contain to state this level."""
        return _WORDS[self][3]


#            title             label (verdict line)                           summary phrase          LLM phrase
_WORDS: dict[Level, tuple[str, str, str, str]] = {
    Level.SHOWCASE: ("showcase", "SHOWCASE: presumed the best of several takes", "looks like a showcase",
                     "showcase"),
    Level.REPRESENTATIVE: ("representative", "REPRESENTATIVE: evidence says this is typical", "looks representative",
                           "representative"),
    Level.STRESS_TEST: ("stress test", "STRESS TEST: shows a documented weak spot", "is a stress test",
                        "stress test"),
    Level.MIXED: ("mixed", "MIXED: can't place it", "is hard to place", "hard to place"),
    Level.UNKNOWN: ("unknown", "UNKNOWN: not enough to judge", "can't be judged yet", "can't be judged"),
}

LEVELS: tuple[Level, ...] = tuple(Level)
