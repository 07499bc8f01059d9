"""The consensus no faction can force: Wilson bound, bridging fit, and the rule on simulated communities."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from scipy.optimize import check_grad, minimize

from bench.consensus_sim import Scenario, simulate
from bot.consensus import (
    DEFAULT_PARAMS,
    LABELS,
    ConsensusParams,
    UnknownLabel,
    Vote,
    community_consensus,
    fit_bridging,
    parse_label,
    tally,
    wilson_interval,
    wilson_lower_bound,
)
from bot.errors import InputError

MID = Scenario("mid", 100, 0.65, {"agree_rep": 20, "agree_cp": 20, "partisan": 30, "partisan_minority": 20,
                                  "unclear": 20, "pileon": 10}, (15, 40))
EXPECTED = {"agree_rep": "representative", "agree_cp": "cherry_picked"}


# --- Wilson -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n", "z", "expected"), [
    (3, 3, 1.28, 0.6468), (7, 9, 1.28, 0.5663), (13, 20, 1.28, 0.5069), (10, 20, 1.28, 0.3624),
    (0, 5, 1.28, 0.0),
    # Evan Miller's examples as quoted in the research note (z = 1.96): 3/3 ~ 0.44, 40/45 ~ 0.77.
    (3, 3, 1.96, 0.4385), (40, 45, 1.96, 0.7650),
])
def test_wilson_lower_bound_known_values(k, n, z, expected):
    assert wilson_lower_bound(k, n, z) == pytest.approx(expected, abs=1e-4)


def test_wilson_edges():
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(7, 9)
    assert low == pytest.approx(0.5663, abs=1e-4) and high == pytest.approx(0.9037, abs=1e-4)
    with pytest.raises(ValueError):
        wilson_lower_bound(4, 3)


# --- labels and tally ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "label"), [
    ("representative", "representative"), ("Cherry picked", "cherry_picked"), ("cherry-picked", "cherry_picked"),
    ("  MISLEADING_workflow ", "misleading_workflow"), ("cant tell", "cant_tell"),
])
def test_parse_label_forgives_case_spaces_dashes(typed, label):
    assert parse_label(typed) == label


def test_parse_label_suggests_the_closest():
    with pytest.raises(UnknownLabel) as e:
        parse_label("represntative")
    assert isinstance(e.value, InputError)
    assert "Did you mean representative?" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(UnknownLabel, match="Choose one of: representative, cherry_picked"):
        parse_label("")


def test_tally_counts_every_vote_and_the_latest_vote_wins():
    votes = [Vote("ann", "c1", "representative"), Vote("bob", "c1", "cherry_picked"),
             Vote("ann", "c1", "cant_tell"),  # ann changed her mind
             Vote("new1", "c1", "misleading_workflow"), Vote("ann", "c2", "representative")]
    assert tally(votes) == {
        "c1": {"representative": 0, "cherry_picked": 1, "misleading_workflow": 1, "cant_tell": 1},
        "c2": {"representative": 1, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 0},
    }


def test_stored_unknown_label_is_refused():
    with pytest.raises(UnknownLabel):
        community_consensus([Vote("a", "c", "great")])


# --- small numbers: Wilson only -----------------------------------------------------------------------------


def test_few_votes_show_wilson_but_no_label():
    votes = [Vote(f"m{i}", "c", "representative") for i in range(7)] + [Vote("m7", "c", "cant_tell")]
    result = community_consensus(votes)["c"]
    assert result.votes == {"representative": 7, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 1}
    assert result.total == 8 and result.leading == "representative"
    assert result.wilson_lower == pytest.approx(0.6607, abs=1e-4)  # 7 of 8, z = 1.28
    assert result.bridging is None and result.consensus is None
    assert "only 0 of the votes come from members with at least 10 votes" in result.note
    assert result.to_json() == {
        "votes": {"representative": 7, "cherry_picked": 0, "misleading_workflow": 0, "cant_tell": 1},
        "consensus": None, "voters": 8, "leading": "representative", "wilson_lower": 0.661, "bridging": None,
        "note": "7 of 8 voters say representative, Wilson lower bound 0.66, but only 0 of the votes come from "
                "members with at least 10 votes; the bridging check needs 8"}


def test_no_votes_for_a_label_and_all_cant_tell():
    votes = [Vote(f"m{i}", "c", "cant_tell") for i in range(5)]
    result = community_consensus(votes)["c"]
    assert result.leading is None and result.consensus is None and result.note == "all 5 voters said cant_tell"


# --- the bridging fit ---------------------------------------------------------------------------------------


def _reference_loss(x, mi, ci, y, nm, nc, lam_i, lam_f):
    """Community Notes' mean-normalised loss, written out independently of bot.consensus."""
    mu, a, f, b, g = x[0], x[1:1 + nm], x[1 + nm:1 + 2 * nm], x[1 + 2 * nm:1 + 2 * nm + nc], x[1 + 2 * nm + nc:]
    e = mu + a[mi] + b[ci] + f[mi] * g[ci] - y
    return (np.mean(e ** 2) + lam_f * np.mean(f ** 2) + lam_i * np.mean(a ** 2) + lam_f * np.mean(g ** 2)
            + lam_i * np.mean(b ** 2) + lam_i * mu ** 2)


def _reference_gradient(x, mi, ci, y, nm, nc, lam_i, lam_f):
    """The exact gradient of `_reference_loss`, so the general optimiser needs no finite differences
    (101 loss evaluations per step); held to finite differences in the test below."""
    mu, a, f, b, g = x[0], x[1:1 + nm], x[1 + nm:1 + 2 * nm], x[1 + 2 * nm:1 + 2 * nm + nc], x[1 + 2 * nm + nc:]
    e = 2 * (mu + a[mi] + b[ci] + f[mi] * g[ci] - y) / len(y)
    return np.concatenate([
        [e.sum() + 2 * lam_i * mu],
        np.bincount(mi, e, nm) + 2 * lam_i * a / nm,
        np.bincount(mi, e * g[ci], nm) + 2 * lam_f * f / nm,
        np.bincount(ci, e, nc) + 2 * lam_i * b / nc,
        np.bincount(ci, e * f[mi], nc) + 2 * lam_f * g / nc,
    ])


def test_fit_reaches_the_same_minimum_as_a_general_optimiser():
    rng = np.random.default_rng(3)
    nm, nc = 30, 20
    side = np.where(np.arange(nm) < 18, 1.0, -1.0)
    pairs = [(m, c) for m in range(nm) for c in range(nc) if rng.random() < 0.6]
    mi = np.array([p[0] for p in pairs])
    ci = np.array([p[1] for p in pairs])
    kind = np.arange(nc) % 2  # even clips: everyone likes them; odd clips: party line
    p_yes = np.where(kind[ci] == 0, 0.85, np.where(side[mi] > 0, 0.9, 0.1))
    y = (rng.random(len(pairs)) < p_yes).astype(float)
    fit = fit_bridging(mi, ci, y, nm, nc, max_iterations=5000, tolerance=1e-12)
    assert fit.converged
    ours = np.concatenate([[fit.mu], fit.member_intercepts, fit.member_factors, fit.clip_intercepts,
                           fit.clip_factors])
    args = (mi, ci, y, nm, nc, 0.15, 0.03)
    probe = np.random.default_rng(9).uniform(-0.5, 0.5, len(ours))
    assert check_grad(_reference_loss, _reference_gradient, probe, *args) < 1e-6
    best = np.inf
    for seed in range(4):  # several starts: L-BFGS may stop at the saddle f = g = 0 from an unlucky one
        x0 = np.random.default_rng(seed).uniform(-0.5, 0.5, len(ours))
        res = minimize(_reference_loss, x0, args=args, jac=_reference_gradient, method="L-BFGS-B",
                       options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10})
        best = min(best, res.fun)
    assert _reference_loss(ours, *args) == pytest.approx(fit.loss, rel=1e-9)
    assert _reference_loss(ours, *args) <= best + 1e-7
    # The party-line clips load on the factor (all on the same side), the agreed ones on the intercept.
    party, agreed = fit.clip_factors[kind == 1], fit.clip_factors[kind == 0]
    assert np.all(np.sign(party) == np.sign(party[0]))
    assert np.mean(np.abs(party)) > 0.5 > np.mean(np.abs(agreed))
    score = fit.mu + fit.clip_intercepts
    assert np.min(score[kind == 0]) > np.max(score[kind == 1])
    # Signs are fixed: at least half of the members have a negative factor.
    assert np.count_nonzero(fit.member_factors < 0) >= nm / 2


def test_fit_is_deterministic_and_handles_empty_input():
    mi, ci, y = np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([1.0, 0.0, 1.0])
    one, two = fit_bridging(mi, ci, y, 2, 2), fit_bridging(mi, ci, y, 2, 2)
    assert np.array_equal(one.clip_intercepts, two.clip_intercepts) and one.mu == two.mu
    empty = fit_bridging(np.array([], int), np.array([], int), np.array([]), 3, 2)
    assert empty.mu == 0.0 and empty.clip_intercepts.tolist() == [0.0, 0.0]
    assert empty.member_intercepts.tolist() == empty.member_factors.tolist() == [0.0, 0.0, 0.0]
    assert empty.clip_factors.tolist() == [0.0, 0.0]
    assert (empty.iterations, empty.loss, empty.converged) == (0, 0.0, True)
    with pytest.raises(ValueError, match="^members, clips and values must have the same length$"):
        fit_bridging(np.array([0]), np.array([0, 1]), np.array([1.0]), 1, 2)
    with pytest.raises(ValueError, match=r"^member and clip indices must lie in 0\.\.n_members-1 and 0\.\.n_clips-1$"):
        fit_bridging(np.array([0, 2]), np.array([0, 1]), np.array([1.0, 0.0]), 2, 2)
    for members, clips in (([-1, 1], [0, 1]), ([0, 1], [-1, 1]), ([0, 1], [0, 2])):  # each index on its own
        with pytest.raises(ValueError, match="indices"):
            fit_bridging(np.array(members), np.array(clips), np.array([1.0, 0.0]), 2, 2)
    with pytest.raises(ValueError, match=r"^both penalties must be positive \(they are what makes each small "):
        fit_bridging(mi, ci, y, 2, 2, lambda_intercept=0.0)
    with pytest.raises(ValueError, match="positive"):
        fit_bridging(mi, ci, y, 2, 2, lambda_factor=0.0)


def test_members_and_clips_without_votes_keep_zero_parameters():
    """Index space can be larger than what was voted (the last member and the last clip have no votes)."""
    mi, ci, y = np.array([0, 1, 1, 0]), np.array([0, 0, 1, 1]), np.array([1.0, 0.0, 1.0, 1.0])
    fit = fit_bridging(mi, ci, y, 4, 3)
    assert fit.member_intercepts[2:].tolist() == fit.member_factors[2:].tolist() == [0.0, 0.0]
    assert fit.clip_intercepts[2] == fit.clip_factors[2] == 0.0
    assert fit.converged and np.count_nonzero(fit.member_factors[:2]) == 2


# --- simulated communities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("share_a", "seed"), [(0.6, 11), (0.65, 12), (0.75, 13), (0.8, 14)])
def test_party_lines_never_label_even_when_the_larger_faction_is_a_majority(share_a, seed):
    scenario = Scenario("party", 100, share_a, {"agree_rep": 15, "agree_cp": 15, "partisan": 25,
                                                "partisan_minority": 15}, (15, 40))
    community = simulate(scenario, seed)
    results = community_consensus(community.votes)
    partisan = [results[c] for c, k in community.kinds.items() if k.startswith("partisan")]
    # The test means something: on many party-line clips the larger faction alone clears the Wilson bar...
    majority_cleared = [r for r in partisan if r.wilson_lower >= 0.5]
    assert len(majority_cleared) >= 5
    # ...and still none of them gets a label, because the votes follow the community's split.
    assert [r.clip for r in partisan if r.consensus is not None] == []
    assert any("usual split" in r.note for r in majority_cleared)


def test_a_lopsided_community_needs_voters_from_both_sides():
    """90/10: a party-line clip the small side barely voted on must not pass on the big side's word."""
    scenario = Scenario("lopsided", 100, 0.9, {"agree_rep": 20, "agree_cp": 20, "partisan": 30,
                                               "partisan_minority": 20, "unclear": 20, "pileon": 10}, (15, 40))
    community = simulate(scenario, seed=1)
    results = community_consensus(community.votes)
    # partisan-26: 21 votes from the big faction and a single (noisy) one from the small faction, all agreeing.
    r = results["partisan-26"]
    assert r.votes["representative"] == 22 and r.wilson_lower > 0.9
    assert r.bridging is not None and r.bridging.score >= 0.5 and abs(r.bridging.factor) < 0.5
    assert min(k for k, _ in r.bridging.sides) < 2
    assert r.consensus is None and "usual split" in r.note  # a party-line clip, as it should be
    assert [c for c, k in community.kinds.items() if k.startswith("partisan") and results[c].consensus] == []


def test_clips_both_factions_agree_on_get_their_label():
    community = simulate(MID, seed=21)
    results = community_consensus(community.votes)
    agreed = [(c, k) for c, k in community.kinds.items() if k in EXPECTED]
    right = [c for c, k in agreed if results[c].consensus and results[c].consensus.label == EXPECTED[k]]
    assert len(right) >= 0.9 * len(agreed)
    wrong = [c for c, k in agreed if results[c].consensus and results[c].consensus.label != EXPECTED[k]]
    assert wrong == []
    unclear = [c for c, k in community.kinds.items() if k == "unclear" and results[c].consensus]
    assert unclear == []


def test_basis_reads_as_the_issue_asks():
    community = simulate(MID, seed=21)
    results = community_consensus(community.votes)
    labelled = next(r for r in results.values() if r.consensus)
    c = labelled.consensus
    assert re.fullmatch(r"\d+ of \d+ voters, Wilson lower bound 0\.\d\d, and members who usually disagree "
                        r"agree \(bridging score [01]\.\d\d\)", c.basis), c.basis
    k = labelled.votes[c.label]
    assert c.basis.startswith(f"{k} of {labelled.total} voters, Wilson lower bound {labelled.wilson_lower:.2f}")
    assert labelled.to_json()["consensus"] == {"label": c.label, "basis": c.basis}
    assert labelled.note == ""


def test_verdicts_json_shows_the_bridging_check_a_member_can_verify_to_three_decimals():
    community = simulate(MID, seed=21)
    results = community_consensus(community.votes)
    for r in (next(r for r in results.values() if r.consensus),
              next(r for r in results.values() if r.bridging and not r.consensus)):
        b = r.bridging
        shown = r.to_json()["bridging"]
        assert shown == {"label": b.label, "score": float(f"{b.score:.3f}"), "factor": float(f"{b.factor:.3f}"),
                         "regular_votes": b.regular_votes}
        assert isinstance(shown["score"], float) and isinstance(shown["factor"], float)
        assert shown["score"] != b.score and shown["factor"] != b.factor  # rounded, not the raw fit
        assert b.label == r.leading and 8 <= b.regular_votes <= r.total


def test_two_dozen_fresh_accounts_cannot_label_a_clip():
    community = simulate(MID, seed=31)
    results = community_consensus(community.votes)
    piled = [c for c, k in community.kinds.items() if k == "pileon"]
    fresh = [v for v in community.votes if v.member.startswith("fresh-") and v.clip == piled[0]]
    assert len(fresh) == 24
    for clip in piled:
        r = results[clip]
        # Every fresh vote is in the tally (so representative leads) ...
        regular = [v for v in community.votes if v.clip == clip and not v.member.startswith("fresh-")]
        assert r.votes["representative"] == 24 + sum(v.label == "representative" for v in regular)
        assert r.total == 24 + len(regular) and r.leading == "representative"
        # ... but none of them reaches the bridging model, which sees the regular members' split.
        assert r.consensus is None
        assert r.bridging is None or r.bridging.regular_votes == len(regular)
    assert sum(results[c].wilson_lower >= 0.5 for c in piled) >= 5  # Wilson alone would have been fooled


def test_fresh_accounts_alone_on_a_new_clip():
    community = simulate(MID, seed=41)
    votes = community.votes + [Vote(f"sock{i}", "new-clip", "representative") for i in range(24)]
    r = community_consensus(votes)["new-clip"]
    assert r.votes["representative"] == 24 and r.wilson_lower > 0.9
    assert r.consensus is None and r.bridging is None
    assert "only 0 of the votes come from members with at least 10 votes" in r.note


def test_fresh_accounts_can_still_reach_the_tally_of_a_labelled_clip():
    """A pile-on against a clip that regular members agree on cannot flip it either."""
    community = simulate(MID, seed=21)
    results = community_consensus(community.votes)
    target = next(c for c, k in community.kinds.items() if k == "agree_rep" and results[c].consensus)
    regular_total = results[target].total
    votes = community.votes + [Vote(f"sock{i}", target, "cherry_picked") for i in range(3 * regular_total)]
    r = community_consensus(votes)[target]
    assert r.votes["cherry_picked"] >= 3 * regular_total
    assert r.leading == "cherry_picked" and r.consensus is None  # the socks win the tally, not the label


def test_no_factions_still_labels_what_everyone_agrees_on():
    scenario = Scenario("one camp", 60, 1.0, {"agree_rep": 15, "agree_cp": 15, "unclear": 15}, (12, 30))
    community = simulate(scenario, seed=51)
    results = community_consensus(community.votes)
    labels = {c: (results[c].consensus.label if results[c].consensus else None) for c in community.kinds}
    right = sum(labels[c] == EXPECTED.get(k) for c, k in community.kinds.items() if k in EXPECTED)
    assert right >= 25
    assert [c for c, k in community.kinds.items() if k == "unclear" and labels[c]] == []


def test_order_of_votes_does_not_matter():
    community = simulate(MID, seed=61)
    shuffled = list(community.votes)
    random.Random(5).shuffle(shuffled)
    one, two = community_consensus(community.votes), community_consensus(shuffled)
    assert {c: r.consensus for c, r in one.items()} == {c: r.consensus for c, r in two.items()}


def test_cant_tell_dilutes_but_is_never_the_consensus():
    community = simulate(MID, seed=71)
    regulars = sorted({v.member for v in community.votes if not v.member.startswith("fresh-")})
    votes = community.votes + [Vote(m, "blurry", "cant_tell") for m in regulars[:30]]
    r = community_consensus(votes)["blurry"]
    assert r.votes["cant_tell"] == 30 and r.consensus is None and r.leading is None


def test_thresholds_are_parameters():
    community = simulate(MID, seed=21)
    strict = community_consensus(community.votes, ConsensusParams(min_bridge_votes=10_000))
    assert all(r.consensus is None for r in strict.values())
    assert set(LABELS) == set(next(iter(strict.values())).votes)


# --- the fit's bookkeeping: rounds, convergence, signs, its own loss ------------------------------------------


def _small_problem(seed: int, nm: int = 12, nc: int = 6):
    rng = np.random.default_rng(seed)
    pairs = [(m, c) for m in range(nm) for c in range(nc) if rng.random() < 0.7]
    pairs += [(m, m % nc) for m in range(nm)] + [(c % nm, c) for c in range(nc)]  # every member and clip votes
    pairs = sorted(set(pairs))
    mi, ci = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    y = (rng.random(len(pairs)) < 0.5).astype(float)
    y[0], y[-1] = 1.0, 0.0  # something to fit
    return mi, ci, y, nm, nc


def test_the_fit_stops_at_the_first_round_whose_loss_fell_by_at_most_the_tolerance():
    mi, ci, y, nm, nc = _small_problem(3)
    never = -1.0  # a loss never rises, so it never falls by at most -1
    losses = [fit_bridging(mi, ci, y, nm, nc, max_iterations=k, tolerance=never).loss for k in range(1, 30)]
    for k in (1, 2, 5):
        fit = fit_bridging(mi, ci, y, nm, nc, max_iterations=k, tolerance=never)
        assert (fit.iterations, fit.converged) == (k, False)
    drops = [losses[k - 1] - losses[k] for k in range(1, len(losses))]  # drops[j]: the fall in round j + 2
    for tolerance in (drops[0], drops[3], drops[3] / 1.5, drops[10], 1e9):
        fit = fit_bridging(mi, ci, y, nm, nc, tolerance=tolerance)
        expected = next(j + 2 for j, d in enumerate(drops) if d <= tolerance * max(1.0, losses[j + 1]))
        assert (fit.iterations, fit.converged) == (expected, True), tolerance
        assert fit.loss == losses[expected - 1]
    start = fit_bridging(mi, ci, y, nm, nc, max_iterations=0)
    assert (start.iterations, start.converged, start.mu) == (0, False, 0.0)
    assert not start.clip_intercepts.any() and not start.clip_factors.any() and not start.member_intercepts.any()


@pytest.mark.parametrize("seed", range(6))
def test_the_fit_reports_its_own_loss_and_at_least_half_of_the_members_lean_negative(seed):
    nm, nc = (1, 5) if seed == 0 else (6, 1) if seed == 1 else (12, 6)  # one member, one clip, then many
    mi, ci, y, nm, nc = _small_problem(seed, nm, nc)
    fit = fit_bridging(mi, ci, y, nm, nc, seed=seed)
    params = np.concatenate([[fit.mu], fit.member_intercepts, fit.member_factors, fit.clip_intercepts,
                             fit.clip_factors])
    assert _reference_loss(params, mi, ci, y, nm, nc, 0.15, 0.03) == pytest.approx(fit.loss, rel=1e-9)
    if nm > 1:
        assert np.count_nonzero(fit.member_factors < 0) * 2 >= nm


# --- each threshold is reached at exactly its value -----------------------------------------------------------


def test_every_threshold_is_met_at_exactly_its_value_and_the_factor_bar_is_strict():
    community = simulate(MID, seed=21)
    results = community_consensus(community.votes)
    r = next(r for r in results.values() if r.consensus)
    b = r.bridging
    fewest = min(k for k, _ in b.sides)
    exactly = {"min_wilson": r.wilson_lower, "min_score": b.score, "min_side_agree": fewest,
               "min_bridge_votes": b.regular_votes, "min_fit_clip_votes": b.regular_votes}
    for name, value in exactly.items():
        again = community_consensus(community.votes, ConsensusParams(**{name: value}))[r.clip]
        assert again.bridging is not None, name
        if name != "min_fit_clip_votes":  # the others leave the fit alone: the very same label
            assert again.consensus == r.consensus, name
    blocked = community_consensus(community.votes, ConsensusParams(max_factor=abs(b.factor)))[r.clip]
    assert blocked.consensus is None and "usual split" in blocked.note


def test_a_regular_member_has_at_least_ten_votes_in_the_community():
    votes = [Vote("ten", f"other{i}", "representative") for i in range(9)]  # 9 + the clip below = 10 votes
    votes += [Vote("nine", f"other{i}", "representative") for i in range(8)]  # 8 + 1 = 9 votes
    votes += [Vote(m, "clip", "representative") for m in ("ten", "nine", "new")]
    r = community_consensus(votes)["clip"]
    assert r.wilson_lower >= 0.5 and r.bridging is None
    assert "but only 1 of the votes come from members with at least 10 votes" in r.note


def test_a_tie_between_labels_is_led_by_the_first_label_and_z_is_a_parameter():
    votes = [Vote(f"m{i}", "tie", "cherry_picked" if i % 2 else "representative") for i in range(4)]
    votes += [Vote("m9", "tie", "cant_tell")]
    r = community_consensus(votes)["tie"]
    assert r.leading == "representative" and r.votes["cherry_picked"] == 2
    assert r.wilson_lower == pytest.approx(wilson_lower_bound(2, 5))
    wider = community_consensus(votes, ConsensusParams(z=1.96))["tie"]
    assert wider.wilson_lower == pytest.approx(wilson_lower_bound(2, 5, 1.96)) and wider.wilson_lower < r.wilson_lower
    unsure = community_consensus([Vote(f"m{i}", "blur", "cant_tell") for i in range(3)])["blur"]
    assert unsure.wilson_lower == 0.0 and unsure.to_json()["wilson_lower"] == 0.0


def test_what_the_bridging_block_says_adds_up_for_every_clip():
    """Each result is keyed by its clip; its sides split exactly its regular votes; score - intercept is the
    label's one mu."""
    community = simulate(MID, seed=21)
    results = community_consensus(community.votes)
    mus: dict[str, set[float]] = {}
    regular = {m for m in {v.member for v in community.votes}
               if sum(v.member == m for v in community.votes) >= 10}
    for clip, r in results.items():
        assert r.clip == clip
        if r.bridging is None:
            continue
        b = r.bridging
        (neg_k, neg_n), (pos_k, pos_n) = b.sides
        chose = sum(v.clip == clip and v.member in regular and v.label == b.label for v in community.votes)
        assert neg_n + pos_n == b.regular_votes and neg_k + pos_k == chose
        assert 0 <= neg_k <= neg_n and 0 <= pos_k <= pos_n
        mus.setdefault(b.label, set()).add(round(b.score - b.intercept, 9))
    assert mus and all(len(m) == 1 for m in mus.values())


def test_the_fit_settings_are_used_and_the_same_votes_give_the_same_figures():
    community = simulate(MID, seed=21)

    def scores(params: ConsensusParams = DEFAULT_PARAMS) -> dict[str, float]:
        return {c: r.bridging.score for c, r in community_consensus(community.votes, params).items() if r.bridging}

    base = scores()
    assert scores() == base  # exactly, not approximately: the fit is seeded
    assert scores(ConsensusParams(seed=1)) != base
    assert scores(ConsensusParams(tolerance=1e-3)) != base


def test_wilson_small_numbers_and_messages():
    assert 0 < wilson_lower_bound(1, 1) < 1
    low, high = wilson_interval(1, 1)
    assert 0 < low < high == 1.0
    assert wilson_interval(1, 2, 1.96) != wilson_interval(1, 2)
    low, high = wilson_interval(1, 2, 1.96)
    assert low == pytest.approx(wilson_lower_bound(1, 2, 1.96)) and high == pytest.approx(1 - low)
    with pytest.raises(ValueError, match=r"^successes 4 outside 0\.\.3$"):
        wilson_lower_bound(4, 3)


def test_an_unknown_label_message_names_what_was_typed_and_every_label():
    every = "Choose one of: representative, cherry_picked, misleading_workflow, cant_tell."
    with pytest.raises(UnknownLabel) as e:
        parse_label("workflow")
    assert str(e.value) == f"'workflow' is not a vote label. Did you mean misleading_workflow? {every}"
    with pytest.raises(UnknownLabel) as e:
        parse_label("   ")
    assert str(e.value) == f"'(nothing)' is not a vote label. {every}"
    with pytest.raises(UnknownLabel) as e:
        parse_label("zzzz " + "y" * 60)
    assert str(e.value) == f"'zzzz {'y' * 35}' is not a vote label. {every}"
    with pytest.raises(UnknownLabel) as e:
        community_consensus([Vote("a", "c", "great")])
    assert str(e.value) == f"'great' is not a vote label. {every}"


@pytest.mark.parametrize("last_voters", ["a", "b"])
def test_a_clip_only_one_faction_voted_on_shows_nobody_on_the_other_side(last_voters):
    """Two factions vote along party lines on ten clips; the last clip (in id order) only one faction saw."""
    faction = {f"{side}{i}": side for side in "ab" for i in range(10)}
    votes = [Vote(m, f"c{j}", "representative" if side == "a" else "cherry_picked")
             for m, side in faction.items() for j in range(10)]
    votes += [Vote(m, "zz", "representative") for m, side in faction.items() if side == last_voters]
    r = community_consensus(votes)["zz"]
    assert r.bridging is not None and r.bridging.regular_votes == 10
    assert sorted(n for _, n in r.bridging.sides) == [0, 10]  # all ten on one side of the split
    assert r.consensus is None and "usual split" in r.note  # a party-line clip, as it should be


def test_any_seed_reaches_the_same_fit_up_to_the_sign_convention():
    mi, ci, y, nm, nc = _small_problem(2)
    fits = [fit_bridging(mi, ci, y, nm, nc, seed=seed, tolerance=1e-12) for seed in range(6)]
    for fit in fits:
        params = np.concatenate([[fit.mu], fit.member_intercepts, fit.member_factors, fit.clip_intercepts,
                                 fit.clip_factors])
        assert _reference_loss(params, mi, ci, y, nm, nc, 0.15, 0.03) == pytest.approx(fits[0].loss, rel=1e-6)
        assert fit.mu + fit.clip_intercepts == pytest.approx(fits[0].mu + fits[0].clip_intercepts, abs=1e-4)
        assert np.count_nonzero(fit.member_factors < 0) * 2 >= nm


@pytest.mark.parametrize("problem", [1, 3])
def test_members_with_a_single_vote_count_towards_the_sign_convention(problem):
    mi, ci, y, nm, nc = _small_problem(problem, 6, 6)
    rng = np.random.default_rng(100 + problem)
    once = np.arange(nm, nm + 10)  # ten members who voted once
    mi, ci = np.concatenate([mi, once]), np.concatenate([ci, rng.integers(0, nc, 10)])
    y = np.concatenate([y, (rng.random(10) < 0.5).astype(float)])
    for seed in range(3):
        fit = fit_bridging(mi, ci, y, nm + 10, nc, seed=seed)
        assert np.count_nonzero(fit.member_factors < 0) * 2 >= nm + 10, seed


def _party_lines(extra_clip: bool) -> list[Vote]:
    """Two factions of ten vote along party lines on ten clips; optionally faction a alone labels clip zz."""
    faction = {f"{side}{i}": side for side in "ab" for i in range(10)}
    votes = [Vote(m, f"c{j}", "representative" if side == "a" else "cherry_picked")
             for m, side in faction.items() for j in range(10)]
    if extra_clip:
        votes += [Vote(m, "zz", "representative") for m, side in faction.items() if side == "a"]
    return votes


def test_the_model_is_fitted_only_for_a_label_some_clip_could_earn(monkeypatch):
    import bot.consensus as consensus

    fitted: list[int] = []
    real = consensus.fit_bridging

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        fitted.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(consensus, "fit_bridging", counting)
    results = community_consensus(_party_lines(extra_clip=False))
    assert fitted == [] and all(r.bridging is None and r.wilson_lower < 0.5 for r in results.values())
    bar = wilson_lower_bound(10, 10)
    for params in (DEFAULT_PARAMS, ConsensusParams(min_wilson=bar), ConsensusParams(min_bridge_votes=10)):
        fitted.clear()
        r = community_consensus(_party_lines(extra_clip=True), params)["zz"]
        assert len(fitted) == 1 and r.bridging is not None and r.bridging.label == "representative", params
    for params in (ConsensusParams(min_wilson=bar + 1e-9), ConsensusParams(min_bridge_votes=11)):
        fitted.clear()
        assert community_consensus(_party_lines(extra_clip=True), params)["zz"].bridging is None
        assert fitted == []
