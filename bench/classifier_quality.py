"""Precision and recall of the capability classifier on the labelled caption set.

`python -m bench.classifier_quality [--split dev|test|all] [--errors]`

Gold labels name the capabilities a caption shows (a sport with `sports`, a camera move with
`camera_motion`). Predictions are closed under ancestors below the root in the same way, and only the
ids of DESIGN.md's vocabulary are scored, so extra capabilities in the knowledge base neither help
nor hurt.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.classifier import CapabilityClassifier
from bot.knowledge import KnowledgeBase

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "captions.jsonl"
VOCABULARY = frozenset(
    "people animals food plants scenery architecture vehicles interiors talking walking running eating dancing "
    "hands sports basketball hockey football american_football baseball tennis skateboarding martial_arts "
    "camera_motion pan zoom orbit tracking fluids collisions fire_smoke cloth text_rendering multi_shot crowds".split()
)


@dataclass
class Scores:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    captions: int = 0
    errors: list[tuple[str, set[str], set[str]]] = field(default_factory=list)

    def micro(self) -> tuple[float, float, float]:
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def per_label(self, label: str) -> tuple[float, float, int]:
        tp, fp, fn = self.tp[label], self.fp[label], self.fn[label]
        return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn)


def load(split: str = "all", path: Path = DATA) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def predicted(clf: CapabilityClassifier, kb: KnowledgeBase, text: str) -> set[str]:
    out: set[str] = set()
    for cap, _ in clf.classify(text):
        out.update(kb.path(cap)[1:])
    return out & VOCABULARY


def score(kb: KnowledgeBase, rows: list[dict]) -> Scores:
    clf = CapabilityClassifier(kb)
    s = Scores()
    for row in rows:
        gold = set(row["labels"]) & VOCABULARY
        pred = predicted(clf, kb, row["text"])
        s.captions += 1
        for label in pred & gold:
            s.tp[label] += 1
        for label in pred - gold:
            s.fp[label] += 1
        for label in gold - pred:
            s.fn[label] += 1
        if pred != gold:
            s.errors.append((row["text"], gold - pred, pred - gold))
    return s


def main(argv: list[str] | None = None) -> None:
    from storage.seed_files import load_seed

    ap = argparse.ArgumentParser(prog="python -m bench.classifier_quality")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="test")
    ap.add_argument("--errors", action="store_true", help="print every caption the classifier got wrong")
    args = ap.parse_args(argv)
    kb = load_seed()
    s = score(kb, load(args.split))
    p, r, f = s.micro()
    print(f"split={args.split} captions={s.captions}  micro precision={p:.3f} recall={r:.3f} F1={f:.3f}")
    for label in sorted(VOCABULARY):
        lp, lr, support = s.per_label(label)
        print(f"  {label:<18} precision={lp:.2f} recall={lr:.2f} support={support}")
    if args.errors:
        for text, missed, extra in s.errors:
            print(f"- missed={sorted(missed)} extra={sorted(extra)} :: {text[:160]}")


if __name__ == "__main__":
    main()
