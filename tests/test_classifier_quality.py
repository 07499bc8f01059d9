"""The classifier on strangers' captions: precision and recall on the held-out labelled split.

The figures are guards, set a little under what the shipped seed measures (see the closing note
and `python -m bench.classifier_quality`), so a vocabulary edit that hurts real captions fails here.
"""

from __future__ import annotations

import pytest

from bench.classifier_quality import VOCABULARY, load, score
from storage.seed_files import load_seed


@pytest.fixture(scope="module")
def kb():
    return load_seed()


def test_labelled_set_is_big_enough_and_uses_the_design_vocabulary():
    rows = load("all")
    assert len(rows) >= 300
    assert {label for r in rows for label in r["labels"]} <= VOCABULARY
    assert {r["split"] for r in rows} == {"dev", "test"}


def test_held_out_precision_and_recall(kb):
    s = score(kb, load("test"))
    precision, recall, _ = s.micro()
    assert precision >= 0.84, precision
    assert recall >= 0.84, recall


def test_no_design_label_is_blind(kb):
    s = score(kb, load("all"))
    for label in VOCABULARY:
        _, recall, support = s.per_label(label)
        assert support == 0 or recall >= 0.4, (label, recall)
