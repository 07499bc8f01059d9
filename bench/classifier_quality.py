"""Precision and recall of the caption reader, on strangers' prompt suites and on our own labelled set.

`python -m bench.classifier_quality [--split dev|test|all] [--errors N] [--only NAME]`

Two kinds of figures, printed one after the other:
- every `*.jsonl` in `../shared/eval-dev/` (public text-to-video prompt suites that nobody here wrote),
  scored the way that folder's `score.py` scores `yuntai check` output: its `scope.json` says which ids
  each source labels and whether a missing label means "not shown"; a gold token `a|b` is recalled when
  either is shown and showing either is no false positive;
- `tests/data/captions.jsonl`, our hand-labelled set, on every design id (split `test` by default).
Then the cost of reading one caption: medians over ~100-word captions against a same-run baseline
(cleaning and tokenising the same caption, which every reader has to do), so a busier machine moves both.

Gold labels name the capabilities a caption shows (a sport with `sports`, a camera move with
`camera_motion`). Predictions are closed under ancestors below the root in the same way, and only the
ids of DESIGN.md's vocabulary are scored, so extra capabilities in the knowledge base neither help
nor hurt.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.classifier import CapabilityClassifier
from bot.knowledge import KnowledgeBase
from bot.text import clean, tokenize

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "captions.jsonl"
EVAL_DEV = ROOT.parent / "shared" / "eval-dev"
VOCABULARY = frozenset(
    "people animals food plants scenery architecture vehicles interiors talking walking running eating dancing "
    "hands sports basketball hockey football american_football baseball tennis skateboarding martial_arts "
    "camera_motion pan zoom orbit tracking fluids collisions fire_smoke cloth text_rendering multi_shot crowds".split()
)
PARENT = {c: "sports" for c in "basketball hockey football american_football baseball tennis skateboarding "
          "martial_arts".split()} | {c: "camera_motion" for c in "pan zoom orbit tracking".split()} | {
    "crowds": "people"}


@dataclass
class Scores:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    captions: int = 0
    exhaustive: bool = True  # False: only recall means anything (positive-only labels)
    errors: list[tuple[str, set[str], set[str]]] = field(default_factory=list)

    def micro(self) -> tuple[float, float, float]:
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def per_label(self, label: str) -> tuple[float, float, int]:
        tp, fp, fn = self.tp[label], self.fp[label], self.fn[label]
        return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn)

    def labels(self) -> list[str]:
        return sorted({*self.tp, *self.fp, *self.fn})

    def macro_recall(self) -> float:
        recalls = [self.per_label(label)[1] for label in self.labels() if self.per_label(label)[2]]
        return sum(recalls) / len(recalls) if recalls else 1.0


def load(split: str = "all", path: Path = DATA) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "all" or r.get("split", split) == split]


def predicted(clf: CapabilityClassifier, kb: KnowledgeBase, text: str) -> set[str]:
    out: set[str] = set()
    for cap, _ in clf.classify(text):
        out.update(kb.path(cap)[1:])
    return out & VOCABULARY


def score(kb: KnowledgeBase, rows: list[dict], clf: CapabilityClassifier | None = None) -> Scores:
    clf = clf or CapabilityClassifier(kb)
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


def _closed(labels: list[str]) -> set[str]:
    out: set[str] = set()
    for label in labels:
        if "|" in label:
            out.add(label)
            continue
        while label:
            out.add(label)
            label = PARENT.get(label)
    return out


def score_suite(kb: KnowledgeBase, rows: list[dict], scope: dict, clf: CapabilityClassifier | None = None) -> Scores:
    """One prompt suite, scored as `../shared/eval-dev/score.py` scores it (see the module docstring)."""
    clf = clf or CapabilityClassifier(kb)
    s = Scores()
    for row in rows:
        source = scope.get(row.get("source", ""), {})
        wanted = _closed(source.get("labels", []))
        s.exhaustive = bool(source.get("exhaustive", False))
        gold = _closed(row["labels"])
        pred = predicted(clf, kb, row["text"])
        covered = set().union(*(set(g.split("|")) for g in gold if "|" in g))
        missed, added = set(), set()
        for label in wanted:
            g = label in gold
            p = bool(set(label.split("|")) & pred)
            if p and not g and label in covered:
                continue
            if g and p:
                s.tp[label] += 1
            elif g:
                s.fn[label] += 1
                missed.add(label)
            elif p and s.exhaustive:
                s.fp[label] += 1
                added.add(label)
        s.captions += 1
        if missed or added:
            s.errors.append((row["text"], missed, added))
    return s


def report(name: str, s: Scores, errors: int) -> None:
    p, r, _ = s.micro()
    precision = f"{p:.3f}" if s.exhaustive else "-"
    print(f"{name}: captions={s.captions}  micro precision={precision} recall={r:.3f}  "
          f"macro recall={s.macro_recall():.3f}")
    for label in s.labels():
        lp, lr, support = s.per_label(label)
        lp_txt = f"{lp:.2f}" if s.exhaustive else "  -"
        print(f"  {label:<24} precision={lp_txt} recall={lr:.2f} support={support}")
    for text, missed, extra in s.errors[:errors]:
        print(f"  - missed={sorted(missed)} extra={sorted(extra)} :: {text[:150]}")


def cost(clf: CapabilityClassifier, rounds: int = 7, n: int = 300, seed: int = 5) -> tuple[float, float]:
    """(median microseconds per ~100-word caption for the reader, for the clean+tokenise baseline)."""
    rng = random.Random(seed)
    words = [r["text"] for r in load("all")]
    pool = " ".join(words).split()
    texts = [" ".join(rng.choice(pool) for _ in range(100)) for _ in range(n)]
    reader, baseline = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            tokenize(clean(t))
        t1 = time.perf_counter()
        for t in texts:
            clf.classify(t)
        t2 = time.perf_counter()
        baseline.append((t1 - t0) / n * 1e6)
        reader.append((t2 - t1) / n * 1e6)
    return statistics.median(reader), statistics.median(baseline)


def main(argv: list[str] | None = None) -> None:
    from storage.seed_files import load_seed

    ap = argparse.ArgumentParser(prog="python -m bench.classifier_quality")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="test", help="split of our own set")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="print up to N mistakes per file")
    ap.add_argument("--only", help="score only the files whose name contains this")
    args = ap.parse_args(argv)
    kb = load_seed()
    clf = CapabilityClassifier(kb)
    scope_path = EVAL_DEV / "scope.json"
    if scope_path.is_file():
        scope = json.loads(scope_path.read_text(encoding="utf-8"))
        for path in sorted(EVAL_DEV.glob("*.jsonl")):
            if args.only and args.only not in path.name:
                continue
            report(path.name, score_suite(kb, load("all", path), scope, clf), args.errors)
    else:
        print(f"{EVAL_DEV}: not found; only our own labelled set is scored")
    if not args.only or args.only in DATA.name:
        report(f"{DATA.name} split={args.split}", score(kb, load(args.split), clf), args.errors)
    us, base = cost(clf)
    print(f"cost per 100-word caption: {us:.1f} us median (baseline clean+tokenise {base:.1f} us, "
          f"ratio {us / base:.2f})")


if __name__ == "__main__":
    main()
