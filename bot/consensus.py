"""A community's consensus on a clip that no vocal faction can force.

Two tests must agree before a clip gets a label:

* the Wilson lower bound (z = 1.28) of the share of *all* votes that chose the label is at least 0.5,
  so a label needs a clear majority of everyone who voted, with small numbers discounted;
* a bridging model in the style of X's Community Notes, fitted only on votes of *regular* members
  (at least ``min_member_votes`` votes in the community), says that a member in the middle of the
  community's main axis of disagreement would pick the label (``mu + i_clip >= 0.5``), that the
  clip's votes are not explained by that axis (``|f_clip| < 0.5``), and at least two regular voters on
  each side of the axis (sign of ``f_member``) chose it, so "members who usually disagree agree" is
  literally true of the votes (a soft form of Community Notes' net-minority rule).

The tally always counts every vote; fresh accounts only lose their say in the bridging model, so a
burst of them cannot label a clip, and a faction voting along party lines cannot either, however
large it is (see ``bench/consensus_sim.py`` for the calibration and what each simpler rule gets wrong).

Why one-vs-rest per label rather than a single "helpfulness" scale: the four labels are not points on
one line (``cherry_picked`` and ``misleading_workflow`` are different complaints), so for a label L each
regular member's vote becomes 1 when it is L and 0 otherwise (``cant_tell`` included: it is not
agreement with L), and the model is fitted once per label that some clip could earn. ``cant_tell`` is
never a consensus: "we can't tell" is the absence of a verdict, not one.

Sources: the model, loss, regularisation (lambda_i = 0.15, lambda_f = 0.03, mean-normalised as in the
scorer's code) and the factor rule are those of twitter/communitynotes at 273c895 (2026-07-17),
``scoring/src/scoring/matrix_factorization/matrix_factorization.py`` and
``documentation/under-the-hood/ranking-notes.md``, as summarised in
``/work/shared/research/verdicts-limits-ssrf.md`` (A.1-A.3); the Wilson bound is Evan Miller's
https://www.evanmiller.org/how-not-to-sort-by-average-rating.html (read 2026-11-27 via that note).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from bot.errors import InputError

LABELS: tuple[str, ...] = ("representative", "cherry_picked", "misleading_workflow", "cant_tell")
# The labels a clip can be given; "cant_tell" counts in the tally and dilutes the others, but is never a verdict.
CONSENSUS_LABELS: tuple[str, ...] = ("representative", "cherry_picked", "misleading_workflow")
WILSON_Z = 1.28


class UnknownLabel(InputError):
    """A vote label that is not one of LABELS; the message suggests the closest one."""


def parse_label(text: str) -> str:
    """Turn what a member typed into a vote label, or refuse politely.

    Case, spaces and dashes are forgiven ("Cherry picked" -> cherry_picked) because members type these by
    hand on the console and in Slack; anything else raises UnknownLabel naming the closest label.
    """
    key = "_".join(str(text).strip().lower().replace("-", " ").split())
    if key in LABELS:
        return key
    close = difflib.get_close_matches(key, LABELS, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]}?" if close else ""
    shown = str(text).strip()[:40] or "(nothing)"
    raise UnknownLabel(f"'{shown}' is not a vote label.{hint} Choose one of: {', '.join(LABELS)}.")


def wilson_lower_bound(successes: int, total: int, z: float = WILSON_Z) -> float:
    """Lower end of the Wilson score interval: the share we can vouch for, not the share we saw.

    3 of 3 is weak evidence and 30 of 40 is strong; the bound says so where a plain share would not.
    Zero votes give 0.0.
    """
    if total <= 0:
        return 0.0
    if not 0 <= successes <= total:
        raise ValueError(f"successes {successes} outside 0..{total}")
    p = successes / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, (centre - spread) / (1 + z2 / total))


def wilson_interval(successes: int, total: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Both ends of the Wilson score interval ((0.0, 1.0) when nothing was observed)."""
    if total <= 0:
        return 0.0, 1.0
    low = wilson_lower_bound(successes, total, z)
    high = 1.0 - wilson_lower_bound(total - successes, total, z)
    return low, high


@dataclass(frozen=True)
class Vote:
    """A member's current vote on a clip in one community (the latest one if they changed it)."""

    member: str
    clip: str
    label: str


@dataclass(frozen=True)
class ConsensusParams:
    """Every threshold of the rule in one place, so the simulation can try others.

    The defaults are the calibrated ones (``python -m bench.consensus_sim`` prints what each alternative
    labels). ``min_member_votes`` is the "regular member" bar; ``min_bridge_votes`` is how many votes from
    regular members a clip needs before the bridging model may vouch for it; ``min_fit_clip_votes`` keeps
    clips with almost no regular votes out of the fit (Community Notes uses 5); ``min_side_agree`` is how
    many regular voters on each side of the axis must have chosen the label (without it, a party-line clip
    that the small side of an 85/15 or 90/10 community barely voted on got labelled in the simulation).
    """

    z: float = WILSON_Z
    min_wilson: float = 0.5
    min_score: float = 0.5
    max_factor: float = 0.5
    min_member_votes: int = 10
    min_bridge_votes: int = 8
    min_fit_clip_votes: int = 5
    min_side_agree: int = 2
    lambda_intercept: float = 0.15
    lambda_factor: float = 0.03
    max_iterations: int = 1000
    tolerance: float = 1e-9
    seed: int = 0


DEFAULT_PARAMS = ConsensusParams()


@dataclass(frozen=True)
class BridgingFit:
    """A fitted ``vote ~ mu + i_member + i_clip + f_member * f_clip`` over integer member/clip indices.

    ``mu + clip_intercepts[c]`` is how likely a member in the middle of the community (intercept and
    factor 0) is to vote the label on clip c; ``clip_factors[c]`` is how much the clip's votes follow
    the community's main axis of disagreement. Factor signs are fixed so that at least half of the members
    have a negative factor (as Community Notes does), which makes fits repeatable.
    """

    mu: float
    member_intercepts: np.ndarray
    member_factors: np.ndarray
    clip_intercepts: np.ndarray
    clip_factors: np.ndarray
    iterations: int
    loss: float
    converged: bool


def fit_bridging(
    members: np.ndarray,
    clips: np.ndarray,
    values: np.ndarray,
    n_members: int,
    n_clips: int,
    lambda_intercept: float = DEFAULT_PARAMS.lambda_intercept,
    lambda_factor: float = DEFAULT_PARAMS.lambda_factor,
    max_iterations: int = DEFAULT_PARAMS.max_iterations,
    tolerance: float = DEFAULT_PARAMS.tolerance,
    seed: int = 0,
) -> BridgingFit:
    """Fit the 1-D bridging model by alternating ridge regressions (deterministic for a given seed).

    The loss is Community Notes' mean-normalised one: mean squared error + lambda_f * mean(f^2) and
    lambda_i * mean(i^2) per block (members, clips) + lambda_i * mu^2. Intercepts are penalised five
    times harder than factors, so agreement that one side of the axis explains goes into the factors and
    only agreement across the axis reaches ``i_clip``. With members fixed, each clip's (i, f) is a 2x2
    ridge problem with a closed form (and the same the other way round), so each round is a handful of
    ``np.bincount`` passes and the loss never rises; no learning rate to tune.

    ``members``/``clips`` are 0-based index arrays of equal length, ``values`` the 0/1 (or 0..1) votes.
    Members or clips without votes keep zero parameters.
    """
    members = np.asarray(members, dtype=np.int64)
    clips = np.asarray(clips, dtype=np.int64)
    y = np.asarray(values, dtype=np.float64)
    n = len(y)
    if not (len(members) == len(clips) == n):
        raise ValueError("members, clips and values must have the same length")
    if lambda_intercept <= 0 or lambda_factor <= 0:
        raise ValueError("both penalties must be positive (they are what makes each small solve well-posed)")
    if n and (members.min() < 0 or clips.min() < 0 or members.max() >= n_members or clips.max() >= n_clips):
        raise ValueError("member and clip indices must lie in 0..n_members-1 and 0..n_clips-1")
    if n == 0:
        zeros_m, zeros_c = np.zeros(n_members), np.zeros(n_clips)
        return BridgingFit(0.0, zeros_m, zeros_m.copy(), zeros_c, zeros_c.copy(), 0, 0.0, True)
    member_n = np.bincount(members, minlength=n_members).astype(np.float64)
    clip_n = np.bincount(clips, minlength=n_clips).astype(np.float64)
    active_members = max(1, int(np.count_nonzero(member_n)))
    active_clips = max(1, int(np.count_nonzero(clip_n)))
    # Mean-normalised penalties written per parameter in sum form (multiply the loss through by n).
    mi, mf = lambda_intercept * n / active_members, lambda_factor * n / active_members
    ci, cf = lambda_intercept * n / active_clips, lambda_factor * n / active_clips
    mu_pen = lambda_intercept * n

    rng = np.random.default_rng(seed)
    a = np.zeros(n_members)  # member intercepts
    f = np.where(member_n > 0, rng.uniform(-1.0, 1.0, n_members), 0.0)  # member factors
    b = np.zeros(n_clips)  # clip intercepts
    g = np.zeros(n_clips)  # clip factors
    mu = 0.0

    def solve(idx: np.ndarray, count: np.ndarray, x: np.ndarray, target: np.ndarray, pen_i: float,
              pen_f: float, size: int) -> tuple[np.ndarray, np.ndarray]:
        # Minimise sum (target - i - x*f)^2 + pen_i*i^2 + pen_f*f^2 for every group at once.
        sx = np.bincount(idx, weights=x, minlength=size)
        sxx = np.bincount(idx, weights=x * x, minlength=size)
        st = np.bincount(idx, weights=target, minlength=size)
        sxt = np.bincount(idx, weights=x * target, minlength=size)
        a11, a22 = count + pen_i, sxx + pen_f
        det = a11 * a22 - sx * sx
        return (a22 * st - sx * sxt) / det, (a11 * sxt - sx * st) / det

    def loss() -> float:
        e = mu + a[members] + b[clips] + f[members] * g[clips] - y
        return float((e @ e + mi * (a @ a) + mf * (f @ f) + ci * (b @ b) + cf * (g @ g) + mu_pen * mu * mu) / n)

    previous = math.inf
    iterations = 0
    converged = False
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - reported after the loop
        b, g = solve(clips, clip_n, f[members], y - mu - a[members], ci, cf, n_clips)
        a, f = solve(members, member_n, g[clips], y - mu - b[clips], mi, mf, n_members)
        mu = float(np.sum(y - a[members] - b[clips] - f[members] * g[clips]) / (n + mu_pen))
        current = loss()
        if previous - current <= tolerance * max(1.0, current):
            converged = True
            break
        previous = current
    if np.count_nonzero(f[member_n > 0] < 0) * 2 < active_members:
        f, g = -f, -g
    return BridgingFit(mu, a, f, b, g, iterations, loss(), converged)


@dataclass(frozen=True)
class Bridging:
    """What the bridging model said about one clip for its leading label."""

    label: str
    score: float  # mu + i_clip: the label's chance from a member in the middle of the community
    factor: float  # f_clip: how much the votes follow the community's usual split
    intercept: float  # i_clip alone (Community Notes' score; printed by the calibration)
    regular_votes: int  # votes on the clip from members with enough votes to count
    # (votes for the label, voters) among regular voters with a negative, then a positive member factor
    sides: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))


@dataclass(frozen=True)
class Consensus:
    label: str
    basis: str

    def to_json(self) -> dict[str, str]:
        return {"label": self.label, "basis": self.basis}


@dataclass(frozen=True)
class ClipConsensus:
    """Everything ``/verdicts`` shows for one clip.

    ``votes`` always has all four labels and counts every vote. ``leading`` is the label (never
    cant_tell) with the most votes, ties broken in LABELS order, or None without votes for any of them;
    ``wilson_lower`` is its bound over all ``total`` votes. ``bridging`` is None while the clip has too few
    votes from regular members (then only the Wilson bound is shown). ``note`` says in one line why there
    is no consensus (empty when there is one).
    """

    clip: str
    votes: dict[str, int]
    total: int
    leading: str | None
    wilson_lower: float
    bridging: Bridging | None
    consensus: Consensus | None
    note: str = field(default="")

    def to_json(self) -> dict[str, object]:
        """The ``/verdicts --json`` fields this module owns (the command adds "type" and the clip).

        "votes" and "consensus" are the issue's contract; the rest explains a missing consensus.
        """
        bridging = None
        if self.bridging is not None:
            bridging = {"label": self.bridging.label, "score": round(self.bridging.score, 3),
                        "factor": round(self.bridging.factor, 3), "regular_votes": self.bridging.regular_votes}
        return {"votes": dict(self.votes),
                "consensus": self.consensus.to_json() if self.consensus else None,
                "voters": self.total, "leading": self.leading, "wilson_lower": round(self.wilson_lower, 3),
                "bridging": bridging, "note": self.note}


def tally(votes: Iterable[Vote]) -> dict[str, dict[str, int]]:
    """Per clip, the count of each of the four labels (every vote; the last vote of a member on a clip wins)."""
    latest = _latest(votes)
    out: dict[str, dict[str, int]] = {}
    for (_, clip), label in latest.items():
        out.setdefault(clip, dict.fromkeys(LABELS, 0))[label] += 1
    return out


def _latest(votes: Iterable[Vote]) -> dict[tuple[str, str], str]:
    latest: dict[tuple[str, str], str] = {}
    for v in votes:
        if v.label not in LABELS:
            raise UnknownLabel(f"'{v.label}' is not a vote label. Choose one of: {', '.join(LABELS)}.")
        latest[(v.member, v.clip)] = v.label
    return latest


def community_consensus(
    votes: Iterable[Vote], params: ConsensusParams = DEFAULT_PARAMS
) -> dict[str, ClipConsensus]:
    """The consensus of every clip voted on in one community.

    Pass all of the community's current votes (one per member per clip; if a member appears twice on a
    clip, the later vote wins): who counts as a regular member and the community's axis of disagreement
    both come from the whole community, so the answer for one clip depends on the other clips' votes.
    Pure and deterministic (the fit is seeded by ``params.seed``). Raises UnknownLabel for a label outside
    LABELS, which means the caller stored something it should have refused.
    """
    latest = _latest(votes)
    counts = tally(Vote(m, c, lab) for (m, c), lab in latest.items())
    member_votes: dict[str, int] = {}
    for member, _ in latest:
        member_votes[member] = member_votes.get(member, 0) + 1
    regular = {m for m, k in member_votes.items() if k >= params.min_member_votes}
    regular_votes = [(m, c, lab) for (m, c), lab in latest.items() if m in regular]
    regular_per_clip: dict[str, int] = {}
    for _, clip, _ in regular_votes:
        regular_per_clip[clip] = regular_per_clip.get(clip, 0) + 1

    leading: dict[str, tuple[str | None, int, int, float]] = {}
    wanted: set[str] = set()
    for clip, tl in counts.items():
        total = sum(tl.values())
        label = max(CONSENSUS_LABELS, key=lambda lab, tl=tl: (tl[lab], -CONSENSUS_LABELS.index(lab)))
        k = tl[label]
        lead = label if k > 0 else None
        lb = wilson_lower_bound(k, total, params.z) if lead else 0.0
        leading[clip] = (lead, k, total, lb)
        if lead and lb >= params.min_wilson and regular_per_clip.get(clip, 0) >= params.min_bridge_votes:
            wanted.add(lead)

    fits = _fit_labels(regular_votes, regular_per_clip, wanted, params)
    out: dict[str, ClipConsensus] = {}
    for clip, tl in counts.items():
        lead, k, total, lb = leading[clip]
        regular_n = regular_per_clip.get(clip, 0)
        bridging = None
        if lead and lead in fits and clip in fits[lead] and regular_n >= params.min_bridge_votes:
            score, factor, intercept, sides = fits[lead][clip]
            bridging = Bridging(lead, score, factor, intercept, regular_n, sides)
        consensus, note = _decide(lead, k, total, lb, regular_n, bridging, params)
        out[clip] = ClipConsensus(clip, dict(tl), total, lead, lb, bridging, consensus, note)
    return out


def _fit_labels(
    regular_votes: list[tuple[str, str, str]],
    regular_per_clip: Mapping[str, int],
    wanted: set[str],
    params: ConsensusParams,
) -> dict[str, dict[str, tuple[float, float, float, tuple[tuple[int, int], tuple[int, int]]]]]:
    rows = [(m, c, lab) for m, c, lab in regular_votes if regular_per_clip[c] >= params.min_fit_clip_votes]
    if not wanted or not rows:
        return {}
    member_ids = {m: i for i, m in enumerate(sorted({m for m, _, _ in rows}))}
    clip_ids = {c: i for i, c in enumerate(sorted({c for _, c, _ in rows}))}
    mi = np.fromiter((member_ids[m] for m, _, _ in rows), dtype=np.int64, count=len(rows))
    ci = np.fromiter((clip_ids[c] for _, c, _ in rows), dtype=np.int64, count=len(rows))
    labels = np.array([lab for _, _, lab in rows])
    out: dict[str, dict[str, tuple[float, float, float, tuple[tuple[int, int], tuple[int, int]]]]] = {}
    nc = len(clip_ids)
    for label in sorted(wanted):
        agree = labels == label
        fit = fit_bridging(mi, ci, agree.astype(np.float64), len(member_ids), nc, params.lambda_intercept,
                           params.lambda_factor, params.max_iterations, params.tolerance, params.seed)
        negative = fit.member_factors[mi] < 0
        neg_n = np.bincount(ci[negative], minlength=nc)
        neg_k = np.bincount(ci[negative & agree], minlength=nc)
        pos_n = np.bincount(ci[~negative], minlength=nc)
        pos_k = np.bincount(ci[~negative & agree], minlength=nc)
        out[label] = {c: (float(fit.mu + fit.clip_intercepts[i]), float(fit.clip_factors[i]),
                          float(fit.clip_intercepts[i]),
                          ((int(neg_k[i]), int(neg_n[i])), (int(pos_k[i]), int(pos_n[i]))))
                      for c, i in clip_ids.items()}
    return out


def _decide(
    lead: str | None,
    k: int,
    total: int,
    lb: float,
    regular_n: int,
    bridging: Bridging | None,
    params: ConsensusParams,
) -> tuple[Consensus | None, str]:
    if total == 0:
        return None, "no votes yet"
    if lead is None:
        return None, f"all {total} voters said cant_tell"
    share = f"{k} of {total} voters say {lead}, Wilson lower bound {lb:.2f}"
    if lb < params.min_wilson:
        return None, f"{share}: not yet a clear majority (needs {params.min_wilson:.2f})"
    if bridging is None:
        return None, (f"{share}, but only {regular_n} of the votes come from members with at least "
                      f"{params.min_member_votes} votes; the bridging check needs {params.min_bridge_votes}")
    if abs(bridging.factor) >= params.max_factor:
        return None, (f"{share}, but the votes follow the community's usual split (factor "
                      f"{bridging.factor:+.2f}): no label until members who usually disagree agree")
    if bridging.score < params.min_score:
        return None, (f"{share}, but members who usually disagree do not agree enough "
                      f"(bridging score {bridging.score:.2f}, needs {params.min_score:.2f})")
    fewest = min(k for k, _ in bridging.sides)
    if fewest < params.min_side_agree:
        return None, (f"{share}, but only {fewest} regular voter(s) on one side of the community's usual split "
                      f"chose it (needs {params.min_side_agree})")
    basis = (f"{k} of {total} voters, Wilson lower bound {lb:.2f}, and members who usually disagree agree "
             f"(bridging score {bridging.score:.2f})")
    return Consensus(lead, basis), ""
