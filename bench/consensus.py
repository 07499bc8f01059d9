"""Speed of the bridging fit: 2,000 members x 5,000 clips x 100,000 votes (issue 11 target: under 30 s).

Workload: two factions (65/35); a fifth of the clips are party-line, the rest agreed or unclear; every
(member, clip) pair at most once. Figures are medians of ``--runs`` runs; the baseline is a plain numpy
pass over the same arrays measured in the same run (one residual plus four ``np.bincount`` sums, i.e.
roughly one half-round of the fit), so a slower or busier machine moves both and the ratio says how many
such passes the fit costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from bot.consensus import CONSENSUS_LABELS, Vote, community_consensus, fit_bridging


def workload(members: int, clips: int, votes: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Member index, clip index and label index (into CONSENSUS_LABELS + cant_tell) of each vote."""
    rng = np.random.default_rng(seed)
    pairs = np.unique(rng.integers(0, members * clips, size=int(votes * 1.05)))
    pairs = rng.permutation(pairs)[:votes]
    m, c = pairs // clips, pairs % clips
    faction_a = m < int(members * 0.65)
    kind = c % 5  # 0: party line, 1-2: agreed representative / cherry_picked, 3-4: unclear
    label = rng.integers(0, 4, size=len(pairs))  # unclear (and noise) by default
    label = np.where(kind == 0, np.where(faction_a, 0, 1), label)
    label = np.where(kind == 1, 0, label)
    label = np.where(kind == 2, 1, label)
    noise = rng.random(len(pairs)) < 0.1
    label = np.where(noise, rng.integers(0, 4, size=len(pairs)), label)
    return m, c, label


def _median_seconds(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.consensus", description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--clips", type=int, default=5000)
    ap.add_argument("--votes", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    m, c, label = workload(args.members, args.clips, args.votes)
    y = (label == 0).astype(np.float64)
    print(f"workload: {args.members:,} members x {args.clips:,} clips x {len(y):,} votes "
          f"(median {np.median(np.bincount(m)):.0f} votes per member, {np.median(np.bincount(c)):.0f} per clip)")

    def baseline() -> None:
        x = np.ones(len(y))
        for _ in range(10):  # ten passes, so the timer's resolution does not matter
            e = y - x[m]
            np.bincount(c, weights=e, minlength=args.clips)
            np.bincount(c, weights=e * e, minlength=args.clips)
            np.bincount(m, weights=e, minlength=args.members)
            np.bincount(m, weights=e * e, minlength=args.members)

    base = _median_seconds(baseline, max(5, args.runs)) / 10
    fits = []

    def one_fit() -> None:
        fits.append(fit_bridging(m, c, y, args.members, args.clips))

    fit_s = _median_seconds(one_fit, args.runs)
    f = fits[-1]
    print(f"baseline (plain numpy pass: residual + 4 bincounts): median {base * 1000:.2f} ms")
    print(f"bridging fit, one label:  median {fit_s:.2f} s  ({fit_s / base:,.0f}x baseline; "
          f"{f.iterations} rounds, converged={f.converged}, loss {f.loss:.4f}; target < 30 s)")

    names = (*CONSENSUS_LABELS, "cant_tell")
    votes = [Vote(f"m{a}", f"c{b}", names[k]) for a, b, k in zip(m.tolist(), c.tolist(), label.tolist(), strict=True)]
    results = []
    full_s = _median_seconds(lambda: results.append(community_consensus(votes)), args.runs)
    labelled = sum(r.consensus is not None for r in results[-1].values())
    party = sum(results[-1][f"c{i}"].consensus is not None for i in range(0, args.clips, 5))
    print(f"community_consensus end to end (Vote objects, tally, up to 3 label fits): median {full_s:.2f} s "
          f"({full_s / base:,.0f}x baseline); {labelled:,} clips labelled, {party} of them party-line")


if __name__ == "__main__":
    sys.exit(main())
