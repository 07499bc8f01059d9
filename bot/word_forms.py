"""The inflected forms of an English term word, so "leaf" finds "leaves" and "office" never finds "officers".

Terms are matched on whole word forms, not on stems: a stemmer folds derivations together
(officers/office, rapidly/rapids, sporting/sports, mouthful/mouth) and still misses irregular plurals
(leaves/leaf). The forms come from a real lemmatiser's tables (lemminflect), generated offline by
`python -m storage.vocabulary` into `bot/data/word_forms.tsv`, so the bot needs no lemmatiser at
run time. Each word gets the forms of the part of speech it is mostly used as (WordNet's tagged sense
counts): "sport" is a noun, so "sporting" is not one of its forms; "walk" is a verb, so "walked" is.
A word missing from the table (a term a curator added since) gets regular plural forms only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FORMS_FILE = Path(__file__).resolve().parent / "data" / "word_forms.tsv"


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    try:
        text = FORMS_FILE.read_text(encoding="utf-8")
    except OSError:
        return table  # missing data degrades to regular plurals, it does not stop the bot
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        base, _, rest = line.partition("\t")
        table[base] = frozenset((base, *rest.split()))
    return table


def regular_plurals(word: str) -> frozenset[str]:
    """English regular noun plurals: the fallback for words the table does not know."""
    if not word.isalpha() or len(word) < 3:
        return frozenset((word,))
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return frozenset((word, word + "es"))
    if word.endswith("y") and word[-2] not in "aeiou":
        return frozenset((word, word[:-1] + "ies"))
    return frozenset((word, word + "s"))


def forms(word: str) -> frozenset[str]:
    """Every form of `word` that a term listing `word` should match (always including `word`).

    A term written inflected ("faces") also matches its base word ("face"): the table lists it.
    """
    return _table().get(word) or regular_plurals(word)
