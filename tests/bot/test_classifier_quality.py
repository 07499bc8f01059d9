"""The classifier on strangers' captions: precision and recall on the held-out labelled split.

The figures are guards, set a little under what the shipped seed measures (see the closing note
and `python -m bench.classifier_quality`), so a vocabulary edit that hurts real captions fails here.
"""

from __future__ import annotations

import json

import pytest

from bench.classifier_quality import EVAL_DEV, VOCABULARY, load, score, score_suite
from helpers.shipped_seed import shipped_seed


@pytest.fixture(scope="module")
def kb():
    return shipped_seed()


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


@pytest.mark.skipif(not (EVAL_DEV / "scope.json").is_file(), reason="../shared/eval-dev is not beside the repo")
@pytest.mark.parametrize(("name", "macro_recall", "micro_precision"),
                         [("fetv.jsonl", 0.90, 0.88), ("evalcrafter.jsonl", 0.90, None),
                          ("videogen_eval.jsonl", 0.90, None)])
def test_public_prompt_suites_meet_the_issue_targets(kb, name, macro_recall, micro_precision):
    """Issue 9's targets on strangers' prompts; no label with 20+ examples under 0.80 recall."""
    scope = json.loads((EVAL_DEV / "scope.json").read_text(encoding="utf-8"))
    s = score_suite(kb, load("all", EVAL_DEV / name), scope)
    assert s.macro_recall() >= macro_recall, s.macro_recall()
    if micro_precision is not None:
        assert s.micro()[0] >= micro_precision, s.micro()
    for label in s.labels():
        _, recall, support = s.per_label(label)
        assert support < 20 or recall >= 0.80, (label, recall, support)
