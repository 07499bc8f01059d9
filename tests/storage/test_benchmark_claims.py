"""The benchmark rule on a hand-made table, and the shipped derived claims match the shipped CSV."""

from __future__ import annotations

import pytest

from storage.benchmark_claims import Row as R
from storage.benchmark_claims import derive, generate, rate, render
from storage.seed_files import SEED_DIR

DIMS = {("vbench2", "Human_Anatomy"): ("hands",)}
MAP = {"vbench2": {f"Row {i}": f"m{i}" for i in range(1, 7)} | {"Row 1 old": "m1"}}


def row(name: str, score: float, date: str = "2025-03-28", cert: str = "Gold", order: int = 0) -> R:
    return R("vbench2", name, "Human_Anatomy", score, date, cert, order)


def ratings(claims) -> dict[str, str]:
    return {c.model: c.rating for c in claims}


def test_six_models_split_into_thirds():
    rows = [row(f"Row {i}", 100 - i * 5, order=i) for i in range(1, 7)]
    claims = derive(rows, DIMS, MAP)
    assert ratings(claims) == {"m1": "strength", "m2": "strength", "m3": "mixed", "m4": "mixed",
                               "m5": "weakness", "m6": "weakness"}
    first = next(c for c in claims if c.model == "m1")
    assert first.derived_from == "vbench2:Human_Anatomy" and first.capability == "hands"
    assert "rank 1 of 6 (top third)" in first.note
    assert first.sources[0].url == "https://huggingface.co/spaces/Vchitect/VBench_Leaderboard"
    assert first.sources[0].date == "2025-03-28"


def test_newest_row_wins():
    rows = [row(f"Row {i}", 100 - i * 5, order=i) for i in range(1, 7)]
    rows.append(row("Row 1 old", 10.0, date="2024-01-01", order=99))  # older and worse: ignored
    assert ratings(derive(rows, DIMS, MAP))["m1"] == "strength"
    rows.append(row("Row 1 old", 10.0, date="2026-01-01", order=100))  # newer and worse: used
    assert ratings(derive(rows, DIMS, MAP))["m1"] == "weakness"


def test_unmapped_uncertified_and_other_dimensions_are_ignored():
    rows = [row(f"Row {i}", 100 - i * 5, order=i) for i in range(1, 7)]
    rows += [row("Somebody else", 99.9), row("Row 6", 99.0, date="2026-01-01", cert="")]
    rows.append(R("vbench2", "Row 6", "Diversity", 99.0, "2026-01-01", "Gold", 7))
    claims = derive(rows, DIMS, MAP)
    assert len(claims) == 6 and ratings(claims)["m6"] == "weakness"


def test_fewer_than_three_models_give_no_claims():
    assert derive([row("Row 1", 90), row("Row 2", 80)], DIMS, MAP) == []


def test_rate_thirds():
    assert [rate(7, r) for r in range(7)] == ["strength"] * 2 + ["mixed"] * 3 + ["weakness"] * 2
    assert [rate(4, r) for r in range(4)] == ["strength", "mixed", "mixed", "weakness"]


def test_shipped_file_is_reproduced_exactly():
    shipped = (SEED_DIR / "claims_benchmarks.yaml").read_text(encoding="utf-8")
    assert render(generate()) == shipped


def test_tied_scores_share_one_rating():
    # positions 0-5 of 6 (k = 2): 95 and 95 straddle strength|mixed and both read as strength;
    # 70 and 70 straddle mixed|weakness and both read as mixed.
    scores = {"Row 1": 99, "Row 2": 95, "Row 3": 95, "Row 4": 70, "Row 5": 70, "Row 6": 10}
    rows = [row(name, score, order=i) for i, (name, score) in enumerate(scores.items())]
    claims = derive(rows, DIMS, MAP)
    assert ratings(claims) == {"m1": "strength", "m2": "strength", "m3": "strength", "m4": "mixed",
                               "m5": "mixed", "m6": "weakness"}
    m3 = next(c for c in claims if c.model == "m3")
    assert "rank 2 of 6, tied with 1 other(s) (top third)" in m3.note


def test_all_equal_scores_read_as_mixed():
    rows = [row(f"Row {i}", 50.0, order=i) for i in range(1, 7)]
    assert set(ratings(derive(rows, DIMS, MAP)).values()) == {"mixed"}


def test_one_score_filed_under_several_capabilities_says_so():
    dims = {("vbench2", "Human_Anatomy"): ("hands", "people")}
    rows = [row(f"Row {i}", 100 - i * 5, order=i) for i in range(1, 4)]
    claims = [c for c in derive(rows, dims, MAP) if c.model == "m1"]
    notes = {c.capability: c.note for c in claims}
    assert notes["hands"].endswith("One overall Human_Anatomy score covering hands and people together, "
                                   "filed under each; not a separate measure of hands.")
    assert notes["people"].endswith("not a separate measure of people.")
    single = derive(rows, DIMS, MAP)[0]
    assert "One overall" not in single.note


def test_an_action_benchmark_never_rates_physics():
    rows = [R("vbench", f"Row {i}", "human_action", 90.0 - i, "2025-01-01", "Gold", i) for i in range(1, 4)]
    with pytest.raises(ValueError, match="measures human actions"):
        derive(rows, {("vbench", "human_action"): ("people", "fluids")}, {"vbench": MAP["vbench2"]})


def test_shipped_derived_claims_keep_actions_out_of_physics():
    physics = {"fluids", "collisions", "fire_smoke", "cloth"}
    assert not [c for c in generate() if c.derived_from == "vbench:human_action" and c.capability in physics]
